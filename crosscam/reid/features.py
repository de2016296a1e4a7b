"""Embed the images of a data set: read them from disk (with a progress bar), then one Embedder call."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from crosscam.embed.base import Embedder
from crosscam.imageio import read_bgr
from crosscam.reid.datasets import ReidSample


def embed_timed(embedder: Embedder, samples: Sequence[ReidSample]) -> tuple[np.ndarray, float]:
    """(features in the order of ``samples``, crops per second of the embedding itself, decoding excluded)."""
    crops = [read_bgr(sample.path) for sample in tqdm(samples, desc="read crops", unit="img", leave=False)]
    start = time.perf_counter()
    features = embedder.embed(crops, progress=True)
    return features, len(crops) / max(time.perf_counter() - start, 1e-9)


def embed_samples(embedder: Embedder, samples: Sequence[ReidSample]) -> np.ndarray:
    """float32 len(samples) x embedder.dim, unit-norm rows, in the order of ``samples``."""
    return embed_timed(embedder, samples)[0]
