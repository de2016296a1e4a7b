"""Constrained average-linkage clustering of tracklets into global identities.

Tracklets are merged greedily, best pair of clusters first, while the pair's
mean cosine similarity (average linkage) is at least ``threshold`` and no
cannot-link constraint is violated. Two tracklets cannot be one person when:

* they come from the same camera and overlap in time (one person is not in two
  places of one picture), or
* they come from different cameras and the gap between them is outside the
  allowed transit time of that camera pair (when one is configured), or
* calibrated overlapping cameras see them standing apart at the same moments
  (``apart``, from :func:`crosscam.associate.ground_plane.ground_evidence`).

Pairs seen standing at the same spot at the same moments (``together``) count
as similarity 1 whatever their appearance.

A cluster inherits the constraints of its members, so the constraint holds for
every pair inside every identity. The threshold is not guessed: it comes from
:mod:`crosscam.associate.calibration` (similarity where P(same person) = 0.5).

Example:
    >>> import numpy as np
    >>> spans = [TrackletSpan("a", 0, 5), TrackletSpan("b", 10, 12), TrackletSpan("a", 20, 30)]
    >>> emb = np.array([[1, 0], [0.9, 0.436], [0, 1]], dtype=np.float32)
    >>> cluster_tracklets(emb, spans, threshold=0.5).tolist()
    [0, 0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrackletSpan:
    """Where and when a tracklet was seen: camera name and [start, end] in seconds on a shared clock."""

    camera: str
    start: float
    end: float


@dataclass(frozen=True)
class TransitWindow:
    """Allowed gap (seconds) between leaving ``camera_a`` and appearing in ``camera_b`` (either direction)."""

    camera_a: str
    camera_b: str
    min_seconds: float
    max_seconds: float


def cannot_link_matrix(spans: list[TrackletSpan], transit: list[TransitWindow] = ()) -> np.ndarray:
    """Boolean n x n matrix: True where two tracklets can never be the same person."""
    n = len(spans)
    cameras = np.array([s.camera for s in spans])
    starts = np.array([s.start for s in spans], dtype=np.float64)
    ends = np.array([s.end for s in spans], dtype=np.float64)
    same_camera = cameras[:, None] == cameras[None, :]
    overlap = (starts[:, None] <= ends[None, :]) & (starts[None, :] <= ends[:, None])
    forbidden = same_camera & overlap
    # Gap between two intervals: 0 when they overlap, else the time from the earlier end to the later start.
    gap = np.maximum(0.0, np.maximum(starts[:, None] - ends[None, :], starts[None, :] - ends[:, None]))
    for window in transit:
        pair = ((cameras[:, None] == window.camera_a) & (cameras[None, :] == window.camera_b)) | (
            (cameras[:, None] == window.camera_b) & (cameras[None, :] == window.camera_a)
        )
        forbidden |= pair & ((gap < window.min_seconds) | (gap > window.max_seconds))
    np.fill_diagonal(forbidden, False)
    return forbidden if n else np.zeros((0, 0), dtype=bool)


def cluster_tracklets(
    embeddings: np.ndarray,
    spans: list[TrackletSpan],
    threshold: float,
    transit: list[TransitWindow] = (),
    apart: np.ndarray | None = None,
    together: np.ndarray | None = None,
) -> np.ndarray:
    """Global identity label (0..k-1, in order of first appearance) for each tracklet.

    ``embeddings`` are L2-normalised tracklet embeddings (n x d); similarity is their dot product.
    ``apart`` / ``together``: optional n x n boolean ground-plane evidence (see module docstring).
    """
    n = len(spans)
    if embeddings.shape[0] != n:
        raise ValueError(f"{embeddings.shape[0]} embeddings for {n} tracklets")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    similarity = (embeddings @ embeddings.T).astype(np.float64)
    forbidden = cannot_link_matrix(spans, transit)
    if apart is not None:
        forbidden |= apart
    if together is not None:
        similarity[together] = 1.0
    # Cluster-level state: summed similarity between clusters, sizes, and constraint rows.
    linkage_sum = similarity.copy()
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    labels = np.arange(n)
    while True:
        mean_link = linkage_sum / np.outer(sizes, sizes)
        blocked = forbidden | ~alive[:, None] | ~alive[None, :] | np.eye(n, dtype=bool)
        mean_link[blocked] = -np.inf
        best = int(np.argmax(mean_link))
        i, j = divmod(best, n)
        if mean_link[i, j] < threshold:
            break
        # Merge j into i (Lance-Williams for average linkage is just adding the sums).
        linkage_sum[i, :] += linkage_sum[j, :]
        linkage_sum[:, i] += linkage_sum[:, j]
        sizes[i] += sizes[j]
        forbidden[i, :] |= forbidden[j, :]
        forbidden[:, i] |= forbidden[:, j]
        alive[j] = False
        labels[labels == j] = i
    # Relabel 0..k-1 in order of first appearance.
    _, first_index, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_index))
    return order[inverse].astype(np.int64)
