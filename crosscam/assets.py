"""Find model weights and data sets on disk and verify them against the manifest.

Assets are never downloaded. They are looked up, in order, in:

1. the directory given with ``--assets DIR`` (``assets_dir`` here),
2. the directory in the environment variable ``CROSSCAM_ASSETS``,
3. the per-user cache ``$XDG_CACHE_HOME/crosscam/assets`` (``~/.cache/...``).

``crosscam/assets.json`` lists every asset: weight files with their sha256,
data sets with one marker file and its sha256.

Example:
    >>> from crosscam.assets import resolve_file
    >>> path = resolve_file("osnet_x0_25_msmt17", "../shared/assets")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from crosscam.errors import CrosscamError

MANIFEST_PATH = Path(__file__).with_name("assets.json")
ENV_VAR = "CROSSCAM_ASSETS"


@dataclass(frozen=True)
class AssetStatus:
    name: str
    kind: str  # "file" or "dataset"
    relative_path: str
    state: str  # "present", "missing" or "corrupt"
    location: Path | None
    description: str


@cache
def manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text())


def search_roots(assets_dir: str | os.PathLike | None = None) -> list[Path]:
    """The asset directories to search, in priority order."""
    roots = []
    if assets_dir:
        roots.append(Path(assets_dir))
    if os.environ.get(ENV_VAR):
        roots.append(Path(os.environ[ENV_VAR]))
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    roots.append(cache_home / "crosscam" / "assets")
    return roots


@cache
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    """sha256 of a file; cached per (path, size, mtime) so a run hashes each file once."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256(path.resolve(), stat.st_size, stat.st_mtime_ns)


def _entry(name: str) -> tuple[str, dict]:
    entries = manifest()
    if name in entries["files"]:
        return "file", entries["files"][name]
    if name in entries["datasets"]:
        return "dataset", entries["datasets"][name]
    known = ", ".join(sorted([*entries["files"], *entries["datasets"]]))
    raise CrosscamError(f"unknown asset {name!r}; known assets: {known}")


def status(name: str, assets_dir: str | os.PathLike | None = None) -> AssetStatus:
    """Where asset ``name`` is and whether it is intact.

    The first copy found in :func:`search_roots` order decides: a corrupt copy there is reported as corrupt even
    when a later root holds an intact one, so a damaged file is never skipped in silence.
    """
    kind, entry = _entry(name)
    checked_file = entry["path"] if kind == "file" else f"{entry['path']}/{entry['marker']}"
    expected = entry["sha256"] if kind == "file" else entry["marker_sha256"]
    for root in search_roots(assets_dir):
        candidate = root / checked_file
        if not candidate.is_file():
            continue
        if file_sha256(candidate) == expected:
            return AssetStatus(name, kind, entry["path"], "present", root / entry["path"], entry["description"])
        return AssetStatus(name, kind, entry["path"], "corrupt", candidate, entry["description"])
    return AssetStatus(name, kind, entry["path"], "missing", None, entry["description"])


def _resolve(name: str, assets_dir: str | os.PathLike | None) -> Path:
    found = status(name, assets_dir)
    if found.state == "present":
        return found.location
    searched = ", ".join(str(root) for root in search_roots(assets_dir))
    if found.state == "corrupt":
        raise CrosscamError(
            f"asset {name!r} at {found.location} is corrupt (sha256 mismatch); restore it or remove it (searched: "
            f"{searched})"
        )
    raise CrosscamError(
        f"asset {name!r} ({found.relative_path}) not found; searched: {searched} (use --assets DIR or set {ENV_VAR})"
    )


def resolve_file(name: str, assets_dir: str | os.PathLike | None = None) -> Path:
    """Path of a verified weight file, or a one-line CrosscamError."""
    return _resolve(name, assets_dir)


def resolve_dataset(name: str, assets_dir: str | os.PathLike | None = None) -> Path:
    """Directory of a data set whose marker file verifies, or a one-line CrosscamError."""
    return _resolve(name, assets_dir)


def all_statuses(assets_dir: str | os.PathLike | None = None) -> list[AssetStatus]:
    entries = manifest()
    return [status(name, assets_dir) for name in [*entries["files"], *entries["datasets"]]]
