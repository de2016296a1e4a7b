"""The one interface every appearance model sits behind.

An :class:`Embedder` turns a list of BGR uint8 person crops (any sizes) into a
float32 ``N x dim`` matrix whose rows have unit L2 norm. Subclasses implement
:meth:`Embedder._embed_batch` on one batch of crops; batching, normalisation
and the optional progress bar live here, once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from tqdm import tqdm


def l2_normalize(features: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    features = np.asarray(features, dtype=np.float32)
    return features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), eps)


class Embedder(ABC):
    """Person crops in, unit-norm embeddings out.

    Attributes:
        name: registry name (``crosscam embedders`` lists them).
        dim: embedding dimension.
        input_size: (height, width) the crops are resized to.
        batch_size: crops per forward pass.
    """

    name: str
    dim: int
    input_size: tuple[int, int]
    batch_size: int = 32

    @abstractmethod
    def _embed_batch(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Raw (not necessarily normalised) features of one batch, shape ``len(crops) x dim``."""

    def embed(self, crops: Sequence[np.ndarray], progress: bool = False) -> np.ndarray:
        """Embed BGR uint8 crops; returns float32 ``N x dim`` with unit-norm rows."""
        if len(crops) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        starts = range(0, len(crops), self.batch_size)
        if progress:
            starts = tqdm(starts, desc=f"embed {self.name}", unit="batch", leave=False)
        chunks = [self._embed_batch(crops[start : start + self.batch_size]) for start in starts]
        return l2_normalize(np.concatenate(chunks, axis=0))

    def __repr__(self) -> str:
        height, width = self.input_size
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, input={height}x{width})"
