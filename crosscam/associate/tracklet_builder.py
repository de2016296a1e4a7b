"""Collect a camera's tracked boxes into tracklets with a few good crops each.

A crop is *good* for appearance when the person is large enough, not cut by the
frame edge and not heavily covered by another person's box; only good crops are
embedded (their mean, L2-normalised, is the tracklet embedding). A track with no
good crop falls back to its largest crops rather than vanishing. Crops are
sampled evenly along the track with a doubling stride, so memory stays bounded
on long videos.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from crosscam.detect.base import Detections
from crosscam.io.frames import Frame


@dataclass(frozen=True)
class CropFilter:
    min_height: int = 48  # pixels
    edge_margin: int = 3  # a box this close to the frame border is cut by it
    max_covered: float = 0.3  # largest fraction of the box's area that other boxes may cover


@dataclass
class BuiltTracklet:
    camera: str
    track_id: int
    frames: list[int] = field(default_factory=list)
    timestamps: list[float] = field(default_factory=list)
    crops: list[np.ndarray] = field(default_factory=list)  # good crops (sampled)
    fallback: list[tuple[float, np.ndarray]] = field(default_factory=list)  # (area, crop) when none is good
    stride: int = 1
    good_seen: int = 0

    @property
    def best_crop(self) -> np.ndarray:
        if self.crops:
            return max(self.crops, key=lambda crop: crop.shape[0] * crop.shape[1])
        return self.fallback[0][1]

    def embedding_crops(self) -> list[np.ndarray]:
        return self.crops if self.crops else [crop for _, crop in self.fallback]


def covered_fraction(xyxy: np.ndarray) -> np.ndarray:
    """For each box, the largest fraction of its area covered by any single other box."""
    if len(xyxy) < 2:
        return np.zeros(len(xyxy))
    x1 = np.maximum(xyxy[:, None, 0], xyxy[None, :, 0])
    y1 = np.maximum(xyxy[:, None, 1], xyxy[None, :, 1])
    x2 = np.minimum(xyxy[:, None, 2], xyxy[None, :, 2])
    y2 = np.minimum(xyxy[:, None, 3], xyxy[None, :, 3])
    intersection = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])
    fraction = intersection / np.maximum(area[:, None], 1e-9)
    np.fill_diagonal(fraction, 0.0)
    return fraction.max(axis=1)


class TrackletBuilder:
    """Feed it every (frame, tracked detections) of one camera, then call :meth:`finish`."""

    def __init__(self, crop_filter: CropFilter = CropFilter(), max_crops: int = 12, min_boxes: int = 5):
        self.crop_filter = crop_filter
        self.max_crops = max_crops
        self.min_boxes = min_boxes
        self.tracks: dict[int, BuiltTracklet] = {}
        self.rows: list[tuple[int, int, float, float, float, float, float]] = []  # all boxes, for the store

    def add(self, frame: Frame, detections: Detections) -> None:
        height, width = frame.image.shape[:2]
        xyxy = detections.xyxy
        covered = covered_fraction(xyxy)
        margin = self.crop_filter.edge_margin
        for box, score, track_id, cover in zip(
            xyxy, detections.confidence, detections.tracker_id, covered, strict=True
        ):
            track_id = int(track_id)
            self.rows.append((frame.index, track_id, *map(float, box), float(score)))
            track = self.tracks.setdefault(track_id, BuiltTracklet(frame.camera, track_id))
            track.frames.append(frame.index)
            track.timestamps.append(frame.timestamp)
            x1, y1, x2, y2 = box
            left, top = max(int(x1), 0), max(int(y1), 0)
            right, bottom = min(int(np.ceil(x2)), width), min(int(np.ceil(y2)), height)
            if right - left < 4 or bottom - top < 8:
                continue
            good = (
                y2 - y1 >= self.crop_filter.min_height
                and x1 >= margin
                and y1 >= margin
                and x2 <= width - margin
                and y2 <= height - margin
                and cover <= self.crop_filter.max_covered
            )
            if good:
                self._keep_good(track, frame.image, (left, top, right, bottom))
            elif not track.crops and len(track.fallback) < self.max_crops:
                crop = frame.image[top:bottom, left:right].copy()
                track.fallback.append(((right - left) * (bottom - top), crop))
                track.fallback.sort(key=lambda item: -item[0])

    def _keep_good(self, track: BuiltTracklet, image: np.ndarray, box: tuple[int, int, int, int]) -> None:
        track.good_seen += 1
        if (track.good_seen - 1) % track.stride:
            return
        left, top, right, bottom = box
        track.crops.append(image[top:bottom, left:right].copy())
        track.fallback.clear()
        if len(track.crops) >= 2 * self.max_crops:
            track.crops = track.crops[::2]
            track.stride *= 2

    def finish(self) -> list[BuiltTracklet]:
        """Tracklets with at least ``min_boxes`` boxes, each with at most ``max_crops`` evenly spaced crops."""
        kept = []
        for track in sorted(self.tracks.values(), key=lambda t: t.track_id):
            if len(track.frames) < self.min_boxes:
                continue
            if len(track.crops) > self.max_crops:
                picks = np.linspace(0, len(track.crops) - 1, self.max_crops).round().astype(int)
                track.crops = [track.crops[i] for i in picks]
            kept.append(track)
        return kept
