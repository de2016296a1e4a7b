import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.eval.reid_metrics import evaluate_features
from crosscam.reid.datasets import load_dataset
from crosscam.reid.multiviewx import MIN_HEIGHT, build_multiviewx_reid, cache_dir, view_boxes


def _view(num: int, box: tuple[int, int, int, int] | None) -> dict:
    x0, y0, x1, y1 = box or (-1, -1, -1, -1)
    return {"viewNum": num, "xmin": x0, "ymin": y0, "xmax": x1, "ymax": y1}


@pytest.fixture
def tiny_multiviewx(tmp_path: Path) -> Path:
    """Two frames, two cameras, three people: one hidden in camera 2, one too short, one cut by the border."""
    root = tmp_path / "mvx"
    for camera in (1, 2):
        for frame in (0, 1):
            path = root / "Image_subsets" / f"C{camera}" / f"{frame:04d}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), np.full((200, 300, 3), 40 * camera + frame, np.uint8))
    people = [
        {"personID": 7, "views": [_view(0, (10, 10, 40, 100)), _view(1, (50, 20, 80, 120))]},
        {"personID": 9, "views": [_view(0, (100, 10, 130, 100)), _view(1, None)]},
        {"personID": 11, "views": [_view(0, (200, 10, 220, 10 + MIN_HEIGHT - 1)), _view(1, (280, 10, 340, 100))]},
    ]
    (root / "annotations_positions").mkdir()
    for number in (1, 2):
        (root / "annotations_positions" / f"{number:05d}.json").write_text(json.dumps(people))
    return root


def test_annotation_n_is_image_n_minus_1_and_hidden_views_are_dropped(tiny_multiviewx):
    boxes = view_boxes(tiny_multiviewx)
    assert {b.frame for b in boxes} == {0, 1}
    assert {(b.pid, b.camera) for b in boxes} == {(7, 1), (7, 2), (9, 1), (11, 1), (11, 2)}


def test_build_skips_short_and_mostly_outside_boxes(tiny_multiviewx, tmp_path):
    written = build_multiviewx_reid(tiny_multiviewx, tmp_path / "out")
    assert written == 6  # per frame: person 7 in both cameras, person 9 in camera 1
    crops = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.jpg"))
    assert "query/0007/c2_f0001.jpg" in crops and "gallery/0007/c2_f0001.jpg" in crops
    assert not any("/0011/" in crop for crop in crops)
    assert cv2.imread(str(tmp_path / "out/query/0007/c1_f0000.jpg")).shape == (90, 30, 3)


def test_multiviewx_protocol_scores_only_other_camera_matches(tiny_multiviewx, tmp_path, monkeypatch):
    """Features that only tell the cameras apart: the query's own copy would be a perfect hit, but same-camera
    matches are never scored, so person 9 (one camera) has no valid query and person 7's camera-1 queries rank
    person 9 (same camera, same feature) above their true match."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    split = load_dataset("multiviewx", tiny_multiviewx)
    assert cache_dir(tiny_multiviewx).is_dir() and split.name == "multiviewx"
    assert {s.path.name for s in split.query} == {s.path.name for s in split.gallery}
    camera_feature = {0: [1.0, 0.0], 1: [0.0, 1.0]}
    query = np.array([camera_feature[s.camid] for s in split.query], np.float32)
    gallery = np.array([camera_feature[s.camid] for s in split.gallery], np.float32)
    metrics = evaluate_features(query, gallery, split.query, split.gallery)
    assert metrics.num_valid_queries == 4  # person 7: 2 cameras x 2 frames
    assert metrics.rank1 <= 50


def test_bad_multiviewx_folders_are_one_line_errors(tmp_path):
    with pytest.raises(CrosscamError, match="annotations_positions"):
        view_boxes(tmp_path)
    (tmp_path / "annotations_positions").mkdir()
    (tmp_path / "annotations_positions" / "00001.json").write_text('[{"personID": 1}]')
    with pytest.raises(CrosscamError, match="00001.json: not a WILDTRACK-format annotation"):
        view_boxes(tmp_path)


@pytest.mark.slow
def test_the_shipped_sample_gives_26_people_in_six_cameras(assets_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    split = load_dataset("multiviewx", assets_dir / "data/multiviewx_sample")
    assert len({s.pid for s in split.query}) == 26 and len({s.camid for s in split.query}) == 6
    assert 1000 <= len(split.query) <= 1085  # 1,085 visible boxes, a few too short or cut by the border
