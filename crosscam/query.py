"""Rank the identities and tracklets of a stored run by similarity to one query crop.

Asked for the ``top`` identities, the search goes through the run's vector index (``embeddings.faiss``,
:mod:`crosscam.store.vector_index`, written by ``crosscam run``) and fetches only the tracklets it returns, by id;
without ``top``, or when the run has no vector index (or one that does not hold every stored tracklet), every
tracklet is ranked exactly. Up to the vector index's exact limit both give the same ranking.

Example:
    >>> result = search_index("out/epfl", "person.jpg")  # doctest: +SKIP
    >>> [(hit.global_id, round(hit.probability, 2)) for hit in result.identities[:3]]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from crosscam.associate.calibration import Calibration
from crosscam.embed.base import Embedder
from crosscam.errors import CrosscamError
from crosscam.store.index_store import IndexStore
from crosscam.store.vector_index import FILE_NAME, VectorIndex
from crosscam.types import IdentityHit, QueryHit, QueryResult

CANDIDATES_PER_IDENTITY = 10  # first search depth per identity asked for; doubled until enough identities are found


def rank_index(
    store: IndexStore, make_embedder: Callable[[], Embedder], calibration: Calibration, query_bgr: np.ndarray
) -> QueryResult:
    """Every tracklet and every identity, best first, each with cosine similarity and P(same).

    An identity scores as its best-matching appearance: the query may show the person from one viewpoint only.
    The embedder is made only once the index is known to hold tracklets (loading a model costs seconds).
    """
    tracklets = store.tracklets()
    if not tracklets:
        raise CrosscamError(f"{store.folder}: the index holds no tracklets; nothing to search")
    global_ids = store.global_ids()
    _check_assigned(store, sum(t.id not in global_ids for t in tracklets), len(tracklets))
    query = make_embedder().embed([query_bgr])[0]
    similarity = np.stack([t.embedding for t in tracklets]) @ query
    probability = calibration.probability(similarity)
    ranked = tuple(
        QueryHit(tracklets[i], global_ids.get(tracklets[i].id), float(similarity[i]), float(probability[i]))
        for i in np.argsort(-similarity, kind="stable")
    )
    return QueryResult(ranked, _identities(ranked))


def rank_vectors(
    store: IndexStore,
    index: VectorIndex,
    make_embedder: Callable[[], Embedder],
    calibration: Calibration,
    query_bgr: np.ndarray,
    top: int,
) -> QueryResult:
    """The ``top`` best identities and the tracklets searched to find them, best first, from ``index``.

    The search returns ``CANDIDATES_PER_IDENTITY * top`` tracklets, twice as many until they hold ``top``
    identities (or the whole index); only those tracklets are read from the store.
    """
    if top <= 0:
        raise CrosscamError(f"top = {top}: ask for at least one identity")
    if not len(index):
        raise CrosscamError(f"{store.folder}: the index holds no tracklets; nothing to search")
    query = make_embedder().embed([query_bgr])[0]
    k = min(len(index), CANDIDATES_PER_IDENTITY * top)
    while True:
        ids, similarity = (row[0] for row in index.search(query, k))
        ids, similarity = ids[ids >= 0], similarity[ids >= 0].astype(np.float64)
        global_ids = store.global_ids(ids.tolist())
        _check_assigned(store, sum(int(i) not in global_ids for i in ids), len(ids), "of the best-matching ")
        if len(set(global_ids.values())) >= top or k == len(index):
            break
        k = min(len(index), 2 * k)
    tracklets = store.tracklets_by_id(ids.tolist())
    probability = calibration.probability(similarity)
    ranked = tuple(
        QueryHit(tracklets[int(i)], global_ids[int(i)], float(s), float(p))
        for i, s, p in zip(ids, similarity, probability, strict=True)
    )
    return QueryResult(ranked, _identities(ranked)[:top])


def _check_assigned(store: IndexStore, unassigned: int, total: int, which: str = "") -> None:
    if unassigned:
        raise CrosscamError(
            f"{store.folder}: {unassigned} of {total} {which}tracklets have no identity: the run that wrote this "
            "index did not finish (killed or failed); rerun the same `crosscam run` command to complete it"
        )


def _identities(ranked: tuple[QueryHit, ...]) -> tuple[IdentityHit, ...]:
    identities: dict[int, IdentityHit] = {}
    for hit in ranked:  # best first, so the first hit of an identity is its best appearance
        if hit.global_id is not None and hit.global_id not in identities:
            identities[hit.global_id] = IdentityHit(hit.global_id, hit)
    return tuple(identities.values())


def open_vector_index(store: IndexStore) -> VectorIndex | None:
    """The run's vector index, or None when there is none or it does not hold exactly the stored tracklets' count
    (an older run, or one killed between storing a camera and updating it)."""
    path = store.folder / FILE_NAME
    if not path.is_file():
        return None
    index = VectorIndex.load(path)
    return index if len(index) == store.tracklet_count() else None


def search_index(
    folder: str | Path, query: str | Path | np.ndarray, assets: str | Path | None = None, top: int | None = None
) -> QueryResult:
    """Rank a run folder's identities and tracklets by a query crop (an image file or a BGR array).

    The embedder and its calibration are the ones the run used (from the index's metadata); its weights are
    looked for in ``assets``, else where the run found them. ``top``: only the ``top`` best identities, through the
    run's vector index when it has one (module docstring); None: every identity and every tracklet.
    """
    from crosscam.embed.registry import create_embedder
    from crosscam.imageio import read_bgr

    store = IndexStore.open(folder)
    try:
        meta = store.meta()
        if "embedder" not in meta or "calibration" not in meta:
            raise CrosscamError(f"{folder}: the index names no embedder; make it with `crosscam run` or run_cameras")
        image = query if isinstance(query, np.ndarray) else read_bgr(query)
        assets_dir = str(assets) if assets is not None else meta.get("assets")

        calibration = Calibration(**meta["calibration"])
        make_embedder = lambda: create_embedder(meta["embedder"], assets_dir)  # noqa: E731
        index = None if top is None else open_vector_index(store)
        if index is None:
            result = rank_index(store, make_embedder, calibration, image)
            if top is not None:
                result = replace(result, identities=result.identities[:top])
        else:
            result = rank_vectors(store, index, make_embedder, calibration, image, top)
        return replace(result, embedder=meta["embedder"])
    finally:
        store.close()


def hit_json(hit: QueryHit) -> dict:
    return {
        "global_id": hit.global_id,
        "camera": hit.tracklet.camera,
        "track_id": hit.tracklet.track_id,
        "start_s": round(hit.tracklet.start, 3),
        "end_s": round(hit.tracklet.end, 3),
        "similarity": round(hit.similarity, 4),
        "probability": round(hit.probability, 4),
        "thumbnail": hit.tracklet.thumbnail,
    }


def result_json(result: QueryResult) -> dict:
    """The JSON form of ``crosscam query --json``: ``{"tracklets": [...], "identities": [...]}``, best first."""
    return {
        "tracklets": [hit_json(hit) for hit in result.tracklets],
        "identities": [
            {
                "global_id": hit.global_id,
                "similarity": round(hit.similarity, 4),
                "probability": round(hit.probability, 4),
                "best_appearance": hit_json(hit.best),
            }
            for hit in result.identities
        ],
    }
