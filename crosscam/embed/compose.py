"""Embedders built from other embedders: horizontal-flip test-time augmentation and weighted fusion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crosscam.embed.base import Embedder


class FlipEmbedder(Embedder):
    """Mean of the unit embeddings of each crop and its mirror image (normalised again by :meth:`embed`)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = f"{inner.name}:flip"
        self.dim, self.input_size, self.batch_size = inner.dim, inner.input_size, inner.batch_size

    def _embed_batch(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        mirrored = [np.ascontiguousarray(crop[:, ::-1]) for crop in crops]
        both = self.inner.embed([*crops, *mirrored])
        return (both[: len(crops)] + both[len(crops) :]) / 2


class FusedEmbedder(Embedder):
    """Weighted fusion: each part's unit embedding scaled by ``sqrt(weight / sum of weights)``, concatenated.

    The fused vector has unit norm, and for two crops ``a``, ``b`` the fused cosine similarity is
    exactly the weighted mean of the parts' cosines::

        cos(a, b) = sum_i (w_i / W) * cos_i(a, b),   W = sum_i w_i

    so fused features drop into any cosine-distance ranking or clustering unchanged.
    ``input_size`` is the first part's (each part resizes the crops itself).
    """

    def __init__(self, parts: Sequence[tuple[Embedder, float]]) -> None:
        total = sum(weight for _, weight in parts)
        self.parts = [(embedder, float(np.sqrt(weight / total))) for embedder, weight in parts]
        self.name = "+".join(f"{embedder.name}*{weight:g}" for embedder, weight in parts)
        self.dim = sum(embedder.dim for embedder, _ in parts)
        self.input_size = parts[0][0].input_size
        self.batch_size = max(embedder.batch_size for embedder, _ in parts)

    def _embed_batch(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        return np.concatenate([scale * embedder.embed(crops) for embedder, scale in self.parts], axis=1)
