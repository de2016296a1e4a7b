"""The frame rate a camera is tracked at, and where it came from: the motion model's and the tracker's time scale.

Video files carry their rate in the container; an image folder has none, so a MOTChallenge ``seqinfo.ini``
(``frameRate`` in its ``[Sequence]`` section, next to the images or one folder up as in ``SEQ/img1/``) gives it.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from crosscam.errors import CrosscamError
from crosscam.io.frames import DEFAULT_FOLDER_FPS


def seqinfo_frame_rate(folder: str | Path) -> tuple[float, Path] | None:
    """``frameRate`` of the ``seqinfo.ini`` in ``folder`` or its parent, and that file; None when there is none."""
    folder = Path(folder)
    for path in (folder / "seqinfo.ini", folder.parent / "seqinfo.ini"):
        if not path.is_file():
            continue
        parser = configparser.ConfigParser()
        try:
            parser.read(path)
            value = parser.get("Sequence", "frameRate", fallback=None)
        except configparser.Error as error:
            raise CrosscamError(f"{path}: not a readable seqinfo.ini ({error.__class__.__name__})") from None
        if value is None:
            continue
        try:
            fps = float(value)
        except ValueError:
            raise CrosscamError(f"{path}: frameRate is not a number: {value!r}") from None
        if fps <= 0:
            raise CrosscamError(f"{path}: frameRate must be positive, got {value}")
        return fps, path
    return None


def choose_frame_rate(source: str | Path, fps: float | None) -> tuple[float | None, str]:
    """The ``fps`` to open ``source`` with (None: the container's rate) and a line saying where it comes from.

    ``fps`` given by the user wins; an image folder otherwise takes its ``seqinfo.ini``, else the default rate.
    """
    if fps is not None:
        return fps, f"{fps:g} fps (--fps)"
    if not Path(str(source)).is_dir():
        return None, "the container's frame rate"
    found = seqinfo_frame_rate(source)
    if found is not None:
        return found[0], f"{found[0]:g} fps ({found[1]})"
    return DEFAULT_FOLDER_FPS, f"{DEFAULT_FOLDER_FPS:g} fps (image folder without seqinfo.ini: the default; set --fps)"
