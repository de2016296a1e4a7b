import numpy as np
import pytest

from crosscam.embed.base import l2_normalize
from crosscam.errors import CrosscamError
from crosscam.store.vector_index import FILE_NAME, VectorIndex


def clustered(n: int, dim: int = 32, seed: int = 0, group: int = 4) -> np.ndarray:
    """Unit vectors around n // group centres, like tracklets of people seen a few times."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(1, n // group), dim))
    return l2_normalize(centres[rng.integers(0, len(centres), n)] + 0.5 * rng.normal(size=(n, dim)))


def exact_top(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    order = np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]
    return ids[order]


def test_flat_search_is_exact_and_excludes():
    vectors = clustered(400)
    ids = np.arange(1000, 1400)
    index = VectorIndex(32)
    index.add(ids, vectors)
    assert index.exact and len(index) == 400
    found, similarities = index.search(vectors[:20], 5)
    np.testing.assert_array_equal(found, exact_top(vectors, ids, vectors[:20], 5))
    np.testing.assert_allclose(similarities[:, 0], 1.0, atol=1e-5)  # each query finds itself first
    found, _ = index.search(vectors[:1], 5, exclude=[1000])
    np.testing.assert_array_equal(found[0], exact_top(vectors, ids, vectors[:1], 6)[0, 1:])


def test_remove_is_by_id_and_add_replaces():
    vectors = clustered(100)
    index = VectorIndex(32)
    index.add(np.arange(100), vectors)
    assert index.remove([3, 7, 12345]) == 2
    assert len(index) == 98
    found, _ = index.search(vectors[[3, 7]], 98)
    assert not np.isin(found, [3, 7]).any()
    index.add([5], vectors[50:51])  # tracklet 5 now holds another embedding
    assert len(index) == 98
    assert set(index.search(vectors[50], 2)[0][0].tolist()) == {5, 50}


def test_grows_into_an_ivf_index_with_high_recall_and_keeps_removals(tmp_path):
    vectors = clustered(6000, seed=1, group=30)  # the 10 nearest are (nearly all) in the query's own group
    ids = np.arange(6000) * 3
    index = VectorIndex(32, exact_limit=2000)
    index.add(ids[:1500], vectors[:1500])
    index.add(ids[1500:], vectors[1500:])
    assert not index.exact and len(index) == 6000
    queries = vectors[:200]
    found, _ = index.search(queries, 10, exclude=[0])
    truth = exact_top(vectors[1:], ids[1:], queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found.tolist(), truth.tolist(), strict=True)])
    assert recall >= 0.95
    assert index.remove(ids[:100]) == 100
    index.save(tmp_path / FILE_NAME)
    loaded = VectorIndex.load(tmp_path / FILE_NAME, exact_limit=2000)
    assert not loaded.exact and len(loaded) == 5900
    np.testing.assert_array_equal(loaded.search(queries, 10)[0], index.search(queries, 10)[0])
    assert not np.isin(loaded.search(queries, 10)[0], ids[:100]).any()
    assert loaded.remove(ids[100:110]) == 10


def test_save_load_round_trip_and_atomic_replace(tmp_path):
    vectors = clustered(50)
    index = VectorIndex(32)
    index.add(np.arange(50), vectors)
    path = tmp_path / FILE_NAME
    index.save(path)
    index.remove(np.arange(25))
    index.save(path)  # replaces the file in one rename: no temporary left beside it
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]
    loaded = VectorIndex.load(path)
    assert len(loaded) == 25 and loaded.exact
    ids, vectors_back = loaded.items()
    np.testing.assert_allclose(vectors_back[np.argsort(ids)], vectors[25:], atol=1e-6)


def test_empty_index_and_bad_input(tmp_path):
    index = VectorIndex(4)
    ids, similarities = index.search(np.ones(4, np.float32), 3)
    assert ids.tolist() == [[-1, -1, -1]] and np.isneginf(similarities).all()
    with pytest.raises(CrosscamError, match="expected 4-dimensional vectors"):
        index.add([1], np.ones((1, 5)))
    with pytest.raises(CrosscamError, match="2 ids for 1 embeddings"):
        index.add([1, 2], np.ones((1, 4)))
    with pytest.raises(CrosscamError, match="NaN"):
        index.add([1], np.full((1, 4), np.nan))
    with pytest.raises(CrosscamError, match="no vector index file"):
        VectorIndex.load(tmp_path / "missing.faiss")
    (tmp_path / "junk.faiss").write_bytes(b"not an index")
    with pytest.raises(CrosscamError, match="junk.faiss: not a readable vector index"):
        VectorIndex.load(tmp_path / "junk.faiss")


def test_search_until_deepens_until_enough():
    vectors = clustered(200, seed=3)
    index = VectorIndex(vectors.shape[1])
    index.add(np.arange(200) + 1000, vectors)
    seen = []

    def enough(ids, similarities):
        seen.append(len(ids))
        return len(set((ids // 4).tolist())) >= 3  # three groups of four among the hits

    ids, similarities = index.search_until(vectors[0], 2, enough)
    assert seen[0] == 2 and seen == sorted(seen) and len(ids) == seen[-1] and len(set((ids // 4).tolist())) >= 3
    np.testing.assert_array_equal(ids, index.search(vectors[0], len(ids))[0][0])
    assert np.all(np.diff(similarities) <= 0)
    everything, _ = index.search_until(vectors[0], 5, lambda ids, s: False)  # never enough: the whole index
    assert sorted(everything.tolist()) == list(range(1000, 1200))
    assert VectorIndex(4).search_until(np.ones(4, np.float32), 3, lambda ids, s: False)[0].size == 0
