import numpy as np
import pytest

from crosscam.detect import Detections, create_detector
from crosscam.detect.yolox_onnx import auto_input_size, letterbox
from crosscam.errors import CrosscamError
from crosscam.io import open_source
from crosscam.track.matching import assign, iou_matrix
from crosscam.track.mot import read_mot


@pytest.fixture(scope="module")
def pets_frame(pets_dir):
    """Frame 50 of PETS09-S2L1 (MOT frame 51) and its ground-truth boxes (xyxy)."""
    frame = next(iter(open_source(pets_dir / "vtest.avi", camera="view1", start_frame=50)))
    gt = read_mot(pets_dir / "gt" / "gt.txt")
    gt = gt[gt[:, 0] == frame.index + 1]
    return frame.image, np.c_[gt[:, 2:4], gt[:, 2:4] + gt[:, 4:6]]


@pytest.mark.parametrize(
    ("name", "size", "min_recall"),
    [("bytetrack-nano", None, 0.85), ("yolox-nano-coco", None, 0.6), ("openvino-0013", None, 0.6)],
)
def test_detector_finds_the_people_of_a_pets_frame(assets_dir, pets_frame, name, size, min_recall):
    image, gt = pets_frame
    detections = create_detector(name, assets_dir, size).detect(image)
    confident = detections[detections.confidence >= 0.5]
    matches, _, false_positives = assign(1 - iou_matrix(gt, confident.xyxy), 0.5)  # IoU >= 0.5
    assert len(gt) >= 5
    assert len(matches) / len(gt) >= min_recall
    assert len(false_positives) <= 2
    assert detections.xyxy.dtype == np.float32 and detections.confidence.dtype == np.float32
    assert detections.tracker_id is None


def test_input_size_is_configurable(assets_dir, pets_frame):
    image, gt = pets_frame
    detections = create_detector("bytetrack-nano", assets_dir, (480, 640)).detect(image)
    matches, _, _ = assign(1 - iou_matrix(gt, detections[detections.confidence >= 0.5].xyxy), 0.5)
    assert len(matches) >= 0.7 * len(gt)


def test_input_size_must_be_multiple_of_32(assets_dir):
    with pytest.raises(CrosscamError, match="multiples of 32"):
        create_detector("bytetrack-nano", assets_dir, (500, 640))


def test_unknown_detector_is_an_error():
    with pytest.raises(CrosscamError, match="unknown detector 'nope'"):
        create_detector("nope")


def test_auto_size_keeps_training_scale_without_padding():
    assert auto_input_size((576, 768), (608, 1088)) == (608, 832)
    assert auto_input_size((1080, 1920), (608, 1088)) == (608, 1088)


def test_letterbox_is_top_left_with_114_padding():
    canvas, ratio = letterbox(np.zeros((100, 200, 3), np.uint8), (128, 128))
    assert ratio == 0.64
    assert canvas[:64].max() == 0 and (canvas[64:] == 114).all()


def test_detections_mask_and_length():
    detections = Detections(np.arange(12).reshape(3, 4), [0.9, 0.2, 0.7], [1, 2, 3])
    kept = detections[detections.confidence > 0.5]
    assert len(kept) == 2 and kept.tracker_id.tolist() == [1, 3] and kept.xyxy.dtype == np.float32
    assert len(Detections.empty()) == 0
