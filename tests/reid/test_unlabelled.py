import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.reid.unlabelled import MIN_HEIGHT, clip_boxes, mot17_frames, mot_boxes, write_crops


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
