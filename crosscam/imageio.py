"""Reading still images with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from crosscam.errors import CrosscamError


def read_bgr(path: str | Path) -> np.ndarray:
    """Read an image as BGR uint8; a missing or undecodable file is a one-line CrosscamError."""
    path = Path(path)
    if not path.is_file():
        raise CrosscamError(f"{path}: no such image file")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise CrosscamError(f"{path}: cannot decode image (corrupt or not an image)")
    return image
