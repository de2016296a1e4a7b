"""Everything ``crosscam serve`` reads from a run folder, loaded once: cameras, tracklets, embeddings, identities.

This is the only module of the server that reads the index (through :class:`~crosscam.store.index_store.IndexStore`),
so a change of the store's API is adapted here alone. Corrections live in tables of their own
(:mod:`crosscam.serve.corrections`) and are applied on top of the run's identities by :mod:`crosscam.serve.view`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from crosscam.associate.calibration import Calibration
from crosscam.errors import CrosscamError
from crosscam.query import open_vector_index
from crosscam.store.index_store import DATABASE, EMBEDDINGS, IndexStore
from crosscam.store.vector_index import VectorIndex
from crosscam.types import Camera, TrackedBoxes, Tracklet, run_origin

REQUIRED_META = ("embedder", "calibration")


@dataclass
class RunData:
    """A run folder held in memory; ``embeddings`` row ``i`` belongs to ``tracklets[i]``."""

    folder: Path
    cameras: tuple[Camera, ...]
    tracklets: tuple[Tracklet, ...]
    embeddings: np.ndarray
    global_ids: dict[int, int]  # tracklet id -> the run's global id
    embedder: str
    calibration: Calibration
    assets: str | None  # where the run found its models
    blur: bool = True  # faces blurred in what the run exported (False: it ran with --no-blur); clips follow it
    vectors: VectorIndex | None = None  # the search's index by tracklet id: the run's embeddings.faiss, else exact

    @classmethod
    def open(cls, folder: str | Path) -> RunData:
        """Load a run folder; a one-line CrosscamError when it does not exist or is incomplete."""
        folder = Path(folder)
        if not folder.is_dir():
            raise CrosscamError(f"{folder}: no such run folder")
        for name in (DATABASE, EMBEDDINGS):
            if not (folder / name).is_file():
                raise CrosscamError(f"{folder}: incomplete run folder (missing {name}); make one with `crosscam run`")
        store = IndexStore.open(folder)
        try:
            meta = store.meta()
            missing = [key for key in REQUIRED_META if key not in meta]
            if missing:
                raise CrosscamError(f"{folder / DATABASE}: incomplete index (no {missing[0]!r} in its metadata)")
            tracklets = tuple(store.tracklets())
            if not tracklets:
                raise CrosscamError(f"{folder}: the index holds no tracklets (did `crosscam run` finish?)")
            vectors = open_vector_index(store)  # the index `crosscam query` searches, when it is up to date
            return cls(
                folder=folder.resolve(),
                cameras=tuple(store.cameras()),
                tracklets=tracklets,
                embeddings=np.stack([t.embedding for t in tracklets]).astype(np.float32),
                global_ids=store.global_ids(),
                embedder=meta["embedder"],
                calibration=Calibration(**meta["calibration"]),
                assets=meta.get("assets"),
                blur=bool(meta.get("blur", True)),
                vectors=vectors,
            )
        finally:
            store.close()

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._boxes: dict[str, TrackedBoxes] = {}
        if self.vectors is None:  # no up-to-date embeddings.faiss (an older run): an exact index of the rows
            self.vectors = VectorIndex(self.embeddings.shape[1])
            self.vectors.add([t.id for t in self.tracklets], self.embeddings)

    @cached_property
    def camera(self) -> dict[str, Camera]:
        return {camera.name: camera for camera in self.cameras}

    @cached_property
    def origin(self):
        """The shared clock's zero (earliest camera start), None when start times are unknown."""
        return run_origin(self.cameras)

    @cached_property
    def offsets(self) -> dict[str, float]:
        """Seconds from the shared clock's zero to each camera's frame 0."""
        return {camera.name: camera.offset(self.origin) for camera in self.cameras}

    @cached_property
    def row_of(self) -> dict[int, int]:
        """Tracklet id -> its row in ``tracklets`` and ``embeddings``."""
        return {t.id: row for row, t in enumerate(self.tracklets)}

    @cached_property
    def row_of_key(self) -> dict[tuple[str, int], int]:
        """``(camera, track_id)`` -> row."""
        return {t.key: row for row, t in enumerate(self.tracklets)}

    @cached_property
    def tracklet_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.camera, 0)
        for tracklet in self.tracklets:
            counts[tracklet.camera] = counts.get(tracklet.camera, 0) + 1
        return counts

    def boxes_of(self, tracklet: Tracklet) -> TrackedBoxes:
        """The stored boxes of one tracklet, in frame order (a camera's boxes are read once, then kept)."""
        return self.camera_boxes(tracklet.camera).of_track(tracklet.track_id)

    def camera_boxes(self, camera: str) -> TrackedBoxes:
        """Every stored box of one camera (read once, then kept)."""
        with self._lock:
            if camera not in self._boxes:
                store = IndexStore.open(self.folder)  # a connection per call: sqlite's belong to one thread
                try:
                    self._boxes[camera] = store.boxes(camera)
                finally:
                    store.close()
            return self._boxes[camera]

    def video_of(self, camera: str) -> str | None:
        """The run's annotated video of ``camera`` (path relative to the folder), if it was written."""
        relative = f"videos/{camera}.mp4"
        return relative if (self.folder / relative).is_file() else None
