"""Search a run by photo or by one of its own crops; the embedder is loaded once, on the first photo search.

A search goes through the run's vector index (``embeddings.faiss``, :mod:`crosscam.store.vector_index`), the one
``crosscam query`` searches: exact up to its exact limit, an inverted file above, so a search of a million
tracklets reads a few thousand vectors, not all. An identity scores as its best-matching appearance, as in
``crosscam query``: a photo may show the person from one viewpoint only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from crosscam.embed.base import Embedder
from crosscam.errors import CrosscamError
from crosscam.serve.data import RunData
from crosscam.serve.view import AppearanceView, IdentityView

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
CANDIDATES_PER_HIT = 10


@dataclass(frozen=True)
class Hit:
    appearance: AppearanceView
    global_id: int
    similarity: float
    probability: float


@dataclass(frozen=True)
class Ranking:
    identities: list[Hit]  # each identity's best appearance, best first
    appearances: list[Hit]  # every appearance, best first


def decode_image(data: bytes, name: str = "upload") -> np.ndarray:
    """An uploaded file as a BGR image; a one-line CrosscamError when it is not one."""
    if not data:
        raise CrosscamError(f"{name}: empty file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise CrosscamError(f"{name}: larger than {MAX_UPLOAD_BYTES // 2**20} MiB")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise CrosscamError(f"{name}: not an image (expected JPEG, PNG, BMP or WebP)")
    return image


def default_embedder_factory(run: RunData, assets: str | None) -> Callable[[], Embedder]:
    """The run's own embedder, from ``assets`` or where the run found its models."""

    def make() -> Embedder:
        from crosscam.embed.registry import create_embedder

        return create_embedder(run.embedder, assets or run.assets)

    return make


class Searcher:
    def __init__(self, run: RunData, make_embedder: Callable[[], Embedder]):
        self.run = run
        self._make_embedder = make_embedder
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()

    def embed(self, image_bgr: np.ndarray) -> np.ndarray:
        with self._lock:  # one model instance, loaded once, used by one request at a time
            if self._embedder is None:
                self._embedder = self._make_embedder()
            return self._embedder.embed([image_bgr])[0]

    def rank(self, query: np.ndarray, owners: dict[int, tuple[IdentityView, AppearanceView]], top: int = 20) -> Ranking:
        """The ``top`` appearances and identities by cosine similarity to the unit vector ``query``.

        ``owners``: embedding row -> (identity, appearance), for every tracklet that belongs to an identity. The
        search is the run's vector index (:attr:`RunData.vectors`, as ``crosscam query``'s): the best
        ``CANDIDATES_PER_HIT * top`` tracklets, twice as many until they hold ``top`` identities.
        """
        run = self.run

        def owned(ids: np.ndarray, similarities: np.ndarray) -> list[tuple[int, float]]:
            rows = [(run.row_of.get(int(i), -1), float(s)) for i, s in zip(ids, similarities, strict=True)]
            return [(row, s) for row, s in rows if row in owners]

        def enough(ids: np.ndarray, similarities: np.ndarray) -> bool:
            return len({owners[row][0].global_id for row, _ in owned(ids, similarities)}) >= top

        query = query.astype(np.float32)
        found = owned(*run.vectors.search_until(query, CANDIDATES_PER_HIT * top, enough))
        hits, best = [], {}
        for row, value in sorted(found, key=lambda hit: (-hit[1], hit[0])):
            identity, appearance = owners[row]
            global_id = identity.global_id
            hit = Hit(appearance, global_id, value, float(run.calibration.probability(value)))
            if len(hits) < top:
                hits.append(hit)
            best.setdefault(global_id, hit)
            if len(best) == top:  # then ``top`` appearances were seen too
                break
        return Ranking(list(best.values()), hits)
