from pathlib import Path

import cv2
import numpy as np
import pytest

# A hand-made Market-1501 test set (names PPPP_cCsS_FFFFFF_BB.jpg).
MARKET_QUERY = [
    "0001_c1s1_000001_00.jpg",  # q1: pid 1, camera 1
    "0002_c2s1_000001_00.jpg",  # q2: pid 2, camera 2
    "0003_c1s1_000001_00.jpg",  # q3: pid 3, camera 1: its only gallery match is also camera 1 -> skipped
]
MARKET_GALLERY = [
    "0000_c2s1_000003_00.jpg",  # distractor (kept)
    "0001_c1s1_000002_00.jpg",  # same pid + same camera as q1 -> removed for q1
    "0001_c2s1_000001_00.jpg",  # true match of q1
    "0001_c3s1_000001_00.jpg",  # true match of q1
    "0002_c1s1_000003_00.jpg",  # true match of q2
    "0002_c2s1_000002_00.jpg",  # same pid + same camera as q2 -> removed for q2
    "0003_c1s1_000004_00.jpg",  # same camera as q3 -> removed for q3
    "-1_c3s1_000002_00.jpg",  # junk: dropped at load
]


@pytest.fixture
def market_root(tmp_path) -> Path:
    parts = {
        "query": MARKET_QUERY,
        "bounding_box_test": MARKET_GALLERY,
        "bounding_box_train": ["0005_c1s1_000001_00.jpg"],
    }
    for folder, names in parts.items():
        (tmp_path / folder).mkdir()
        for name in names:
            cv2.imwrite(str(tmp_path / folder / name), np.full((16, 8, 3), 127, np.uint8))
    return tmp_path
