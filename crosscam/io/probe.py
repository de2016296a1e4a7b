"""Open every camera's source before any camera is processed, and report every problem at once.

A run over several cameras should not fail on the third camera's empty file after hours spent on the first two:
:func:`probe_sources` opens each source, decodes its first frame and reads its frame count and rate, and raises
one :class:`CrosscamError` listing every source that cannot be used.

Example:
    >>> infos = probe_sources(cameras)  # doctest: +SKIP
    >>> infos[0].fps, infos[0].frame_count
    (29.97, 98)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from crosscam.errors import CrosscamError
from crosscam.io.frames import STREAM_PREFIXES, FrameSource, Truncation, open_source


class CameraLike(Protocol):
    """Anything with a camera name and a source (``Camera``, a parsed camera spec); ``fps`` is optional."""

    name: str
    source: str


@dataclass(frozen=True)
class SourceInfo:
    """What probing one camera's source found: its kind (video, folder, stream), rate, announced count, size."""

    name: str
    source: str
    kind: str
    fps: float
    frame_count: int | None
    width: int
    height: int


def _problem(source: str) -> str | None:
    """What is wrong with a local source before it is even opened (None: nothing seen yet)."""
    path = Path(source)
    if not path.exists():
        return f"{source}: no such video file or image folder"
    if path.is_file() and path.stat().st_size == 0:
        return f"{source}: empty file (0 bytes)"
    return None


def probe_source(camera: CameraLike) -> SourceInfo:
    """Open one camera's source and decode its first frame; a one-line CrosscamError when it cannot be used."""
    source = str(camera.source)
    is_stream = source.lower().startswith(STREAM_PREFIXES)
    if not is_stream and (problem := _problem(source)):
        raise CrosscamError(problem)
    fps = getattr(camera, "fps", None) or None  # Camera.fps is 0.0 until probed
    opened = open_source(source, camera.name, fps=fps)
    if not is_stream:
        try:
            next(iter(opened))
        except StopIteration:
            raise CrosscamError(f"{source}: no decodable frames (corrupt or not a video)") from None
    kind = "stream" if is_stream else "folder" if Path(source).is_dir() else "video"
    return SourceInfo(camera.name, source, kind, opened.fps, opened.frame_count, opened.width, opened.height)


def probe_sources(cameras: Sequence[CameraLike]) -> list[SourceInfo]:
    """Probe every camera's source; one CrosscamError naming every camera whose source cannot be used."""
    infos, problems = [], []
    for camera in cameras:
        try:
            infos.append(probe_source(camera))
        except CrosscamError as error:
            problems.append(f"camera {camera.name!r}: {error}")
    if problems:
        count = f"{len(problems)} of {len(cameras)} camera sources cannot be used"
        raise CrosscamError(f"{count}: " + "; ".join(problems))
    return infos


def check_complete(source: FrameSource, strict: bool = False) -> Truncation | None:
    """After a camera's frames were read: its :class:`Truncation` (to print and record), an error under ``strict``."""
    truncation = source.truncation
    if truncation is not None and strict:
        raise CrosscamError(f"{truncation} (--strict)")
    return truncation
