"""Draw tracked boxes, track ids and short motion trails onto frames, and write them to a video file."""

from __future__ import annotations

from collections import defaultdict, deque
from pathlib import Path

import cv2
import numpy as np

from crosscam.detect.base import Detections
from crosscam.errors import CrosscamError


def track_colour(track_id: int) -> tuple[int, int, int]:
    """A stable BGR colour per id; golden-angle hue steps keep neighbouring ids apart."""
    hue = int((track_id * 137.508) % 180)
    return tuple(int(c) for c in cv2.cvtColor(np.uint8([[[hue, 220, 255]]]), cv2.COLOR_HSV2BGR)[0, 0])


class TrackAnnotator:
    """Keeps the last ``trail_length`` foot points of every id and draws boxes, ids and trails."""

    def __init__(self, trail_length: int = 20):
        self.trails: dict[int, deque] = defaultdict(lambda: deque(maxlen=trail_length))

    def draw(self, image_bgr: np.ndarray, tracked: Detections) -> np.ndarray:
        canvas = image_bgr.copy()
        ids = tracked.tracker_id if tracked.tracker_id is not None else np.full(len(tracked), -1)
        for box, track_id in zip(tracked.xyxy, ids, strict=True):
            x0, y0, x1, y1 = (int(round(v)) for v in box)
            colour = track_colour(int(track_id))
            self.trails[int(track_id)].append(((x0 + x1) // 2, y1))
            points = np.array(self.trails[int(track_id)], np.int32)
            cv2.polylines(canvas, [points], False, colour, 2, cv2.LINE_AA)
            cv2.rectangle(canvas, (x0, y0), (x1, y1), colour, 2)
            label = str(int(track_id))
            (width, height), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
            cv2.rectangle(canvas, (x0, y0 - height - 6), (x0 + width + 4, y0), colour, -1)
            cv2.putText(canvas, label, (x0 + 2, y0 - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        return canvas


def open_video_writer(path: str | Path, fps: float, width: int, height: int) -> cv2.VideoWriter:
    """An MP4 (mp4v) writer; CrosscamError when the file cannot be created."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise CrosscamError(f"{path}: cannot open video for writing")
    return writer
