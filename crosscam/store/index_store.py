"""The on-disk index of a ``crosscam run``: ``index.sqlite`` + ``embeddings.npy`` in one folder.

Crash safety: each camera's results (detections, tracklets, embedding rows)
are committed in one SQLite transaction, after the embedding rows were
appended to ``embeddings.npy`` by an atomic replace. A run killed at any point
leaves a readable store: cameras whose transaction committed are ``done`` and
are skipped when the run is resumed; anything else is redone. Embedding rows
beyond the last committed tracklet are dropped on the next append.

Example:
    >>> store = IndexStore.create(tmp_path / "index")  # doctest: +SKIP
    >>> store.camera_done("lobby")  # doctest: +SKIP
    False
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crosscam.errors import CrosscamError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cameras (
    name TEXT PRIMARY KEY, source TEXT NOT NULL, start_time TEXT, fps REAL, width INTEGER, height INTEGER,
    frames INTEGER, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tracklets (
    id INTEGER PRIMARY KEY, camera TEXT NOT NULL REFERENCES cameras(name), track_id INTEGER NOT NULL,
    first_frame INTEGER NOT NULL, last_frame INTEGER NOT NULL, start_s REAL NOT NULL, end_s REAL NOT NULL,
    num_boxes INTEGER NOT NULL, num_crops INTEGER NOT NULL, embedding_row INTEGER NOT NULL, thumbnail TEXT,
    UNIQUE (camera, track_id)
);
CREATE TABLE IF NOT EXISTS detections (
    camera TEXT NOT NULL, frame INTEGER NOT NULL, track_id INTEGER NOT NULL,
    x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL, score REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS detections_by_camera_frame ON detections (camera, frame);
CREATE TABLE IF NOT EXISTS identities (
    tracklet_id INTEGER PRIMARY KEY REFERENCES tracklets(id), global_id INTEGER NOT NULL, similarity REAL NOT NULL
);
"""
DATABASE = "index.sqlite"
EMBEDDINGS = "embeddings.npy"


@dataclass(frozen=True)
class CameraRecord:
    name: str
    source: str
    start_time: str | None  # ISO 8601 wall-clock time of frame 0, if known
    fps: float
    width: int
    height: int
    frames: int


@dataclass(frozen=True)
class TrackletRecord:
    """One tracked person in one camera; ``embedding`` is the unit mean of its good crops."""

    camera: str
    track_id: int
    first_frame: int
    last_frame: int
    start_s: float
    end_s: float
    num_boxes: int
    num_crops: int
    embedding: np.ndarray
    thumbnail: str | None = None  # path relative to the store folder
    id: int | None = None  # database id once stored


class IndexStore:
    def __init__(self, folder: Path, connection: sqlite3.Connection):
        self.folder = folder
        self.db = connection

    @classmethod
    def create(cls, folder: str | Path) -> IndexStore:
        """Open (creating if needed) a writable store in ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(folder / DATABASE)
        connection.executescript(SCHEMA)
        return cls(folder, connection)

    @classmethod
    def open(cls, folder: str | Path) -> IndexStore:
        """Open an existing store; a one-line error when ``folder`` holds none."""
        folder = Path(folder)
        if not (folder / DATABASE).is_file():
            raise CrosscamError(f"{folder}: no crosscam index here (missing {DATABASE}); make one with `crosscam run`")
        try:
            connection = sqlite3.connect(f"file:{folder / DATABASE}?mode=ro", uri=True)
            connection.execute("SELECT 1 FROM tracklets LIMIT 1")
        except sqlite3.DatabaseError as error:
            raise CrosscamError(f"{folder / DATABASE}: not a readable crosscam index ({error})") from None
        return cls(folder, connection)

    def close(self) -> None:
        self.db.close()

    # --- metadata -------------------------------------------------------------------------

    def set_meta(self, **values) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(key, json.dumps(value)) for key, value in values.items()],
            )

    def meta(self) -> dict:
        return {key: json.loads(value) for key, value in self.db.execute("SELECT key, value FROM meta")}

    # --- cameras ----------------------------------------------------------------------------

    def camera_done(self, name: str, source: str | None = None) -> bool:
        row = self.db.execute("SELECT source, status FROM cameras WHERE name = ?", (name,)).fetchone()
        return row is not None and row[1] == "done" and (source is None or row[0] == source)

    def cameras(self) -> list[CameraRecord]:
        rows = self.db.execute(
            "SELECT name, source, start_time, fps, width, height, frames FROM cameras"
            " WHERE status = 'done' ORDER BY name"
        )
        return [CameraRecord(*row) for row in rows]

    def _committed_rows(self) -> int:
        (last,) = self.db.execute("SELECT MAX(embedding_row) FROM tracklets").fetchone()
        return 0 if last is None else last + 1

    def embeddings(self) -> np.ndarray:
        path = self.folder / EMBEDDINGS
        if not path.is_file():
            return np.zeros((0, 0), dtype=np.float32)
        return np.load(path)[: self._committed_rows()]

    def add_camera(
        self,
        camera: CameraRecord,
        tracklets: list[TrackletRecord],
        detections: list[tuple[int, int, float, float, float, float, float]],
    ) -> None:
        """Store one camera's results atomically; ``detections`` rows: (frame, track, x1, y1, x2, y2, score)."""
        existing = self.embeddings()
        new_rows = np.stack([t.embedding for t in tracklets]).astype(np.float32) if tracklets else None
        if new_rows is not None:
            matrix = new_rows if existing.size == 0 else np.concatenate([existing, new_rows])
            temporary = self.folder / (EMBEDDINGS + ".tmp.npy")
            np.save(temporary, matrix)
            os.replace(temporary, self.folder / EMBEDDINGS)
        first_row = len(existing)
        with self.db:
            self.db.execute("DELETE FROM detections WHERE camera = ?", (camera.name,))
            self.db.execute(
                "DELETE FROM identities WHERE tracklet_id IN (SELECT id FROM tracklets WHERE camera = ?)",
                (camera.name,),
            )
            self.db.execute("DELETE FROM tracklets WHERE camera = ?", (camera.name,))
            self.db.execute(
                "INSERT OR REPLACE INTO cameras VALUES (?, ?, ?, ?, ?, ?, ?, 'done')",
                (camera.name, camera.source, camera.start_time, camera.fps, camera.width, camera.height, camera.frames),
            )
            self.db.executemany(
                "INSERT INTO tracklets (camera, track_id, first_frame, last_frame, start_s, end_s, num_boxes,"
                " num_crops, embedding_row, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        t.camera,
                        t.track_id,
                        t.first_frame,
                        t.last_frame,
                        t.start_s,
                        t.end_s,
                        t.num_boxes,
                        t.num_crops,
                        first_row + i,
                        t.thumbnail,
                    )
                    for i, t in enumerate(tracklets)
                ],
            )
            self.db.executemany(
                "INSERT INTO detections VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(camera.name, *row) for row in detections]
            )

    # --- tracklets and identities -----------------------------------------------------------

    def tracklets(self) -> list[TrackletRecord]:
        matrix = self.embeddings()
        rows = self.db.execute(
            "SELECT t.id, t.camera, t.track_id, t.first_frame, t.last_frame, t.start_s, t.end_s, t.num_boxes,"
            " t.num_crops, t.embedding_row, t.thumbnail FROM tracklets t JOIN cameras c ON c.name = t.camera"
            " WHERE c.status = 'done' ORDER BY t.camera, t.track_id"
        )
        return [
            TrackletRecord(camera, track, first, last, start, end, boxes, crops, matrix[row], thumb, id=tid)
            for tid, camera, track, first, last, start, end, boxes, crops, row, thumb in rows
        ]

    def set_identities(self, assignments: list[tuple[int, int, float]]) -> None:
        """Replace all identities with (tracklet id, global id, similarity to the identity) rows."""
        with self.db:
            self.db.execute("DELETE FROM identities")
            self.db.executemany("INSERT INTO identities VALUES (?, ?, ?)", assignments)

    def identities(self) -> dict[int, tuple[int, float]]:
        """tracklet id -> (global id, similarity)."""
        return {tid: (gid, sim) for tid, gid, sim in self.db.execute("SELECT * FROM identities")}

    def detections(self, camera: str) -> list[tuple[int, int, float, float, float, float, float]]:
        return self.db.execute(
            "SELECT frame, track_id, x1, y1, x2, y2, score FROM detections WHERE camera = ? ORDER BY frame", (camera,)
        ).fetchall()
