"""Collect a camera's tracked boxes into :class:`~crosscam.types.Tracklet` s, each embedded from a few good crops.

A crop is *good* for appearance when the person is large enough, not cut by the
frame edge and not heavily covered by another person's box; only good crops are
embedded (their mean, L2-normalised, is the tracklet embedding). A track with no
good crop falls back to its largest crops rather than vanishing. Crops are
sampled evenly along the track with a doubling stride, so memory stays bounded
on long videos.

Example:
    >>> builder = TrackletBuilder("lobby")  # doctest: +SKIP
    >>> for frame, tracked in track_frames(source, detector, tracker):  # doctest: +SKIP
    ...     builder.add(frame, tracked)
    >>> camera = builder.finish(embedder)  # doctest: +SKIP
    >>> camera.tracklets[0].embedding.shape, len(camera.boxes)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from crosscam.detect.base import Detections
from crosscam.embed.base import Embedder, l2_normalize
from crosscam.io.frames import Frame
from crosscam.track.interpolate import interpolate_boxes
from crosscam.types import TrackedBoxes, Tracklet


@dataclass(frozen=True)
class CropConfig:
    """Which crops describe a tracklet's appearance, with the reason for each default.

    Attributes:
        min_height: pixels; the embedders read 256 x 128 crops, and people below 48 px are mostly blur.
        edge_margin: pixels; a box this close to the frame border is cut by it (half a person is no appearance).
        max_covered: largest fraction of the box's area one other box may cover (0.3: beyond it the crop shows
            two people, and their mean embedding would link them).
        max_crops: crops embedded per tracklet; 12 evenly spaced crops bound the embedding cost of long tracks
            while still covering the walk's viewpoints.
        min_boxes: shorter tracks are dropped as noise (false detections flicker for a few frames).
    """

    min_height: int = 48
    edge_margin: int = 3
    max_covered: float = 0.3
    max_crops: int = 12
    min_boxes: int = 5


@dataclass(frozen=True)
class CameraTracklets:
    """What one camera's builder produced: tracklets, the boxes of those tracklets, and their thumbnails.

    A thumbnail is the tracklet's largest good crop, held JPEG-encoded (quality 95, as ``cv2.imwrite`` writes it):
    a long camera holds every finished tracklet's thumbnail until it is stored, and the encoded crop is 5-10x
    smaller than its pixels.
    """

    tracklets: list[Tracklet]
    boxes: TrackedBoxes  # every box of the kept tracklets
    thumbnails: dict[int, bytes]  # track id -> its thumbnail, JPEG

    def thumbnail(self, track_id: int) -> np.ndarray:
        """The thumbnail of ``track_id`` as a BGR image."""
        return cv2.imdecode(np.frombuffer(self.thumbnails[track_id], np.uint8), cv2.IMREAD_COLOR)


@dataclass
class _Track:
    """The builder's private accumulator of one track."""

    num_boxes: int = 0
    crops: list[np.ndarray] = field(default_factory=list)  # good crops (sampled)
    fallback: list[tuple[float, np.ndarray]] = field(default_factory=list)  # (area, crop) while none is good
    stride: int = 1
    good_seen: int = 0
    last_seen: float = 0.0  # timestamp of its latest box

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
    """Feed it every (frame, tracked detections) of one camera (:meth:`flush` now and then), then :meth:`finish`.

    A camera's memory stays flat in its length: a finished track keeps its embedding, thumbnail and its boxes
    as numpy columns (about 50 bytes a box, in one block per flush), never Python objects per box or per frame.
    ``max_gap``: each finished track's boxes are interpolated across its gaps of at most this many frames: the
    frames ``--detect-fps`` skips, and short misses of the detector
    (:func:`~crosscam.track.interpolate.fill_gap_frames`).
    """

    def __init__(self, camera: str, config: CropConfig = CropConfig(), max_gap: int = 0):
        self.camera = camera
        self.config = config
        self.max_gap = max_gap
        self._tracks: dict[int, _Track] = {}
        self._frames: list[TrackedBoxes] = []  # one block per frame added since the last flush
        self._live = TrackedBoxes.empty(camera)  # the earlier boxes of the tracks not finished yet
        self._done: list[TrackedBoxes] = []  # finished tracks' boxes (gaps filled), one block per flush
        self._tracklets: dict[int, Tracklet] = {}
        self._thumbnails: dict[int, bytes] = {}

    def add(self, frame: Frame, detections: Detections) -> None:
        height, width = frame.image.shape[:2]
        xyxy = detections.xyxy
        self._frames.append(TrackedBoxes.of_frame(frame, detections))
        covered = covered_fraction(xyxy)
        config = self.config
        margin = config.edge_margin
        for box, track_id, cover in zip(xyxy, detections.tracker_id, covered, strict=True):
            track = self._tracks.setdefault(int(track_id), _Track())
            track.num_boxes += 1
            track.last_seen = frame.timestamp
            x1, y1, x2, y2 = box
            left, top = max(int(x1), 0), max(int(y1), 0)
            right, bottom = min(int(np.ceil(x2)), width), min(int(np.ceil(y2)), height)
            if right - left < 4 or bottom - top < 8:
                continue
            good = (
                y2 - y1 >= config.min_height
                and x1 >= margin
                and y1 >= margin
                and x2 <= width - margin
                and y2 <= height - margin
                and cover <= config.max_covered
            )
            if good:
                self._keep_good(track, frame.image, (left, top, right, bottom))
            elif not track.crops and len(track.fallback) < config.max_crops:
                crop = frame.image[top:bottom, left:right].copy()
                track.fallback.append(((right - left) * (bottom - top), crop))
                track.fallback.sort(key=lambda item: -item[0])

    def _keep_good(self, track: _Track, image: np.ndarray, box: tuple[int, int, int, int]) -> None:
        track.good_seen += 1
        if (track.good_seen - 1) % track.stride:
            return
        left, top, right, bottom = box
        track.crops.append(image[top:bottom, left:right].copy())
        track.fallback.clear()
        if len(track.crops) >= 2 * self.config.max_crops:
            track.crops = track.crops[::2]
            track.stride *= 2

    def flush(self, embedder: Embedder, now: float, idle_seconds: float) -> int:
        """Finish the tracks without a box for more than ``idle_seconds`` before ``now``: embed them, free their
        crops and compact their boxes (only their tracklet, thumbnail and boxes stay); returns how many finished.

        ``idle_seconds`` must exceed the tracker's ``max_lost_seconds``: a track it has dropped never grows again.
        """
        done = {t: track for t, track in self._tracks.items() if now - track.last_seen > idle_seconds}
        self._close(done, embedder, progress=False)
        return len(done)

    def _close(self, done: dict[int, _Track], embedder: Embedder, progress: bool) -> None:
        """Embed the ``done`` tracks; keep the tracklets of those worth keeping and move their boxes (gaps
        filled) into one compact block; drop the boxes of the others."""
        embedded = self._embed(done, embedder, progress)
        pending = TrackedBoxes.concatenate(self.camera, [self._live, *self._frames])
        finished = np.isin(pending.track_id, list(done))
        kept = finished & np.isin(pending.track_id, list(embedded))
        self._frames, self._live = [], pending[~finished]
        for track_id in done:
            del self._tracks[track_id]
        if not kept.any():
            return
        boxes = pending[kept]
        filled = interpolate_boxes(boxes, self.max_gap)
        counts = dict(zip(*np.unique(filled.track_id, return_counts=True), strict=True))
        for track_id, own in boxes.by_track().items():
            embedding, num_crops, best = embedded[track_id]
            self._tracklets[track_id] = Tracklet(
                camera=self.camera,
                track_id=track_id,
                start=float(own.timestamp[0]),
                end=float(own.timestamp[-1]),
                first_frame=int(own.frame[0]),
                last_frame=int(own.frame[-1]),
                num_boxes=int(counts[track_id]),
                num_crops=num_crops,
                embedding=embedding,
            )
            self._thumbnails[track_id] = cv2.imencode(".jpg", best, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
        self._done.append(filled)

    def _embed(self, tracks: dict[int, _Track], embedder: Embedder, progress: bool):
        """(embedding, num_crops, best crop) of each track worth keeping: at least ``min_boxes`` boxes and a crop."""
        kept = {}
        for track_id, track in sorted(tracks.items()):
            if track.num_boxes < self.config.min_boxes or not track.embedding_crops():
                continue  # too short, or never a crop of at least 4 x 8 pixels
            if len(track.crops) > self.config.max_crops:
                picks = np.linspace(0, len(track.crops) - 1, self.config.max_crops).round().astype(int)
                track.crops = [track.crops[i] for i in picks]
            kept[track_id] = track
        crops = [crop for track in kept.values() for crop in track.embedding_crops()]
        features = embedder.embed(crops, progress=progress) if crops else np.zeros((0, 0), np.float32)
        embedded, start = {}, 0
        for track_id, track in kept.items():
            count = len(track.embedding_crops())
            embedding = l2_normalize(features[start : start + count].mean(axis=0, keepdims=True))[0]
            embedded[track_id] = (embedding, len(track.crops), track.best_crop())
            start += count
        return embedded

    def finish(self, embedder: Embedder, progress: bool = False) -> CameraTracklets:
        """Tracklets with at least ``min_boxes`` boxes, each embedded from at most ``max_crops`` evenly spaced crops.

        All crops of the tracks not flushed yet are embedded in one call (batches span tracklets). The boxes are
        ordered by frame then track id.
        """
        self._close(dict(self._tracks), embedder, progress)
        boxes = TrackedBoxes.concatenate(self.camera, self._done)
        order = np.lexsort((boxes.track_id, boxes.frame))
        self._done = []  # the blocks freed before the sorted copy is made: at most two copies of the boxes at once
        tracklets = [self._tracklets[t] for t in sorted(self._tracklets)]
        return CameraTracklets(tracklets, boxes[order], dict(self._thumbnails))
