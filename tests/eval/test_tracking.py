import pytest

from crosscam.eval.tracking import evaluate_mot
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
