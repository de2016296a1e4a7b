"""Erasure: remove every trace of a person (or of a camera, or of everything before a time) from a run's index.

What goes, for the selected tracklets: their rows (tracklets, boxes, identity memberships), their embedding
rows in ``embeddings.npy`` (the matrix is rewritten with those rows zeroed and unreferenced rows at the end
dropped, so row numbers of the other tracklets stay valid), their vectors in the vector index
(``embeddings.faiss``), their thumbnails, the clips ``crosscam serve`` cut of them (``serve_clips/``), and the
annotated videos and frame recordings of the cameras they were seen in (those show the person and cannot be
redrawn without them; rerun to get videos again). ``identities.json`` / ``identities.csv`` and the multi-camera
tracks of ``mtmc/`` (their boxes) are rewritten from what remains. SQLite deletes with
``secure_delete`` on and the database is vacuumed, so the removed rows' bytes do not linger in free pages.

The steps run in an order that is safe to interrupt: the database transaction first (after it, nothing refers
to the removed tracklets), then the files. Rewriting the matrix zeroes every row that no stored tracklet
refers to, so running ``forget`` again after a crash finishes the job.

Example:
    >>> report = erase(Path("out/demo"), Selection(identity=3))  # doctest: +SKIP
    >>> report.tracklets, [str(p) for p in report.files]  # doctest: +SKIP
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from crosscam.errors import CrosscamError
from crosscam.store.index_store import DATABASE, EMBEDDINGS, IndexStore

VECTOR_INDEX = "embeddings.faiss"
MTMC = "mtmc"


def camera_media(folder: Path, camera: str) -> list[Path]:
    """The files of a camera that show everyone it filmed: its annotated video and its frame recording."""
    return [folder / "videos" / f"{camera}.mp4", folder / "frames" / f"{camera}.mp4"]


@dataclass(frozen=True)
class Selection:
    """What to erase: tracklets of identity ``identity``, of camera ``camera``, starting before ``before``.

    Given criteria combine (all must hold). ``before`` is wall-clock time, so it needs cameras with start times;
    a tracklet that started before it is erased whole (its embedding mixes crops from both sides).
    """

    identity: int | None = None
    camera: str | None = None
    before: datetime | None = None

    def __post_init__(self) -> None:
        if self.identity is None and self.camera is None and self.before is None:
            raise CrosscamError("forget: say what to erase (--identity N, --camera NAME and/or --before TIME)")

    def describe(self) -> str:
        parts = [f"identity {self.identity}" if self.identity is not None else ""]
        parts += [f"camera {self.camera!r}" if self.camera else "", f"before {self.before}" if self.before else ""]
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class ErasureReport:
    """What :func:`erase` removed."""

    tracklets: int
    boxes: int
    embedding_rows: int
    vectors: int
    identities: tuple[int, ...]  # global ids that had erased tracklets
    cameras_removed: tuple[str, ...]  # camera rows removed (``--camera`` alone)
    files: tuple[Path, ...] = field(default=())


def select_tracklets(db: sqlite3.Connection, selection: Selection) -> list[tuple[int, str, int, int]]:
    """``(tracklet id, camera, track id, embedding row)`` of every stored tracklet the selection names."""
    query = (
        "SELECT t.id, t.camera, t.track_id, t.embedding_row, t.start_s, c.start_time, i.global_id"
        " FROM tracklets t JOIN cameras c ON c.name = t.camera LEFT JOIN identities i ON i.tracklet_id = t.id"
    )
    chosen = []
    for tid, camera, track, row, start_s, camera_start, global_id in db.execute(query):
        if selection.identity is not None and global_id != selection.identity:
            continue
        if selection.camera is not None and camera != selection.camera:
            continue
        if selection.before is not None:
            if camera_start is None:
                raise CrosscamError(f"forget --before: camera {camera!r} has no start time, so its times are unknown")
            if datetime.fromisoformat(camera_start) + timedelta(seconds=start_s) >= selection.before:
                continue
        chosen.append((tid, camera, track, row))
    return chosen


def _check_selection(db: sqlite3.Connection, selection: Selection) -> None:
    if selection.identity is not None:
        known = [gid for (gid,) in db.execute("SELECT DISTINCT global_id FROM identities ORDER BY global_id")]
        if selection.identity not in known:
            shown = ", ".join(map(str, known[:20])) + (" ..." if len(known) > 20 else "")
            raise CrosscamError(
                f"forget: no identity {selection.identity} in this index; identities: {shown or 'none'}"
            )
    if selection.camera is not None:
        cameras = [name for (name,) in db.execute("SELECT name FROM cameras ORDER BY name")]
        if selection.camera not in cameras:
            raise CrosscamError(f"forget: no camera {selection.camera!r} in this index; cameras: {', '.join(cameras)}")


def _delete_rows(db: sqlite3.Connection, chosen: list, drop_camera: str | None) -> tuple[int, tuple[int, ...]]:
    """One transaction: boxes, identity rows and tracklet rows of the chosen tracklets; the boxes and ids removed."""
    ids = [(tid,) for tid, _, _, _ in chosen]
    placeholders = ",".join("?" * len(ids))
    touched = tuple(
        gid
        for (gid,) in db.execute(
            f"SELECT DISTINCT global_id FROM identities WHERE tracklet_id IN ({placeholders}) ORDER BY global_id",
            [tid for (tid,) in ids],
        )
    )
    with db:
        before = db.total_changes
        db.executemany("DELETE FROM detections WHERE camera = ? AND track_id = ?", [(c, t) for _, c, t, _ in chosen])
        if drop_camera is not None:
            db.execute("DELETE FROM detections WHERE camera = ?", (drop_camera,))
        boxes = db.total_changes - before
        db.executemany("DELETE FROM identities WHERE tracklet_id = ?", ids)
        db.executemany("DELETE FROM tracklets WHERE id = ?", ids)
        if drop_camera is not None:
            db.execute("DELETE FROM cameras WHERE name = ?", (drop_camera,))
    return boxes, touched


def _rewrite_embeddings(folder: Path, db: sqlite3.Connection) -> int:
    """Zero every matrix row no stored tracklet refers to and drop those past the last one; rows zeroed."""
    path = folder / EMBEDDINGS
    if not path.is_file():
        return 0
    matrix = np.load(path)
    referenced = np.array([row for (row,) in db.execute("SELECT embedding_row FROM tracklets")], dtype=np.int64)
    keep = np.zeros(len(matrix), dtype=bool)
    keep[referenced[referenced < len(matrix)]] = True
    cleared = int((~keep & np.any(matrix != 0, axis=1)).sum())
    rewritten = np.where(keep[:, None], matrix, 0).astype(matrix.dtype)[
        : int(referenced.max()) + 1 if len(referenced) else 0
    ]
    temporary = folder / (EMBEDDINGS + ".erase.tmp.npy")
    np.save(temporary, rewritten)
    os.replace(temporary, path)
    return cleared


def _remove_vectors(folder: Path, tracklet_ids: list[int]) -> int:
    path = folder / VECTOR_INDEX
    if not path.is_file() or not tracklet_ids:
        return 0
    from crosscam.store.vector_index import VectorIndex

    index = VectorIndex.load(path)
    removed = index.remove(tracklet_ids)
    index.save(path)
    return removed


def erase(
    folder: str | os.PathLike,
    selection: Selection,
    media: Callable[[Path, str], list[Path]] = camera_media,
) -> ErasureReport:
    """Remove the selected tracklets and every file of theirs from the index in ``folder`` (see the module doc)."""
    folder = Path(folder)
    store = IndexStore.open(folder)  # one-line errors for a folder without a readable index
    store.close()
    db = sqlite3.connect(folder / DATABASE)
    try:
        db.execute("PRAGMA secure_delete = ON")
        _check_selection(db, selection)
        chosen = select_tracklets(db, selection)
        thumbnails, clips = [], []
        for camera, track, first, last, thumb in db.execute(
            "SELECT camera, track_id, first_frame, last_frame, thumbnail FROM tracklets"
            f" WHERE id IN ({','.join('?' * len(chosen))})",
            [tid for tid, _, _, _ in chosen],
        ):
            thumbnails += [folder / thumb] if thumb else []
            clips += _clip_files(folder, camera, track, first, last)
        only_camera = selection.camera if selection.identity is None and selection.before is None else None
        boxes, touched = _delete_rows(db, chosen, only_camera)
        db.execute("VACUUM")
        rows = _rewrite_embeddings(folder, db)
    finally:
        db.close()
    vectors = _remove_vectors(folder, [tid for tid, _, _, _ in chosen])
    removed = []
    cameras = sorted({camera for _, camera, _, _ in chosen} | ({only_camera} if only_camera else set()))
    for path in [*thumbnails, *clips, *(path for camera in cameras for path in media(folder, camera))]:
        if path.is_file() and folder.resolve() in path.resolve().parents:
            path.unlink()
            removed.append(path)
    _rewrite_identity_files(folder)
    return ErasureReport(
        len(chosen), boxes, rows, vectors, touched, (only_camera,) if only_camera else (), tuple(removed)
    )


def _clip_files(folder: Path, camera: str, track: int, first: int, last: int) -> list[Path]:
    """The clip ``crosscam serve`` cuts of a tracklet, and the temporary file of one being cut."""
    from crosscam.serve.clips import clip_name
    from crosscam.types import Tracklet

    clip = folder / clip_name(Tracklet(camera, track, 0.0, 0.0, first, last, 0, 0, np.zeros(1, np.float32)))
    return [clip, clip.with_suffix(".part.mp4")]


def _rewrite_identity_files(folder: Path) -> None:
    from crosscam.store.identities import write_identities

    store = IndexStore.open(folder)
    try:
        if (folder / "identities.json").exists() or (folder / "identities.csv").exists():
            write_identities(store.identities(), store.cameras(), folder, store.meta().get("truncated"))
        if (folder / MTMC).is_dir():
            _rewrite_mtmc(folder / MTMC, store)
    finally:
        store.close()


def _rewrite_mtmc(mtmc: Path, store: IndexStore) -> None:
    """``mtmc/`` from the remaining boxes and identities; ground positions of the remaining boxes are carried over
    from the old ``aicity.txt`` (the calibrations are not stored), matched by camera name, id, frame and box."""
    from crosscam.export.mtmc import AICITY_FILE, CAMERAS_FILE, write_mtmc

    def lines(camera_file: Path, aicity: Path) -> dict[tuple, str]:
        if not camera_file.is_file() or not aicity.is_file():
            return {}
        names = dict(line.split(" ", 1) for line in camera_file.read_text().splitlines() if line)
        return {(names.get(f[0]), *f[1:7]): line for line in aicity.read_text().splitlines() if (f := line.split())}

    old = lines(mtmc / CAMERAS_FILE, mtmc / AICITY_FILE)
    cameras = store.cameras()
    for stale in mtmc.glob("*.txt"):  # cameras erased whole
        if stale.name not in (AICITY_FILE, CAMERAS_FILE) and stale.stem not in {c.name for c in cameras}:
            stale.unlink()
    write_mtmc(mtmc, [store.boxes(camera.name) for camera in cameras], store.identities())
    new = lines(mtmc / CAMERAS_FILE, mtmc / AICITY_FILE)
    carried = [line.split(" ", 1)[0] + " " + old.get(key, line).split(" ", 1)[1] for key, line in new.items()]
    (mtmc / AICITY_FILE).write_text("".join(f"{line}\n" for line in carried))  # new camera ids, old positions
