"""Adapt tracklet embeddings to the site without labels: per-camera centring fitted on the run's own tracklets.

A camera's lighting, colour balance and viewpoint add a component that every tracklet embedding of that camera
shares, so two people seen by one camera look more alike than they are, and one person seen by two cameras less.
Subtracting each camera's mean tracklet embedding (then normalising again) removes it
(:func:`centre_per_camera`). The mean must be a mean over many different people, not a person: centring applies
only when every camera has at least ``min_tracklets`` tracklets, otherwise the embeddings stay as they are.
Optional PCA whitening (:func:`whiten`) equalises the remaining directions; it is off by default (see
docs/mtmc.md for what it measured).

The merge threshold is calibrated (:mod:`crosscam.associate.calibration`) on raw cosines, and centred cosines are
on another scale (lower: the shared part is gone). :func:`transfer_threshold` carries it over without labels:
the adapted threshold keeps as many cross-camera tracklet pairs above it as the calibrated one keeps in the raw
space, so the number of candidate merges stays what the calibration chose and only their ranking changes.

Example:
    >>> rng = np.random.default_rng(0)
    >>> raw = l2_normalize(rng.normal(size=(40, 8)) + np.repeat([[3.0] + [0] * 7, [0, 3.0] + [0] * 6], 20, axis=0))
    >>> cameras = ["a"] * 20 + ["b"] * 20
    >>> adapted = adapt(raw, cameras, threshold=0.5, min_tracklets=10)
    >>> adapted.centred, bool(abs(adapted.embeddings[:20].mean(axis=0)).max() < abs(raw[:20].mean(axis=0)).max())
    (True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crosscam.embed.base import l2_normalize

PAIR_SAMPLE = 200_000  # cross-camera pairs the threshold transfer looks at (all of them below this many)


@dataclass(frozen=True)
class Adapted:
    """The embeddings association uses, the threshold that goes with them, and whether they were centred."""

    embeddings: np.ndarray
    threshold: float
    centred: bool


def centre_per_camera(embeddings: np.ndarray, cameras: Sequence[str]) -> np.ndarray:
    """Each row minus its camera's mean row, normalised again (rows equal to their camera's mean stay as zero)."""
    cameras = np.asarray(cameras)
    centred = np.asarray(embeddings, dtype=np.float64).copy()
    for camera in np.unique(cameras):
        rows = cameras == camera
        centred[rows] -= centred[rows].mean(axis=0)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return (centred / np.maximum(norms, 1e-12)).astype(np.float32)


def whiten(embeddings: np.ndarray, shrinkage: float = 0.1) -> np.ndarray:
    """PCA whitening fitted on ``embeddings`` themselves, the covariance shrunk towards its mean eigenvalue by
    ``shrinkage`` (few tracklets estimate the small directions badly), normalised again."""
    x = np.asarray(embeddings, dtype=np.float64)
    x = x - x.mean(axis=0)
    covariance = x.T @ x / max(len(x) - 1, 1)
    values, vectors = np.linalg.eigh(covariance)
    values = (1 - shrinkage) * np.maximum(values, 0) + shrinkage * values.mean()
    return l2_normalize((x @ vectors / np.sqrt(np.maximum(values, 1e-12))).astype(np.float32))


def cross_camera_sample(cameras: Sequence[str], limit: int = PAIR_SAMPLE, seed: int = 0) -> np.ndarray:
    """Index pairs (m x 2) of tracklets from different cameras: all of them, or ``limit`` drawn at random (seeded)."""
    cameras = np.asarray(cameras)
    n = len(cameras)
    if n * (n - 1) // 2 <= limit:
        rows, cols = np.triu_indices(n, k=1)
    else:
        rng = np.random.default_rng(seed)
        rows, cols = rng.integers(0, n, size=(2, limit))
    keep = cameras[rows] != cameras[cols]
    return np.stack([rows[keep], cols[keep]], axis=1)


def transfer_threshold(raw: np.ndarray, adapted: np.ndarray, cameras: Sequence[str], threshold: float) -> float:
    """The similarity in the ``adapted`` space with as many cross-camera pairs above it as ``threshold`` has in the
    ``raw`` one (the same quantile); ``threshold`` itself when there are no cross-camera pairs."""
    pairs = cross_camera_sample(cameras)
    if not len(pairs):
        return threshold
    raw_similarity = np.einsum("ij,ij->i", raw[pairs[:, 0]], raw[pairs[:, 1]])
    adapted_similarity = np.einsum("ij,ij->i", adapted[pairs[:, 0]], adapted[pairs[:, 1]])
    below = float(np.mean(raw_similarity < threshold))
    return float(np.quantile(adapted_similarity, below))


def adapt(
    embeddings: np.ndarray, cameras: Sequence[str], threshold: float, min_tracklets: int, whitening: bool = False
) -> Adapted:
    """Centred (and whitened, if asked) embeddings with their transferred threshold, when every camera has at least
    ``min_tracklets`` tracklets and there are two cameras or more; otherwise ``embeddings`` and ``threshold``."""
    _, counts = np.unique(np.asarray(cameras), return_counts=True)
    if len(counts) < 2 or counts.min() < min_tracklets:
        return Adapted(embeddings, threshold, False)
    adapted = centre_per_camera(embeddings, cameras)
    if whitening:
        adapted = whiten(adapted)
    return Adapted(adapted, transfer_threshold(embeddings, adapted, cameras, threshold), True)
