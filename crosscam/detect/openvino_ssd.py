"""OpenVINO person-detection-retail-0013 (SSD head, Intel Open Model Zoo), reshaped to the requested input size.

Input ``data`` 1x3xHxW BGR 0-255 (plain resize, no letterbox; normalisation is inside the model); output
1x1x200x7 rows (image, label, confidence, x0, y0, x1, y1) with coordinates normalised to the image.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from crosscam.detect.base import Detections, Detector


class OpenVinoSsdDetector(Detector):
    def __init__(
        self,
        xml_path: Path,
        name: str = "openvino-0013",
        input_size: tuple[int, int] = (544, 960),
        score_threshold: float = 0.1,
        threads: int = 2,
    ):
        import openvino as ov

        core = ov.Core()
        model = core.read_model(str(xml_path))
        model.reshape([1, 3, *input_size])
        self.request = core.compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": threads}).create_infer_request()
        self.name, self.input_size, self.score_threshold = name, input_size, score_threshold

    def input_size_for(self, image_hw: tuple[int, int]) -> tuple[int, int]:
        """The network input (height, width): fixed, the image is stretched to it."""
        return self.input_size

    def detect(self, image_bgr: np.ndarray) -> Detections:
        height, width = image_bgr.shape[:2]
        resized = cv2.resize(image_bgr, (self.input_size[1], self.input_size[0]), interpolation=cv2.INTER_LINEAR)
        blob = resized.transpose(2, 0, 1)[None].astype(np.float32)
        rows = self.request.infer({0: blob})[self.request.model_outputs[0]].reshape(-1, 7)
        rows = rows[(rows[:, 0] >= 0) & (rows[:, 2] >= self.score_threshold)]
        xyxy = np.clip(rows[:, 3:7], 0, 1) * [width, height, width, height]
        return Detections(xyxy, rows[:, 2])
