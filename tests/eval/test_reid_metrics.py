import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from crosscam.errors import CrosscamError
from crosscam.eval.reid_metrics import (
    cosine_distance,
    evaluate_features,
    evaluate_rankings,
    labels_of,
    per_query_scores,
)
from crosscam.reid.datasets import load_dataset


def _hand_distances(split) -> np.ndarray:
    """Distances keyed by file name; every pair not listed is far (1.0)."""
    close = {
        # q1's ranking: 0001_c1 (removed, same camera) < distractor < 0001_c2 (match) < 0002_c1 < 0001_c3 (match)
        ("0001_c1s1_000001_00", "0001_c1s1_000002_00"): 0.1,
        ("0001_c1s1_000001_00", "0000_c2s1_000003_00"): 0.2,
        ("0001_c1s1_000001_00", "0001_c2s1_000001_00"): 0.3,
        ("0001_c1s1_000001_00", "0002_c1s1_000003_00"): 0.4,
        ("0001_c1s1_000001_00", "0001_c3s1_000001_00"): 0.5,
        # q2's ranking: 0002_c2 (removed, same camera) < 0002_c1 (match) < everything else
        ("0002_c2s1_000001_00", "0002_c2s1_000002_00"): 0.05,
        ("0002_c2s1_000001_00", "0002_c1s1_000003_00"): 0.1,
        # q3: nearest is its own-camera image, which the protocol removes
        ("0003_c1s1_000001_00", "0003_c1s1_000004_00"): 0.0,
    }
    return np.array([[close.get((q.path.stem, g.path.stem), 1.0) for g in split.gallery] for q in split.query])


def test_market_protocol_on_hand_made_fixture(market_root):
    split = load_dataset("market1501", market_root)
    assert len(split.gallery) == 7 and all(s.pid != -1 for s in split.gallery)
    query_pids, query_cams = labels_of(split.query)
    gallery_pids, gallery_cams = labels_of(split.gallery)
    metrics = evaluate_rankings(_hand_distances(split), query_pids, gallery_pids, query_cams, gallery_cams)
    # After removing same-pid-same-camera items:
    #   q1: distractor, MATCH (rank 2), 0002_c1, MATCH (rank 4): AP = (1/2 + 2/4) / 2 = 0.5, INP = 2/4
    #   q2: MATCH at rank 1: AP = 1, INP = 1
    #   q3: no match left -> skipped
    assert metrics.num_valid_queries == 2
    assert metrics.rank1 == pytest.approx(50.0)  # q2 only
    assert metrics.cmc[1] == pytest.approx(100.0)  # q1 at rank 2
    assert metrics.mAP == pytest.approx(75.0)  # (0.5 + 1) / 2
    assert metrics.mINP == pytest.approx(75.0)  # (0.5 + 1) / 2


def test_same_camera_removal_changes_the_result(market_root):
    split = load_dataset("market1501", market_root)
    query_pids, _ = labels_of(split.query)
    gallery_pids, _ = labels_of(split.gallery)
    # Pretend every image comes from its own camera: nothing is removed, q1 and q3 now hit at rank 1.
    metrics = evaluate_rankings(_hand_distances(split), query_pids, gallery_pids, np.arange(3), np.arange(3, 10))
    assert metrics.num_valid_queries == 3 and metrics.rank1 == pytest.approx(100.0)


def test_average_precision_agrees_with_sklearn():
    # Without same-camera removal and without ties, non-interpolated AP is sklearn's average_precision_score.
    rng = np.random.default_rng(7)
    distmat = rng.random((40, 60))
    query_pids, gallery_pids = rng.integers(0, 6, 40), rng.integers(0, 6, 60)
    query_cams, gallery_cams = np.zeros(40), np.ones(60)
    valid, _, ap, _ = per_query_scores(distmat, query_pids, gallery_pids, query_cams, gallery_cams)
    expected = [
        average_precision_score(gallery_pids == pid, -row) for pid, row in zip(query_pids, distmat, strict=True)
    ]
    assert valid.all()
    np.testing.assert_allclose(ap, expected)
    metrics = evaluate_rankings(distmat, query_pids, gallery_pids, query_cams, gallery_cams)
    assert metrics.mAP == pytest.approx(100 * np.mean(expected))


def test_cmc_is_monotone_and_perfect_features_score_100():
    rng = np.random.default_rng(0)
    pids = np.repeat(np.arange(20), 2)
    centers = rng.normal(size=(20, 32))
    features = centers[pids] + 0.01 * rng.normal(size=(40, 32))
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    distmat = cosine_distance(features[::2], features[1::2])
    metrics = evaluate_rankings(distmat, pids[::2], pids[1::2], np.zeros(20), np.ones(20))
    assert metrics.rank1 == metrics.mAP == metrics.mINP == pytest.approx(100.0)
    noisy = evaluate_rankings(rng.random((20, 20)), pids[::2], pids[1::2], np.zeros(20), np.ones(20))
    assert np.all(np.diff(noisy.cmc) >= 0) and noisy.rank1 < 50


def test_evaluate_features_uses_cosine_distance(market_root):
    split = load_dataset("market1501", market_root)
    # One-hot features: each query equals exactly one gallery item of its pid from another camera.
    gallery = np.eye(len(split.gallery), dtype=np.float32)
    names = [g.path.stem for g in split.gallery]
    query = gallery[[names.index("0001_c3s1_000001_00"), names.index("0002_c1s1_000003_00"), 0]]
    metrics = evaluate_features(query, gallery, split.query, split.gallery)
    assert metrics.num_valid_queries == 2 and metrics.rank1 == pytest.approx(100.0)


def test_bad_inputs_raise_crosscam_error():
    with pytest.raises(CrosscamError, match="query_pids"):
        evaluate_rankings(np.zeros((2, 3)), [1], [1, 2, 3], [0, 0], [1, 1, 1])
    with pytest.raises(CrosscamError, match="no query has a true match"):
        evaluate_rankings(np.zeros((1, 2)), [1], [1, 2], [0], [0, 0])
