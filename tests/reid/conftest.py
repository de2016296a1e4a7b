from pathlib import Path

import cv2
import numpy as np
import pytest


@pytest.fixture
def write_images():
    """Write tiny real JPEG/PNG files (other suffixes: a text file) at paths relative to a root."""

    def write(root: Path, names: list[str]) -> Path:
        for name in names:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix in (".jpg", ".png"):
                cv2.imwrite(str(path), np.full((16, 8, 3), 127, np.uint8))
            else:
                path.write_text("not an image")
        return root

    return write
