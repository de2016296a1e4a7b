"""Rank the identities and tracklets of a stored run by similarity to one query crop."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from crosscam.associate.calibration import Calibration
from crosscam.embed.base import Embedder
from crosscam.errors import CrosscamError
from crosscam.store.index_store import IndexStore


def rank_index(
    store: IndexStore, make_embedder: Callable[[], Embedder], calibration: Calibration, query_bgr: np.ndarray
) -> dict:
    """``{"tracklets": [...], "identities": [...]}``, best first, each with cosine similarity and P(same).

    An identity scores as its best-matching appearance: the query may show the person from one viewpoint only.
    The embedder is made only once the index is known to hold tracklets (loading a model costs seconds).
    """
    tracklets = store.tracklets()
    if not tracklets:
        raise CrosscamError(f"{store.folder}: the index holds no tracklets; nothing to search")
    assigned = store.identities()
    query = make_embedder().embed([query_bgr])[0]
    similarity = np.stack([t.embedding for t in tracklets]) @ query
    probability = calibration.probability(similarity)
    ranked = []
    for index in np.argsort(-similarity):
        tracklet = tracklets[index]
        ranked.append(
            {
                "global_id": assigned.get(tracklet.id, (None, 0.0))[0],
                "camera": tracklet.camera,
                "track_id": tracklet.track_id,
                "start_s": round(tracklet.start_s, 3),
                "end_s": round(tracklet.end_s, 3),
                "similarity": round(float(similarity[index]), 4),
                "probability": round(float(probability[index]), 4),
                "thumbnail": tracklet.thumbnail,
            }
        )
    identities: dict[int, dict] = {}
    for hit in ranked:  # best first, so the first hit of an identity is its best appearance
        if hit["global_id"] is not None and hit["global_id"] not in identities:
            identities[hit["global_id"]] = {
                "global_id": hit["global_id"],
                "similarity": hit["similarity"],
                "probability": hit["probability"],
                "best_appearance": hit,
            }
    return {"tracklets": ranked, "identities": list(identities.values())}
