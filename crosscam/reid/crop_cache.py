"""Crop folders cut once from a data set into the user's cache (never the repository), built atomically.

:mod:`crosscam.reid.multiviewx` and :mod:`crosscam.reid.track_reid` cut evaluation crops from annotated footage;
each keys its folder by the annotations and its crop rules, so a changed rule or file gets a new folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_folder(kind: str, digest: str) -> Path:
    """``$XDG_CACHE_HOME/crosscam/<kind>/<digest[:16]>`` (``~/.cache`` when the variable is unset)."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache_home / "crosscam" / kind / digest[:16]


def build_once(folder: Path, build: Callable[[Path], object]) -> Path:
    """``folder``, first built by ``build(scratch)`` in a scratch folder beside it and renamed into place, so a
    half-built folder (an interrupted or failed build) is never used."""
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".building-"))
        try:
            build(scratch)
            os.replace(scratch, folder)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return folder
