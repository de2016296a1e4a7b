"""Embed the images of a data set (read from disk, then one Embedder call)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crosscam.embed.base import Embedder
from crosscam.imageio import read_bgr
from crosscam.reid.datasets import ReidSample


def embed_samples(embedder: Embedder, samples: Sequence[ReidSample], progress: bool = True) -> np.ndarray:
    """float32 len(samples) x embedder.dim, unit-norm rows, in the order of ``samples``."""
    crops = [read_bgr(sample.path) for sample in samples]
    return embedder.embed(crops, progress=progress)
