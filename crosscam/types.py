"""The data every stage of crosscam passes to the next: frames -> tracked boxes -> tracklets -> identities.

Start here. Each stage takes and returns these types, never tuples or dicts:

==========================  ==========================================================================
type                        what it is
==========================  ==========================================================================
:class:`Camera`             one camera of a run: name, source, wall-clock start time, rate, size, frames
:class:`TrackedBoxes`       every tracked box of one camera, as columns (frame, timestamp, track, xyxy, score)
:class:`Tracklet`           one tracked person in one camera: its time span and its appearance embedding
:class:`Appearance`         a tracklet as part of an identity: similarity to the identity, wall-clock times
:class:`Identity`           one person across cameras and time: a global id and its appearances
:class:`RunResult`          what :func:`crosscam.run_cameras` returns: cameras, identities, output files
:class:`QueryHit`           one tracklet ranked against a query crop: cosine similarity and P(same person)
:class:`QueryResult`        a query's ranked tracklets, and its identities ranked by their best appearance
==========================  ==========================================================================

**One clock.** Every time is in seconds. A box's ``timestamp`` is its frame's timestamp (seconds since the
camera's first frame, as the frame source reports it: the container's clock for video files). A tracklet's
``start`` / ``end`` are the timestamps of its first and last box. :meth:`Camera.offset` moves a camera's clock
onto the run's shared clock (seconds since the earliest camera start), and :meth:`Camera.wall_clock` onto the
calendar when start times are known.

Example:
    >>> import numpy as np
    >>> boxes = TrackedBoxes.from_mot("lobby", np.array([[1, 7, 10, 20, 30, 60, 0.9, -1, -1, -1]]), fps=25.0)
    >>> boxes.frame.tolist(), boxes.track_id.tolist(), boxes.xyxy.tolist()
    ([0], [7], [[10.0, 20.0, 40.0, 80.0]])
    >>> boxes.to_mot()[0, :6].tolist()
    [1.0, 7.0, 10.0, 20.0, 30.0, 60.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

MOT_COLUMNS = 10


@dataclass(frozen=True)
class Camera:
    """One camera of a run, as probed from its source.

    ``start_time`` is the wall-clock time of frame 0 when the user gave one (then every camera of the run has
    one); ``frames`` is the number of frames read (0 before the camera was processed).
    """

    name: str
    source: str
    start_time: datetime | None = None
    fps: float = 0.0
    width: int = 0
    height: int = 0
    frames: int = 0

    def offset(self, origin: datetime | None) -> float:
        """Seconds from the run's ``origin`` (earliest start time) to this camera's frame 0; 0 without times."""
        if origin is None or self.start_time is None:
            return 0.0
        return (self.start_time - origin).total_seconds()

    def wall_clock(self, seconds: float) -> datetime | None:
        """The calendar time of ``seconds`` on this camera's clock, or None when its start time is unknown."""
        return None if self.start_time is None else self.start_time + timedelta(seconds=seconds)


def run_origin(cameras: Iterable[Camera]) -> datetime | None:
    """The shared clock's zero: the earliest camera start time (None when no start times are known)."""
    times = [camera.start_time for camera in cameras if camera.start_time is not None]
    return min(times) if times else None


@dataclass(frozen=True)
class TrackedBoxes:
    """Every tracked box of one camera, as equal-length columns (row ``i`` is one box).

    Attributes:
        camera: the camera's name.
        frame: ``N`` int64 0-based frame indices.
        timestamp: ``N`` float64 seconds since the camera's first frame (the frame's own timestamp).
        track_id: ``N`` int64 per-camera track ids.
        xyxy: ``N x 4`` float32 boxes in pixels (left, top, right, bottom).
        score: ``N`` float32 detection scores.
    """

    camera: str
    frame: np.ndarray
    timestamp: np.ndarray
    track_id: np.ndarray
    xyxy: np.ndarray
    score: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "frame", np.asarray(self.frame, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "timestamp", np.asarray(self.timestamp, dtype=np.float64).reshape(-1))
        object.__setattr__(self, "track_id", np.asarray(self.track_id, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "xyxy", np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4))
        object.__setattr__(self, "score", np.asarray(self.score, dtype=np.float32).reshape(-1))
        n = len(self.frame)
        if not len(self.timestamp) == len(self.track_id) == len(self.xyxy) == len(self.score) == n:
            raise ValueError("TrackedBoxes columns must have the same length")

    @classmethod
    def empty(cls, camera: str) -> TrackedBoxes:
        return cls(camera, [], [], [], np.zeros((0, 4)), [])

    @classmethod
    def concatenate(cls, camera: str, parts: Sequence[TrackedBoxes]) -> TrackedBoxes:
        """One camera's boxes from several parts (for example per frame or per time chunk), in the given order."""
        if not parts:
            return cls.empty(camera)
        return cls(
            camera,
            np.concatenate([p.frame for p in parts]),
            np.concatenate([p.timestamp for p in parts]),
            np.concatenate([p.track_id for p in parts]),
            np.concatenate([p.xyxy for p in parts]),
            np.concatenate([p.score for p in parts]),
        )

    @classmethod
    def of_frame(cls, frame, detections) -> TrackedBoxes:
        """The tracked boxes of one frame: ``frame`` has ``camera``, ``index`` and ``timestamp``
        (:class:`crosscam.io.frames.Frame`), ``detections`` has ``xyxy``, ``confidence`` and ``tracker_id``
        (:class:`crosscam.detect.base.Detections` after tracking)."""
        n = len(detections.xyxy)
        return cls(
            frame.camera,
            np.full(n, frame.index),
            np.full(n, frame.timestamp),
            detections.tracker_id,
            detections.xyxy,
            detections.confidence,
        )

    def with_ids(self, ids: np.ndarray) -> TrackedBoxes:
        """The same boxes with other ids in the ``track_id`` column (for example global identity ids)."""
        return TrackedBoxes(self.camera, self.frame, self.timestamp, ids, self.xyxy, self.score)

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, index) -> TrackedBoxes:
        """Rows selected by a boolean mask, an index array or a slice."""
        return TrackedBoxes(
            self.camera,
            self.frame[index],
            self.timestamp[index],
            self.track_id[index],
            self.xyxy[index],
            self.score[index],
        )

    def of_track(self, track_id: int) -> TrackedBoxes:
        """The boxes of one track, in frame order."""
        rows = np.flatnonzero(self.track_id == track_id)
        return self[rows[np.argsort(self.frame[rows], kind="stable")]]

    def by_track(self) -> dict[int, TrackedBoxes]:
        """Every track's boxes in frame order, keyed by track id (one pass, not one scan per track)."""
        order = np.lexsort((self.frame, self.track_id))
        ids, starts = np.unique(self.track_id[order], return_index=True)
        ends = [*starts[1:], len(order)]
        return {int(i): self[order[a:b]] for i, a, b in zip(ids, starts, ends, strict=True)}

    def sorted(self) -> TrackedBoxes:
        """Rows ordered by frame, then track id."""
        return self[np.lexsort((self.track_id, self.frame))]

    def foot_points(self) -> np.ndarray:
        """``N x 2`` float64 bottom centre of each box: where the person touches the ground."""
        xyxy = self.xyxy.astype(np.float64)
        return np.column_stack([(xyxy[:, 0] + xyxy[:, 2]) / 2, xyxy[:, 3]])

    def to_mot(self, ids: np.ndarray | None = None) -> np.ndarray:
        """MOTChallenge rows (``N x 10``, frame and id 1-based as written): frame, id, left, top, w, h, score, -1...

        ``ids`` replaces the track ids (for example with global identity ids).
        """
        rows = np.full((len(self), MOT_COLUMNS), -1.0)
        rows[:, 0] = self.frame + 1
        rows[:, 1] = self.track_id if ids is None else ids
        rows[:, 2:4] = self.xyxy[:, :2]
        rows[:, 4:6] = self.xyxy[:, 2:] - self.xyxy[:, :2]
        rows[:, 6] = self.score
        return rows

    @classmethod
    def from_mot(cls, camera: str, rows: np.ndarray, fps: float) -> TrackedBoxes:
        """Boxes from MOT rows (1-based frames); timestamps are ``frame index / fps``."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, MOT_COLUMNS)
        frame = rows[:, 0].astype(np.int64) - 1
        xyxy = np.concatenate([rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]], axis=1)
        return cls(camera, frame, frame / fps, rows[:, 1].astype(np.int64), xyxy, rows[:, 6])


@dataclass(frozen=True)
class Tracklet:
    """One tracked person in one camera.

    ``start`` / ``end`` are on the camera's clock (seconds since its first frame); ``embedding`` is the
    L2-normalised mean of the tracklet's good crops. ``id`` is the store's id once stored, and the index into
    a list of tracklets elsewhere is never used as an identity of its own.
    """

    camera: str
    track_id: int
    start: float
    end: float
    first_frame: int
    last_frame: int
    num_boxes: int
    num_crops: int
    embedding: np.ndarray = field(repr=False)
    thumbnail: str | None = None  # path relative to the run folder
    id: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        """``(camera, track_id)``: unique within a run."""
        return self.camera, self.track_id


@dataclass(frozen=True)
class Appearance:
    """A tracklet as one appearance of an identity."""

    tracklet: Tracklet
    similarity: float  # cosine to the identity's mean embedding
    start_time: datetime | None = None  # wall clock of tracklet.start, when the camera's start time is known
    end_time: datetime | None = None

    @property
    def camera(self) -> str:
        return self.tracklet.camera


@dataclass(frozen=True)
class Identity:
    """One person across cameras and time; appearances are ordered by time on the shared clock."""

    global_id: int
    appearances: tuple[Appearance, ...]

    @property
    def cameras(self) -> list[str]:
        return sorted({a.camera for a in self.appearances})

    @property
    def tracklets(self) -> list[Tracklet]:
        return [a.tracklet for a in self.appearances]


def identities_from(members: Iterable[tuple[Tracklet, int, float]], cameras: Iterable[Camera]) -> tuple[Identity, ...]:
    """Identities from ``(tracklet, global id, similarity)`` rows, ordered by global id.

    Appearances are ordered by their start on the shared clock (see :meth:`Camera.offset`), then by camera;
    their wall-clock times are given to the millisecond when the camera's start time is known.
    """
    by_name = {camera.name: camera for camera in cameras}
    origin = run_origin(by_name.values())
    groups: dict[int, list[Appearance]] = {}
    for tracklet, global_id, similarity in members:
        camera = by_name.get(tracklet.camera, Camera(tracklet.camera, ""))
        start, end = camera.wall_clock(round(tracklet.start, 3)), camera.wall_clock(round(tracklet.end, 3))
        groups.setdefault(int(global_id), []).append(Appearance(tracklet, float(similarity), start, end))

    def shared_start(appearance: Appearance) -> tuple[float, str]:
        camera = by_name.get(appearance.camera, Camera(appearance.camera, ""))
        return appearance.tracklet.start + camera.offset(origin), appearance.camera

    return tuple(
        Identity(global_id, tuple(sorted(appearances, key=shared_start)))
        for global_id, appearances in sorted(groups.items())
    )


@dataclass(frozen=True)
class RunResult:
    """What a run produced: its cameras, the identities, and the files it wrote (paths inside ``folder``)."""

    folder: Path
    cameras: tuple[Camera, ...]
    identities: tuple[Identity, ...]
    files: dict[str, Path] = field(default_factory=dict)  # "report", "identities.json", "videos/<camera>", ...

    def identity_of(self, camera: str, track_id: int) -> Identity | None:
        for identity in self.identities:
            if any(a.tracklet.key == (camera, track_id) for a in identity.appearances):
                return identity
        return None


@dataclass(frozen=True)
class QueryHit:
    """One stored tracklet ranked against a query crop."""

    tracklet: Tracklet
    global_id: int | None  # its identity, None when the index was never associated
    similarity: float  # cosine between the query's embedding and the tracklet's
    probability: float  # calibrated P(same person) at even prior odds


@dataclass(frozen=True)
class IdentityHit:
    """An identity ranked against a query crop by its best-matching appearance."""

    global_id: int
    best: QueryHit

    @property
    def similarity(self) -> float:
        return self.best.similarity

    @property
    def probability(self) -> float:
        return self.best.probability


@dataclass(frozen=True)
class QueryResult:
    """Every tracklet, best first, and every identity, best first; ``embedder`` made the query's embedding."""

    tracklets: tuple[QueryHit, ...]
    identities: tuple[IdentityHit, ...]
    embedder: str = ""
