"""The sparse (kNN graph + heap) clustering makes the dense reference's decisions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscam.associate.clustering import (
    TrackletSpan,
    TransitWindow,
    cannot_link_matrix,
    cluster_tracklets,
    evidence_pairs,
    neighbour_pairs,
)
from crosscam.embed.base import l2_normalize
from crosscam.errors import CrosscamError


def random_instance(seed: int, n: int, people: int, cameras: int = 4, dim: int = 16, noise: float = 0.3):
    """People seen several times on a few cameras: tracklets near their person's direction, random spans."""
    rng = np.random.default_rng(seed)
    centres = l2_normalize(rng.normal(size=(people, dim)))
    person = rng.integers(0, people, n)
    embeddings = l2_normalize(centres[person] + noise * rng.normal(size=(n, dim))).astype(np.float32)
    names = [f"c{i}" for i in range(cameras)]
    starts = rng.uniform(0, 600, n)
    spans = [
        TrackletSpan(names[c], s, s + d)
        for c, s, d in zip(rng.integers(0, cameras, n), starts, rng.uniform(1, 60, n), strict=True)
    ]
    transit = [TransitWindow("c0", "c1", 5, 200), TransitWindow("c1", "c2", 0, 100), TransitWindow("c2", "c2", 0, 300)]
    return embeddings, spans, transit, person


def random_pairs(rng, n: int, m: int) -> np.ndarray:
    pairs = rng.integers(0, n, size=(m, 2))
    return pairs[pairs[:, 0] != pairs[:, 1]]


@pytest.mark.parametrize("seed", range(12))
def test_sparse_equals_dense_on_random_instances(seed):
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(20, 160))
    embeddings, spans, transit, _ = random_instance(seed, n, people=int(rng.integers(3, 30)))
    apart, together = random_pairs(rng, n, n // 4), random_pairs(rng, n, n // 8)
    threshold = float(rng.uniform(0.2, 0.8))
    dense = cluster_tracklets(embeddings, spans, threshold, transit, apart, together, method="dense")
    sparse = cluster_tracklets(embeddings, spans, threshold, transit, apart, together, method="sparse")
    assert dense.max() < n - 1  # the instance really merges something
    np.testing.assert_array_equal(sparse, dense)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.floats(0, 100), st.floats(0, 30)), min_size=1, max_size=30),
    st.integers(0, 2**31 - 1),
    st.floats(-0.5, 0.95),
)
def test_sparse_equals_dense_on_hypothesis_spans(raw_spans, seed, threshold):
    spans = [TrackletSpan(camera, start, start + length) for camera, start, length in raw_spans]
    rng = np.random.default_rng(seed)
    centres = l2_normalize(rng.normal(size=(3, 8)))
    embeddings = l2_normalize(centres[rng.integers(0, 3, len(spans))] + 0.05 * rng.normal(size=(len(spans), 8)))
    transit = [TransitWindow("a", "b", 5.0, 40.0)]
    dense = cluster_tracklets(embeddings, spans, threshold, transit, method="dense")
    sparse = cluster_tracklets(embeddings, spans, threshold, transit, method="sparse")
    np.testing.assert_array_equal(sparse, dense)


def test_sparse_never_merges_a_cannot_link_pair_and_finds_the_people():
    embeddings, spans, transit, person = random_instance(7, 600, people=40, dim=64, noise=0.1)
    labels = cluster_tracklets(embeddings, spans, 0.6, transit, method="sparse")
    np.testing.assert_array_equal(labels, cluster_tracklets(embeddings, spans, 0.6, transit, method="dense"))
    same = labels[:, None] == labels[None, :]
    assert not (same & cannot_link_matrix(spans, transit)).any()
    assert len(np.unique(labels)) < 300  # 600 tracklets of 40 people: it merges, as far as the transit windows allow
    # Each identity is (nearly always) one person: the noise is small next to the distance between people.
    purity = sum(np.bincount(person[labels == k]).max() for k in np.unique(labels)) / len(labels)
    assert purity > 0.98


def test_dense_and_pair_evidence_give_the_same_identities():
    rng = np.random.default_rng(3)
    embeddings, spans, transit, _ = random_instance(3, 80, people=6)
    apart_pairs = random_pairs(rng, 80, 40)
    apart_dense = np.zeros((80, 80), bool)
    apart_dense[apart_pairs[:, 0], apart_pairs[:, 1]] = apart_dense[apart_pairs[:, 1], apart_pairs[:, 0]] = True
    for method in ("dense", "sparse"):
        from_pairs = cluster_tracklets(embeddings, spans, 0.5, transit, apart=apart_pairs, method=method)
        from_matrix = cluster_tracklets(embeddings, spans, 0.5, transit, apart=apart_dense, method=method)
        np.testing.assert_array_equal(from_pairs, from_matrix)


def test_together_pairs_merge_dissimilar_tracklets():
    embeddings = np.eye(4, dtype=np.float32)
    spans = [TrackletSpan(c, 0, 1) for c in "abcd"]
    for method in ("dense", "sparse"):
        labels = cluster_tracklets(embeddings, spans, 0.4, together=np.array([[0, 2]]), method=method)
        assert labels.tolist() == [0, 1, 0, 2]


def test_neighbour_pairs_hold_every_pair_above_the_threshold():
    embeddings, *_ = random_instance(5, 300, people=5, noise=0.4)
    similarity = embeddings @ embeddings.T
    expected = {(a, b) for a, b in np.argwhere(np.triu(similarity >= 0.3, 1)).tolist()}
    # k starts at 4 and has to widen: every tracklet has ~60 neighbours above 0.3.
    pairs, similarities = neighbour_pairs(embeddings, 0.3, k=4)
    assert expected <= {tuple(p) for p in pairs.tolist()}
    np.testing.assert_allclose(similarities, similarity[pairs[:, 0], pairs[:, 1]], atol=1e-5)


@pytest.mark.slow
def test_sparse_equals_dense_on_cuhk01_benchmark(assets_dir):
    """benchmarks/association.py (b): CUHK01 test ids of split 0 as 972 two-crop tracklets, calibrated threshold."""
    from crosscam.assets import resolve_dataset
    from crosscam.associate.calibration import load_calibration, tracklet_embeddings
    from crosscam.embed.registry import create_embedder
    from crosscam.reid.datasets import load_dataset
    from crosscam.reid.features import embed_samples

    name = "osnet-x0.25-msmt17"
    split = load_dataset("cuhk01", resolve_dataset("cuhk01", str(assets_dir)))
    samples = [*split.query, *split.gallery]
    embeddings, _, camids = tracklet_embeddings(embed_samples(create_embedder(name, str(assets_dir)), samples), samples)
    spans = [TrackletSpan(str(camera), 0.0, 1.0) for camera in camids]
    threshold = load_calibration(name).threshold
    dense = cluster_tracklets(embeddings, spans, threshold, method="dense")
    np.testing.assert_array_equal(cluster_tracklets(embeddings, spans, threshold, method="sparse"), dense)
    assert dense.max() + 1 < 0.7 * len(spans)


def test_bad_evidence_is_one_line_error():
    with pytest.raises(CrosscamError, match="apart: tracklet index out of range"):
        evidence_pairs(np.array([[0, 5]]), 3, "apart")
    with pytest.raises(CrosscamError, match="together: expected an 3 x 3 boolean matrix"):
        evidence_pairs(np.zeros((3, 3), np.float32), 3, "together")


def test_unknown_method_is_one_line_error():
    with pytest.raises(CrosscamError, match="clustering method 'fast': expected auto, dense or sparse"):
        cluster_tracklets(np.eye(2, dtype=np.float32), [TrackletSpan("a", 0, 1)] * 2, 0.5, method="fast")
