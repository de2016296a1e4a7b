"""Camera names: validated once, so that every file name derived from them stays inside the output folder.

A camera's name becomes part of file names (thumbnails, videos, MOT files) and of URLs in the report, so it is
restricted to letters, digits, ``.``, ``_`` and ``-``, starting with a letter or digit, at most 64 characters:
no path separators, no ``..``, nothing a URL or an HTML attribute must escape.
"""

from __future__ import annotations

import re

from crosscam.errors import CrosscamError

CAMERA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def validate_camera_name(name: str) -> str:
    """``name`` itself when it is a valid camera name; else a one-line CrosscamError saying what is allowed."""
    if not isinstance(name, str) or not CAMERA_NAME.fullmatch(name) or ".." in name:
        shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:77] + "..."
        raise CrosscamError(
            f"bad camera name {shown}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit "
            "(no '/', no '..')"
        )
    return name


def safe_file_stem(*parts: str | int) -> str:
    """A file-name stem from parts (``safe_file_stem("lab_a", 3)`` -> ``"lab_a_3"``) with no unsafe character.

    Parts are joined with ``_``; any run of characters outside ``[A-Za-z0-9._-]`` becomes ``-`` and leading dots are
    dropped, so the result never contains a path separator, never starts with ``.`` and is never ``..``.
    """
    stem = "_".join(_UNSAFE.sub("-", str(part)) for part in parts).lstrip(".")
    stem = stem.replace("..", "-")
    if not stem:
        raise CrosscamError(f"cannot make a file name from {parts!r}")
    return stem[:200]
