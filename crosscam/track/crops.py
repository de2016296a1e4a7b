"""Save a few person crops per track, spread over time, for browsing and for re-identification."""

from __future__ import annotations

from pathlib import Path

import cv2

from crosscam.detect.base import Detections
from crosscam.io.frames import Frame


class CropSaver:
    """Writes ``<folder>/<id>_<frame>.jpg`` (frame: the 1-based MOT frame number) for confident boxes.

    At most ``per_track`` crops per track, at least ``min_gap_frames`` apart, from boxes scoring ``min_score``.
    """

    def __init__(self, folder: Path, per_track: int = 3, min_gap_frames: int = 25, min_score: float = 0.6):
        self.folder, self.per_track, self.min_gap, self.min_score = Path(folder), per_track, min_gap_frames, min_score
        self.saved: dict[int, list[int]] = {}

    def add(self, frame: Frame, tracked: Detections) -> None:
        if self.per_track <= 0 or tracked.tracker_id is None:
            return
        height, width = frame.image.shape[:2]
        for box, score, track_id in zip(tracked.xyxy, tracked.confidence, tracked.tracker_id, strict=True):
            done = self.saved.setdefault(int(track_id), [])
            if (
                score < self.min_score
                or len(done) >= self.per_track
                or (done and frame.index - done[-1] < self.min_gap)
            ):
                continue
            x0, y0, x1, y1 = (int(round(v)) for v in box)
            crop = frame.image[max(y0, 0) : min(y1, height), max(x0, 0) : min(x1, width)]
            if crop.size == 0:
                continue
            self.folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(self.folder / f"{int(track_id)}_{frame.index + 1}.jpg"), crop)
            done.append(frame.index)
