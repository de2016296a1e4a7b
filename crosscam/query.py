"""Rank the identities and tracklets of a stored run by similarity to one query crop.

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
from crosscam.types import IdentityHit, QueryHit, QueryResult


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
    unassigned = sum(t.id not in global_ids for t in tracklets)
    if unassigned:
        raise CrosscamError(
            f"{store.folder}: {unassigned} of {len(tracklets)} tracklets have no identity: the run that wrote this "
            "index did not finish (killed or failed); rerun the same `crosscam run` command to complete it"
        )
    query = make_embedder().embed([query_bgr])[0]
    similarity = np.stack([t.embedding for t in tracklets]) @ query
    probability = calibration.probability(similarity)
    ranked = tuple(
        QueryHit(tracklets[i], global_ids.get(tracklets[i].id), float(similarity[i]), float(probability[i]))
        for i in np.argsort(-similarity, kind="stable")
    )
    identities: dict[int, IdentityHit] = {}
    for hit in ranked:  # best first, so the first hit of an identity is its best appearance
        if hit.global_id is not None and hit.global_id not in identities:
            identities[hit.global_id] = IdentityHit(hit.global_id, hit)
    return QueryResult(ranked, tuple(identities.values()))


def search_index(folder: str | Path, query: str | Path | np.ndarray, assets: str | Path | None = None) -> QueryResult:
    """Rank a run folder's identities and tracklets by a query crop (an image file or a BGR array).

    The embedder and its calibration are the ones the run used (from the index's metadata); its weights are
    looked for in ``assets``, else where the run found them.
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
        result = rank_index(store, lambda: create_embedder(meta["embedder"], assets_dir), calibration, image)
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
