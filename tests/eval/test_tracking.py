import numpy as np
import pytest

from crosscam.eval.tracking import evaluate_mot, ground_truth_rules
from crosscam.track.mot import read_mot


@pytest.fixture(scope="module")
def pets_gt(assets_dir):
    return read_mot(assets_dir / "data" / "pets09_s2l1" / "gt" / "gt.txt")


def test_ground_truth_against_itself_is_perfect(pets_gt):
    scores = evaluate_mot(pets_gt, pets_gt)
    assert scores["HOTA"] == pytest.approx(100) and scores["IDF1"] == pytest.approx(100)
    assert scores["IDSW"] == 0 and scores["GT_IDs"] == 19


def test_identity_swap_costs_idf1_not_detection(pets_gt):
    swapped = pets_gt.copy()
    late = swapped[:, 0] > 400
    swapped[late, 1] += 100  # every person gets a new id half-way through
    scores = evaluate_mot(pets_gt, swapped)
    crossing = set(pets_gt[pets_gt[:, 0] == 400, 1]) & set(pets_gt[pets_gt[:, 0] == 401, 1])
    assert scores["MOTA"] > 99 and scores["DetA"] == pytest.approx(100)
    assert scores["IDSW"] == len(crossing) > 0
    assert scores["IDF1"] < 95 and scores["AssA"] < 95


def test_missing_half_the_boxes_halves_recall(pets_gt):
    kept = pets_gt[pets_gt[:, 0] % 2 == 0]
    scores = evaluate_mot(pets_gt, kept)
    assert scores["FN"] == len(pets_gt) - len(kept) and scores["FP"] == 0
    assert 45 < scores["MOTA"] < 55


def test_mot15_style_ground_truth_without_classes(pets_gt):
    no_classes = pets_gt.copy()
    no_classes[:, 6:] = -1
    assert evaluate_mot(no_classes, pets_gt)["IDF1"] == pytest.approx(100)


def _row(frame, track, left, conf=1.0, cls=-1.0, visibility=-1.0):
    return [frame, track, left, 100, 40, 100, conf, cls, visibility, -1]


def test_mot15_ignore_row_is_not_counted():
    """MOT15 layout (no classes): a conf-0 box is "don't care"; the prediction of the scored person is perfect."""
    gt = np.array([_row(f, 1, 10 + f) for f in range(1, 4)] + [_row(f, 2, 300, conf=0) for f in range(1, 4)])
    pred = np.array([_row(f, 7, 10 + f) for f in range(1, 4)])
    assert ground_truth_rules(gt) == "MOT15"
    scores = evaluate_mot(gt, pred)
    assert scores["MOTA"] == pytest.approx(100) and scores["IDF1"] == pytest.approx(100)
    assert scores["FN"] == 0 and scores["GT_IDs"] == 1
    # as in TrackEval's MOT15 rules, a box on the ignored person is a false positive (no distractor classes)
    both = np.concatenate([pred, [_row(f, 8, 300) for f in range(1, 4)]])
    assert evaluate_mot(gt, both)["FP"] == 3


def test_mot16_distractor_predictions_are_removed():
    """MOT16 classes: a prediction on a distractor (class 8, conf 0) is dropped, not counted as a false positive."""
    gt = np.array(
        [_row(f, 1, 10 + f, cls=1, visibility=1) for f in range(1, 4)]
        + [_row(f, 2, 300, conf=0, cls=8, visibility=1) for f in range(1, 4)]
        + [_row(f, 3, 600, conf=0, cls=9, visibility=1) for f in range(1, 4)]
    )
    pred = np.array([_row(f, 7, 10 + f) for f in range(1, 4)] + [_row(f, 8, 300) for f in range(1, 4)])
    assert ground_truth_rules(gt) == "MOT16"
    scores = evaluate_mot(gt, pred)
    assert scores["MOTA"] == pytest.approx(100) and scores["FP"] == 0 and scores["GT_IDs"] == 1
    on_occluder = np.concatenate([pred, [_row(f, 9, 600) for f in range(1, 4)]])
    assert evaluate_mot(gt, on_occluder)["FP"] == 3  # occluders (class 9) are not distractors
