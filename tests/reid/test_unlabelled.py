import cv2
import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.reid.unlabelled import (
    MIN_HEIGHT,
    build_mixed_crops,
    clip_boxes,
    mot17_frames,
    mot_boxes,
    random_crop,
    write_crops,
)


def test_mot17_rows_keep_scored_visible_pedestrians_only(tmp_path):
    gt = tmp_path / "gt.txt"
    gt.write_text("1,1,10,20,30,80,1,1,0.9\n1,2,10,20,30,80,0,1,0.9\n1,3,10,20,30,80,1,7,0.9\n2,4,0,0,5,90,1,1,0.2\n")
    assert {frame: boxes.tolist() for frame, boxes in mot_boxes(gt, True).items()} == {1: [[10, 20, 40, 100]]}
    assert sum(len(b) for b in mot_boxes(gt, False).values()) == 4
    gt.write_text("1,2,3\n")
    with pytest.raises(CrosscamError, match="not MOT format"):
        mot_boxes(gt, False)


def test_boxes_are_clipped_to_the_frame_and_short_ones_dropped():
    boxes = np.array([[-5, -5, 20, MIN_HEIGHT + 10], [0, 0, 20, MIN_HEIGHT - 1], [90, 10, 130, 200]], np.float32)
    assert clip_boxes(boxes, height=100, width=100) == [(0, 0, 20, MIN_HEIGHT + 10), (90, 10, 100, 100)]


def test_crops_of_the_mot17_excerpts(assets_dir, tmp_path):
    frames = list(mot17_frames(assets_dir / "data/mot17_mini/train"))
    assert len({name.split("_f")[0] for name, _, _ in frames}) == 7
    written = write_crops(iter(frames), tmp_path)
    assert 0 < written == len(list(tmp_path.glob("*.jpg"))) <= sum(len(boxes) for _, _, boxes in frames)


def test_mixed_crops_blend_two_different_images_at_the_input_size(tmp_path):
    pool = []
    for value, size in ((0, (90, 40)), (200, (300, 100)), (100, (160, 60))):
        path = tmp_path / f"src_{value}.png"
        cv2.imwrite(str(path), np.full((*size, 3), value, np.uint8))
        pool.append(path)
    assert build_mixed_crops(pool, tmp_path / "a", 12, seed=3, size=(64, 32)) == 12
    build_mixed_crops(pool, tmp_path / "b", 12, seed=3, size=(64, 32))
    blends = [cv2.imread(str(p)) for p in sorted((tmp_path / "a").glob("mixed_*.jpg"))]
    assert len(blends) == 12 and all(b.shape == (64, 32, 3) for b in blends)
    means = [float(b.mean()) for b in blends]
    assert all(20 <= m <= 180 for m in means)  # weights in [0.2, 0.8]: never one image alone
    assert len({round(m) for m in means}) > 3  # different pairs and weights
    again = [cv2.imread(str(p)) for p in sorted((tmp_path / "b").glob("mixed_*.jpg"))]
    assert all(np.array_equal(x, y) for x, y in zip(blends, again, strict=True))
    with pytest.raises(CrosscamError, match="at least two images"):
        build_mixed_crops(pool[:1], tmp_path / "c", 1)


def test_random_crop_keeps_at_least_the_asked_area_and_a_near_person_shape():
    image = np.arange(200 * 80 * 3, dtype=np.uint32).reshape(200, 80, 3)
    rng = np.random.default_rng(0)
    windows = [random_crop(image, rng, 0.6) for _ in range(200)]
    areas = np.array([w.shape[0] * w.shape[1] for w in windows]) / (200 * 80)
    assert areas.min() >= 0.6 * 0.75 and areas.max() <= 1.0  # clipping to the frame can only shrink the short side
    assert areas.std() > 0.05  # not one fixed window
    ratios = np.array([w.shape[0] / w.shape[1] for w in windows]) / (200 / 80)
    assert ratios.min() >= 0.75 - 0.04 and ratios.max() <= 4 / 3 + 0.04  # +-1 pixel of rounding
    first = windows[0]
    top, left = np.argwhere(image[..., 0] == first[0, 0, 0])[0]
    assert np.array_equal(image[top : top + first.shape[0], left : left + first.shape[1]], first)  # a true window


def test_cropped_blends_differ_from_plain_ones_and_bad_areas_are_refused(tmp_path):
    pool = []
    for k in range(3):
        path = tmp_path / f"src_{k}.png"
        cv2.imwrite(str(path), np.random.default_rng(k).integers(0, 255, (120, 50, 3), np.uint8))
        pool.append(path)
    build_mixed_crops(pool, tmp_path / "plain", 4, seed=1, size=(64, 32))
    build_mixed_crops(pool, tmp_path / "cropped", 4, seed=1, size=(64, 32), min_area=0.5)
    plain, cropped = ([cv2.imread(str(p)) for p in sorted((tmp_path / d).glob("*.jpg"))] for d in ("plain", "cropped"))
    assert all(c.shape == (64, 32, 3) for c in cropped)
    assert not any(np.array_equal(p, c) for p, c in zip(plain, cropped, strict=True))
    with pytest.raises(CrosscamError, match="smallest crop area"):
        build_mixed_crops(pool, tmp_path / "bad", 1, min_area=0)
