"""YOLOX detectors exported to ONNX (raw head output), run with onnxruntime at any input size.

The exported graphs have a fixed 1x3xHxW input; the input and output sizes are made symbolic when the model is
loaded so the same weights run at the size that suits the footage. Preprocessing follows the training code:
letterbox to the top-left corner with pad value 114; the ByteTrack model then takes RGB/255 normalised with the
ImageNet mean/std, the COCO model raw BGR 0-255. The head is decoded on the stride 8/16/32 grids, the score is
objectness x class probability, and overlapping boxes are suppressed with OpenCV's NMS.
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path

import cv2
import numpy as np

from crosscam.detect.base import Detections, Detector
from crosscam.errors import CrosscamError

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
STRIDES = (8, 16, 32)
PAD_VALUE = 114


def load_dynamic_session(path: Path, threads: int | None = None):
    """An onnxruntime session whose image input height/width (and the box count of the output) are symbolic."""
    import onnx
    import onnxruntime as ort

    try:
        model = onnx.load(str(path))
    except Exception as error:  # onnx raises several types for unreadable protobufs
        raise CrosscamError(f"{path}: cannot load ONNX model ({error.__class__.__name__})") from error
    del model.graph.value_info[:]  # intermediate shapes recorded at export time would pin the size
    input_shape = model.graph.input[0].type.tensor_type.shape
    input_shape.dim[2].dim_param, input_shape.dim[3].dim_param = "height", "width"
    model.graph.output[0].type.tensor_type.shape.dim[1].dim_param = "boxes"
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 4)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # idle worker threads sleep instead of spinning: on a CPU shared with embedders, other cameras or other jobs
    # spinning threads steal the cores they wait for (measured here: 92 -> 52 ms per frame under load)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def auto_input_size(image_hw: tuple[int, int], trained_hw: tuple[int, int]) -> tuple[int, int]:
    """The image at the scale the model was trained at, padded only up to a multiple of 32 (no wasted padding)."""
    ratio = min(trained_hw[0] / image_hw[0], trained_hw[1] / image_hw[1])
    return tuple(int(math.ceil(side * ratio / 32) * 32) for side in image_hw)


def letterbox(image: np.ndarray, input_hw: tuple[int, int]) -> tuple[np.ndarray, float]:
    """Resize keeping the aspect ratio into the top-left corner of a ``PAD_VALUE`` canvas; returns (canvas, ratio)."""
    ratio = min(input_hw[0] / image.shape[0], input_hw[1] / image.shape[1])
    height, width = int(image.shape[0] * ratio), int(image.shape[1] * ratio)
    canvas = np.full((*input_hw, 3), PAD_VALUE, dtype=np.uint8)
    canvas[:height, :width] = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
    return canvas, ratio


@functools.lru_cache(maxsize=8)
def yolox_grid(input_hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Cell offsets (x, y) and strides of every head row, strides 8, 16, 32 in order."""
    grids, strides = [], []
    for stride in STRIDES:
        rows, cols = input_hw[0] // stride, input_hw[1] // stride
        ys, xs = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        grids.append(np.stack([xs, ys], axis=-1).reshape(-1, 2))
        strides.append(np.full((rows * cols, 1), stride))
    return np.concatenate(grids).astype(np.float32), np.concatenate(strides).astype(np.float32)


def decode_yolox(raw: np.ndarray, input_hw: tuple[int, int]) -> np.ndarray:
    """Raw head rows (cx, cy, w, h, obj, cls...) on the stride grids -> pixel (cx, cy, w, h, obj, cls...)."""
    grid, stride = yolox_grid(input_hw)
    if len(grid) != len(raw):
        raise CrosscamError(f"YOLOX head has {len(raw)} rows, expected {len(grid)} for input {input_hw}")
    decoded = raw.copy()
    decoded[:, :2] = (raw[:, :2] + grid) * stride
    decoded[:, 2:4] = np.exp(raw[:, 2:4]) * stride
    return decoded


class YoloxOnnxDetector(Detector):
    """A YOLOX ONNX model restricted to one class (person).

    Args:
        model_path: the ``.onnx`` file with the raw head output.
        name: registry name.
        normalize_imagenet: True for RGB/255 with ImageNet mean/std (ByteTrack), False for raw BGR 0-255 (COCO).
        class_index: which class column is "person" (0 for both models here).
        trained_hw: the input size the model was exported at.
        input_size: (height, width), multiples of 32; None picks :func:`auto_input_size` per image size.
        score_threshold: boxes with obj x cls below this are dropped (low enough for two-stage association).
        nms_threshold: IoU above which the weaker of two boxes is suppressed.
    """

    def __init__(
        self,
        model_path: Path,
        name: str,
        normalize_imagenet: bool,
        class_index: int = 0,
        trained_hw: tuple[int, int] = (608, 1088),
        input_size: tuple[int, int] | None = None,
        score_threshold: float = 0.1,
        nms_threshold: float = 0.7,
        threads: int | None = None,
    ):
        if input_size is not None and (input_size[0] % 32 or input_size[1] % 32):
            raise CrosscamError(f"detector input size {input_size[0]}x{input_size[1]} must be multiples of 32")
        self.name = name
        self.session = load_dynamic_session(model_path, threads)
        self.input_name = self.session.get_inputs()[0].name
        self.normalize_imagenet = normalize_imagenet
        self.class_index = class_index
        self.trained_hw = trained_hw
        self.input_size = input_size
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold

    def input_size_for(self, image_hw: tuple[int, int]) -> tuple[int, int]:
        return self.input_size or auto_input_size(image_hw, self.trained_hw)

    def preprocess(self, image_bgr: np.ndarray) -> tuple[np.ndarray, float, tuple[int, int]]:
        input_hw = self.input_size_for(image_bgr.shape[:2])
        canvas, ratio = letterbox(image_bgr, input_hw)
        if not self.normalize_imagenet:
            return cv2.dnn.blobFromImage(canvas), ratio, input_hw
        # (RGB - 255 mean) / 255, then / std per channel: RGB/255 normalised with the ImageNet mean/std
        blob = cv2.dnn.blobFromImage(canvas, 1 / 255.0, mean=tuple((255 * IMAGENET_MEAN).tolist()), swapRB=True)
        blob /= IMAGENET_STD[None, :, None, None]
        return blob, ratio, input_hw

    def detect(self, image_bgr: np.ndarray) -> Detections:
        blob, ratio, input_hw = self.preprocess(image_bgr)
        raw = self.session.run(None, {self.input_name: blob})[0][0]
        decoded = decode_yolox(raw, input_hw)
        scores = decoded[:, 4] * decoded[:, 5 + self.class_index]
        keep = scores >= self.score_threshold
        boxes, scores = decoded[keep, :4], scores[keep]
        xywh = np.concatenate([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, 2:]], axis=1) / ratio
        kept = cv2.dnn.NMSBoxes(xywh.tolist(), scores.tolist(), self.score_threshold, self.nms_threshold)
        kept = np.asarray(kept, dtype=np.int64).reshape(-1)
        xyxy = np.concatenate([xywh[kept, :2], xywh[kept, :2] + xywh[kept, 2:]], axis=1)
        height, width = image_bgr.shape[:2]
        xyxy = np.clip(xyxy, 0, [width, height, width, height])
        return Detections(xyxy, scores[kept])
