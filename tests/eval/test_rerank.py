import numpy as np

from crosscam.eval.reid_metrics import cosine_distance, evaluate_rankings
from crosscam.eval.rerank import k_reciprocal_neighbours, k_reciprocal_rerank, rerank_features


def test_k_reciprocal_neighbours_keeps_only_mutual_ones():
    # Points on a line at 0, 1, 2, 10: 3's nearest is 2, but 2's two nearest are itself and 1, so with k=1
    # 3 is not reciprocal; 0 and 1 are mutual.
    points = np.array([0.0, 1.0, 2.0, 10.0])
    initial_rank = np.argsort(np.abs(points[:, None] - points[None, :]), axis=1, kind="stable")
    assert sorted(k_reciprocal_neighbours(initial_rank, 0, k=1)) == [0, 1]
    assert sorted(k_reciprocal_neighbours(initial_rank, 3, k=1)) == [3]


def _clustered(seed: int, ids: int = 30, per_id: int = 6, noise: float = 0.9):
    rng = np.random.default_rng(seed)
    pids = np.repeat(np.arange(ids), per_id)
    features = rng.normal(size=(ids, 24))[pids] + noise * rng.normal(size=(len(pids), 24))
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    query = np.arange(len(pids)) % per_id == 0  # one query per id, the rest gallery
    return features[query], features[~query], pids[query], pids[~query]


def test_rerank_improves_map_on_clustered_data():
    query, gallery, query_pids, gallery_pids = _clustered(seed=3)
    cams_q, cams_g = np.zeros(len(query)), np.ones(len(gallery))
    plain = evaluate_rankings(cosine_distance(query, gallery), query_pids, gallery_pids, cams_q, cams_g)
    reranked = evaluate_rankings(rerank_features(query, gallery), query_pids, gallery_pids, cams_q, cams_g)
    assert reranked.mAP > plain.mAP + 2


def test_lambda_one_keeps_the_original_order():
    query, gallery, *_ = _clustered(seed=4)
    original = cosine_distance(query, gallery)
    final = k_reciprocal_rerank(
        original, cosine_distance(query, query), cosine_distance(gallery, gallery), lambda_value=1
    )
    np.testing.assert_array_equal(
        np.argsort(final, axis=1, kind="stable")[:, :10], np.argsort(original, axis=1)[:, :10]
    )
    assert final.shape == original.shape and np.all(final >= 0)
