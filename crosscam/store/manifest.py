"""The list of files crosscam wrote into a run folder, so that ``--fresh`` removes those and nothing else.

Every output of a run (report, ``identities.json``, videos, thumbnails, MOT files) is recorded, relative to the
run folder, in ``crosscam-manifest.json`` as soon as it is written (:func:`record_outputs`, an atomic replace).
:func:`remove_run_outputs` deletes only the recorded files and the index files, and refuses, before deleting
anything, when the folder holds a camera's source or any file crosscam did not write.

Example:
    >>> record_outputs(out, [out / "report.html", out / "thumbnails"])  # doctest: +SKIP
    >>> remove_run_outputs(out, sources=["footage/lobby.mp4"])  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from crosscam.errors import CrosscamError

MANIFEST = "crosscam-manifest.json"
# Written by the index store itself (and SQLite beside it); always crosscam's, listed or not, with the temporary
# files an interrupted atomic write leaves (the store's, erasure's, the vector index's, this manifest's).
INDEX_FILES = frozenset(
    {"index.sqlite", "index.sqlite-journal", "index.sqlite-wal", "index.sqlite-shm", "embeddings.npy", MANIFEST}
    | {"embeddings.faiss", "embeddings.npy.tmp.npy", "embeddings.npy.erase.tmp.npy"}
)
TEMPORARY_PREFIXES = (f".{MANIFEST}.", ".embeddings.faiss.")
# Written after the run, on demand and by several threads at once: `crosscam serve`'s clip cache.
GENERATED_FOLDERS = ("serve_clips/",)
SHOWN = 5  # how many foreign files an error names


def check_out_folder(folder: str | os.PathLike) -> Path:
    """``folder`` as a Path; a one-line CrosscamError when it exists but is not a folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CrosscamError(f"{folder}: --out must be a folder, but this is a file")
    return folder


def load_manifest(folder: str | os.PathLike) -> set[str]:
    """The recorded files of a run folder, as relative POSIX paths (empty when there is no manifest)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return set()
    try:
        entries = json.loads(path.read_text())["files"]
        if not isinstance(entries, list) or not all(isinstance(entry, str) for entry in entries):
            raise TypeError("'files' is not a list of strings")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CrosscamError(f"{path}: damaged manifest ({error}); delete the run folder by hand") from error
    return set(entries)


def _relative(folder: Path, path: Path) -> str:
    absolute = path if path.is_absolute() else folder / path
    try:
        return absolute.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        raise CrosscamError(f"{path}: an output outside the run folder {folder}") from None


def record_outputs(folder: str | os.PathLike, paths: Iterable[str | os.PathLike]) -> None:
    """Add files (a folder: every file now in it) to the run folder's manifest, written atomically."""
    folder = check_out_folder(folder)
    entries = load_manifest(folder)
    for path in map(Path, paths):
        absolute = path if path.is_absolute() else folder / path
        files = [p for p in absolute.rglob("*") if p.is_file()] if absolute.is_dir() else [absolute]
        entries.update(_relative(folder, file) for file in files)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{MANIFEST}.", dir=folder)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump({"files": sorted(entries)}, stream, indent=0)
        os.replace(temporary, folder / MANIFEST)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _is_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _entries(folder: Path) -> list[Path]:
    """Every file, link and (non-followed) linked folder under ``folder``, relative to it."""
    found = []
    for root, directories, files in os.walk(folder, followlinks=False):
        base = Path(root)
        found += [(base / name).relative_to(folder) for name in files]
        found += [(base / name).relative_to(folder) for name in directories if (base / name).is_symlink()]
    return sorted(found)


def _ours(relative: Path, listed: set[str]) -> bool:
    name = relative.as_posix()
    return name in listed or name in INDEX_FILES or name.startswith(TEMPORARY_PREFIXES + GENERATED_FOLDERS)


def remove_run_outputs(folder: str | os.PathLike, sources: Sequence[str | os.PathLike] = ()) -> list[Path]:
    """Delete what crosscam wrote in ``folder`` (its manifest's files and the index files); the deleted paths.

    Refuses with one CrosscamError, deleting nothing, when ``folder`` is a file, when a camera source (a file, or a
    folder of images) lies inside it, or when it holds files the manifest does not list. Folders left empty by the
    deletion are removed too; ``folder`` itself stays.
    """
    folder = check_out_folder(folder)
    if not folder.exists():
        return []
    root = folder.resolve()
    inside = [str(s) for s in sources if "://" not in str(s) and _is_inside(Path(s).resolve(), root)]
    if inside:
        raise CrosscamError(
            f"{folder}: --fresh refuses to clear a folder that holds camera sources: {', '.join(inside)}"
        )
    listed = load_manifest(folder)
    foreign = [entry for entry in _entries(folder) if not _ours(entry, listed)]
    if foreign:
        names = ", ".join(entry.as_posix() for entry in foreign[:SHOWN])
        more = f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else ""
        raise CrosscamError(
            f"{folder}: --fresh refuses to delete files crosscam did not write: {names}{more}; "
            "move them or choose another --out"
        )
    removed = []
    for entry in _entries(folder):
        path = folder / entry
        if entry.as_posix() != MANIFEST:
            path.unlink()
            removed.append(path)
    (folder / MANIFEST).unlink(missing_ok=True)
    for directory in sorted((p for p in folder.rglob("*") if p.is_dir() and not p.is_symlink()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
    return removed
