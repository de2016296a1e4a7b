"""Search through the run's vector index: the same ranking as an exhaustive scan, and the run's own index file."""

import numpy as np

from crosscam.embed.base import l2_normalize
from crosscam.embed.registry import create_embedder
from crosscam.serve.data import RunData
from crosscam.serve.search import Searcher
from crosscam.serve.view import build_identities
from crosscam.store.vector_index import FILE_NAME, VectorIndex

from .conftest import person_photo


def _owners(run: RunData) -> dict:
    identities, _ = build_identities(run, [])
    return {a.row: (identity, a) for identity in identities.values() for a in identity.appearances}


def _exhaustive(run: RunData, owners: dict, query: np.ndarray, top: int) -> tuple[list, list]:
    """The definition: every row scored, best first (ties by row); the first ``top`` rows and identities."""
    similarity = run.embeddings @ query
    rows = [int(r) for r in np.lexsort((np.arange(len(similarity)), -similarity)) if int(r) in owners]
    identities = list(dict.fromkeys(owners[r][0].global_id for r in rows))[:top]
    return rows[:top], identities


def test_index_search_ranks_as_an_exhaustive_scan(run_folder):
    run = RunData.open(run_folder)  # the drawn run has no embeddings.faiss: an exact index of its rows
    assert len(run.vectors) == len(run.tracklets) and run.vectors.exact
    owners, searcher, embedder = _owners(run), Searcher(run, lambda: None), create_embedder("hsv-stripes")
    for person in "ABC":
        query = l2_normalize(embedder.embed([person_photo(person)]))[0]
        for top in (1, 2, 4):
            ranking = searcher.rank(query, owners, top)
            rows, identities = _exhaustive(run, owners, query, top)
            assert [hit.appearance.row for hit in ranking.appearances] == rows
            assert [hit.global_id for hit in ranking.identities] == identities
            np.testing.assert_allclose([h.similarity for h in ranking.appearances], run.embeddings[rows] @ query, 1e-5)


def test_the_run_s_vector_index_file_is_what_is_searched(run_folder):
    fresh = RunData.open(run_folder)
    owners = _owners(fresh)
    a_rows = [r for r, (identity, _) in owners.items() if identity.global_id in (0, 2)]  # person A
    c_row = next(r for r, (identity, _) in owners.items() if identity.global_id == 3)
    vectors = fresh.embeddings.copy()
    vectors[a_rows] = vectors[c_row]  # an index file that says A looks like C
    index = VectorIndex(vectors.shape[1])
    index.add([t.id for t in fresh.tracklets], vectors)
    index.save(run_folder / FILE_NAME)
    run = RunData.open(run_folder)
    query = fresh.embeddings[c_row]
    top = Searcher(run, lambda: None).rank(query, owners, 3).identities
    assert {hit.global_id for hit in top} == {0, 2, 3}  # A's tracklets now match C exactly, through the file
    assert Searcher(fresh, lambda: None).rank(query, owners, 1).identities[0].global_id == 3
    index.remove([fresh.tracklets[0].id])  # stale: does not hold every tracklet -> the exact rows instead
    index.save(run_folder / FILE_NAME)
    assert RunData.open(run_folder).vectors.items()[0].size == len(fresh.tracklets)
