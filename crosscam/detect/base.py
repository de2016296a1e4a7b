"""The detection data contract shared by detectors and trackers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass
class Detections:
    """Person boxes of one frame (supervision-style).

    Attributes:
        xyxy: ``N x 4`` float32 boxes in pixels (left, top, right, bottom).
        confidence: ``N`` float32 scores.
        tracker_id: ``N`` int64 track ids, or None before tracking.
    """

    xyxy: np.ndarray
    confidence: np.ndarray
    tracker_id: np.ndarray | None = None

    def __post_init__(self):
        self.xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        self.confidence = np.asarray(self.confidence, dtype=np.float32).reshape(-1)
        if self.tracker_id is not None:
            self.tracker_id = np.asarray(self.tracker_id, dtype=np.int64).reshape(-1)
        if len(self.confidence) != len(self.xyxy) or (
            self.tracker_id is not None and len(self.tracker_id) != len(self.xyxy)
        ):
            raise ValueError("xyxy, confidence and tracker_id must have the same length")

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index) -> Detections:
        """Select rows with a boolean mask, an index array or a slice."""
        if isinstance(index, int | np.integer):
            index = [index]
        tracker_id = None if self.tracker_id is None else self.tracker_id[index]
        return Detections(self.xyxy[index], self.confidence[index], tracker_id)


class Detector(ABC):
    """Finds people in a BGR uint8 image."""

    name: str

    @abstractmethod
    def detect(self, image_bgr: np.ndarray) -> Detections:
        """Person boxes in the image's pixel coordinates."""
