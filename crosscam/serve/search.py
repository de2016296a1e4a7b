"""Search a run by photo or by one of its own crops; the embedder is loaded once, on the first photo search.

The embedding matrix stays in memory (:class:`~crosscam.serve.data.RunData`), so a search is one matrix-vector
product plus the query's embedding. An identity scores as its best-matching appearance, as in ``crosscam query``:
a photo may show the person from one viewpoint only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
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


def best_first(similarity: np.ndarray, top: int) -> Iterator[int]:
    """Rows by decreasing similarity (ties by row): the best ``CANDIDATES_PER_HIT * top`` are sorted first, the
    rest only if the caller reads on (``top`` identities may need more rows, a person having several)."""
    candidates = min(len(similarity), CANDIDATES_PER_HIT * top)
    head = np.argpartition(-similarity, candidates - 1)[:candidates]
    yield from head[np.lexsort((head, -similarity[head]))].tolist()
    if candidates < len(similarity):
        rest = np.setdiff1d(np.arange(len(similarity)), head)
        yield from rest[np.lexsort((rest, -similarity[rest]))].tolist()


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

        ``owners``: embedding row -> (identity, appearance), for every tracklet that belongs to an identity.
        """
        similarity = self.run.embeddings @ query.astype(np.float32)
        hits, best = [], {}
        for row in best_first(similarity, top):
            if row not in owners:
                continue
            identity, appearance = owners[row]
            global_id = identity.global_id
            value = float(similarity[row])
            hit = Hit(appearance, global_id, value, float(self.run.calibration.probability(value)))
            if len(hits) < top:
                hits.append(hit)
            best.setdefault(global_id, hit)
            if len(best) == top:  # then ``top`` appearances were seen too
                break
        return Ranking(list(best.values()), hits)
