"""The on-disk index of a ``crosscam run``: ``index.sqlite`` + ``embeddings.npy`` in one folder.

It stores the types of :mod:`crosscam.types`: each :class:`~crosscam.types.Camera`, its
:class:`~crosscam.types.TrackedBoxes` (one row per box, with the frame's timestamp: the one clock), its
:class:`~crosscam.types.Tracklet` s (their embeddings as rows of ``embeddings.npy``) and the
:class:`~crosscam.types.Identity` of each tracklet.

Crash safety: each camera's results (boxes, tracklets, embedding rows)
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
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from crosscam.errors import CrosscamError
from crosscam.types import Camera, Identity, TrackedBoxes, Tracklet, identities_from

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
    camera TEXT NOT NULL, frame INTEGER NOT NULL, timestamp REAL NOT NULL, track_id INTEGER NOT NULL,
    x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL, score REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS detections_by_camera_frame ON detections (camera, frame);
CREATE TABLE IF NOT EXISTS identities (
    tracklet_id INTEGER PRIMARY KEY REFERENCES tracklets(id), global_id INTEGER NOT NULL, similarity REAL NOT NULL
);
"""
DATABASE = "index.sqlite"
EMBEDDINGS = "embeddings.npy"


def _check_schema(folder: Path, connection: sqlite3.Connection) -> None:
    """Refuse an index written before boxes carried their frame's timestamp."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(detections)")}
    if columns and "timestamp" not in columns:
        connection.close()
        raise CrosscamError(
            f"{folder / DATABASE}: index made by an older crosscam (its boxes have no timestamps); "
            "redo it with `crosscam run --fresh`"
        )


class IndexStore:
    def __init__(self, folder: Path, connection: sqlite3.Connection):
        self.folder = folder
        self.db = connection

    @classmethod
    def create(cls, folder: str | Path) -> IndexStore:
        """Open (creating if needed) a writable store in ``folder``."""
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise CrosscamError(f"{folder}: an index goes in a folder, but this is a file")
        folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(folder / DATABASE)
        try:
            _check_schema(folder, connection)
            connection.executescript(SCHEMA)
        except sqlite3.DatabaseError as error:
            connection.close()
            raise CrosscamError(
                f"{folder / DATABASE}: not a readable crosscam index ({error}); move it away or choose another --out"
            ) from None
        return cls(folder, connection)

    @classmethod
    def open(cls, folder: str | Path) -> IndexStore:
        """Open an existing store read-only; a one-line error when ``folder`` holds none."""
        folder = Path(folder)
        if not (folder / DATABASE).is_file():
            raise CrosscamError(f"{folder}: no crosscam index here (missing {DATABASE}); make one with `crosscam run`")
        try:
            connection = sqlite3.connect(f"file:{folder / DATABASE}?mode=ro", uri=True)
            connection.execute("SELECT 1 FROM tracklets LIMIT 1")
        except sqlite3.DatabaseError as error:
            raise CrosscamError(f"{folder / DATABASE}: not a readable crosscam index ({error})") from None
        _check_schema(folder, connection)
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

    def cameras(self) -> list[Camera]:
        """The cameras stored completely, by name."""
        rows = self.db.execute(
            "SELECT name, source, start_time, fps, width, height, frames FROM cameras"
            " WHERE status = 'done' ORDER BY name"
        )
        return [
            Camera(name, source, datetime.fromisoformat(start) if start else None, fps, width, height, frames)
            for name, source, start, fps, width, height, frames in rows
        ]

    def _committed_rows(self) -> int:
        (last,) = self.db.execute("SELECT MAX(embedding_row) FROM tracklets").fetchone()
        return 0 if last is None else last + 1

    def embeddings(self) -> np.ndarray:
        path = self.folder / EMBEDDINGS
        if not path.is_file():
            return np.zeros((0, 0), dtype=np.float32)
        return np.load(path)[: self._committed_rows()]

    def add_camera(self, camera: Camera, tracklets: Sequence[Tracklet], boxes: TrackedBoxes) -> None:
        """Store one camera's results atomically (replacing what an earlier attempt stored for it)."""
        if boxes.camera != camera.name or any(t.camera != camera.name for t in tracklets):
            raise ValueError(f"camera {camera.name!r}: boxes or tracklets of another camera")
        existing = self.embeddings()
        if tracklets:
            new_rows = np.stack([t.embedding for t in tracklets]).astype(np.float32)
            matrix = new_rows if existing.size == 0 else np.concatenate([existing, new_rows])
            temporary = self.folder / (EMBEDDINGS + ".tmp.npy")
            np.save(temporary, matrix)
            os.replace(temporary, self.folder / EMBEDDINGS)
        first_row = len(existing)
        start_time = camera.start_time.isoformat() if camera.start_time else None
        with self.db:
            self.db.execute("DELETE FROM detections WHERE camera = ?", (camera.name,))
            self.db.execute(
                "DELETE FROM identities WHERE tracklet_id IN (SELECT id FROM tracklets WHERE camera = ?)",
                (camera.name,),
            )
            self.db.execute("DELETE FROM tracklets WHERE camera = ?", (camera.name,))
            self.db.execute(
                "INSERT OR REPLACE INTO cameras VALUES (?, ?, ?, ?, ?, ?, ?, 'done')",
                (camera.name, camera.source, start_time, camera.fps, camera.width, camera.height, camera.frames),
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
                        t.start,
                        t.end,
                        t.num_boxes,
                        t.num_crops,
                        first_row + i,
                        t.thumbnail,
                    )
                    for i, t in enumerate(tracklets)
                ],
            )
            self.db.executemany(
                "INSERT INTO detections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                zip(
                    [camera.name] * len(boxes),
                    boxes.frame.tolist(),
                    boxes.timestamp.tolist(),
                    boxes.track_id.tolist(),
                    *boxes.xyxy.T.tolist(),
                    boxes.score.tolist(),
                    strict=True,
                ),
            )

    def boxes(self, camera: str) -> TrackedBoxes:
        """Every stored box of one camera, ordered by frame then track id."""
        rows = self.db.execute(
            "SELECT frame, timestamp, track_id, x1, y1, x2, y2, score FROM detections WHERE camera = ?"
            " ORDER BY frame, track_id",
            (camera,),
        ).fetchall()
        table = np.array(rows, dtype=np.float64).reshape(-1, 8)
        return TrackedBoxes(camera, table[:, 0], table[:, 1], table[:, 2], table[:, 3:7], table[:, 7])

    # --- tracklets and identities -----------------------------------------------------------

    def tracklets(self) -> list[Tracklet]:
        """Every tracklet of the cameras stored completely, by camera then track id (``id`` set)."""
        matrix = self.embeddings()
        rows = self.db.execute(
            "SELECT t.id, t.camera, t.track_id, t.first_frame, t.last_frame, t.start_s, t.end_s, t.num_boxes,"
            " t.num_crops, t.embedding_row, t.thumbnail FROM tracklets t JOIN cameras c ON c.name = t.camera"
            " WHERE c.status = 'done' ORDER BY t.camera, t.track_id"
        )
        return [
            Tracklet(camera, track, start, end, first, last, boxes, crops, matrix[row], thumb, id=tid)
            for tid, camera, track, first, last, start, end, boxes, crops, row, thumb in rows
        ]

    def tracklet_count(self) -> int:
        """How many tracklets the cameras stored completely hold."""
        (count,) = self.db.execute(
            "SELECT COUNT(*) FROM tracklets t JOIN cameras c ON c.name = t.camera WHERE c.status = 'done'"
        ).fetchone()
        return count

    def tracklets_by_id(self, ids: Sequence[int]) -> dict[int, Tracklet]:
        """The stored tracklets of ``ids`` (absent ids left out), reading only their rows of ``embeddings.npy``."""
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        rows = self.db.execute(
            "SELECT t.id, t.camera, t.track_id, t.first_frame, t.last_frame, t.start_s, t.end_s, t.num_boxes,"
            " t.num_crops, t.embedding_row, t.thumbnail FROM tracklets t JOIN cameras c ON c.name = t.camera"
            f" WHERE c.status = 'done' AND t.id IN ({','.join('?' * len(ids))})",
            ids,
        ).fetchall()
        matrix = np.load(self.folder / EMBEDDINGS, mmap_mode="r")
        return {
            tid: Tracklet(camera, track, start, end, first, last, boxes, crops, np.array(matrix[row]), thumb, id=tid)
            for tid, camera, track, first, last, start, end, boxes, crops, row, thumb in rows
        }

    def set_identities(self, identities: Sequence[Identity]) -> None:
        """Replace all identities; their tracklets must be this store's (``Tracklet.id`` set)."""
        rows = [(a.tracklet.id, i.global_id, a.similarity) for i in identities for a in i.appearances]
        if any(tracklet_id is None for tracklet_id, _, _ in rows):
            raise ValueError("identities of tracklets that are not stored (Tracklet.id is None)")
        with self.db:
            self.db.execute("DELETE FROM identities")
            self.db.executemany("INSERT INTO identities VALUES (?, ?, ?)", rows)

    def global_ids(self, ids: Sequence[int] | None = None) -> dict[int, int]:
        """Tracklet id -> global id of its identity (tracklets never associated are missing); ``ids``: only those."""
        if ids is None:
            return dict(self.db.execute("SELECT tracklet_id, global_id FROM identities"))
        ids = [int(i) for i in ids]
        placeholders = ",".join("?" * len(ids))
        return dict(
            self.db.execute(f"SELECT tracklet_id, global_id FROM identities WHERE tracklet_id IN ({placeholders})", ids)
        )

    def identities(self) -> tuple[Identity, ...]:
        """The stored identities, ordered by global id, each with its appearances in time order."""
        assigned = {tid: (gid, sim) for tid, gid, sim in self.db.execute("SELECT * FROM identities")}
        members = [(t, *assigned[t.id]) for t in self.tracklets() if t.id in assigned]
        return identities_from(members, self.cameras())
