"""Market-1501 style retrieval metrics: CMC, mAP (non-interpolated) and mINP.

Protocol (DESIGN.md, "Evaluation protocols"): for each query, gallery items with
the same person id AND the same camera are removed before ranking; queries with
no remaining true match are skipped; CMC is averaged over the valid queries; AP
is non-interpolated (the mean of the precision at each true match); mINP is the
mean over queries of ``num_matches / rank of the hardest match`` (Ye et al. 2021).

Every score in :class:`ReidMetrics` is in **percent** (0-100).

Example:
    >>> import numpy as np
    >>> distmat = np.array([[0.1, 0.5, 0.9]])
    >>> m = evaluate_rankings(distmat, np.array([1]), np.array([2, 1, 1]), np.array([0]), np.array([1, 1, 1]))
    >>> round(m.rank1, 1), round(m.mAP, 1), m.num_valid_queries
    (0.0, 58.3, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crosscam.errors import CrosscamError
from crosscam.eval.rerank import RerankParams, rerank_features

MAP_NOTE = "mAP: non-interpolated AP (mean precision at each true match)"
_QUERY_CHUNK = 512  # queries ranked at once: bounds memory at ~chunk x gallery x 13 bytes


@dataclass(frozen=True)
class ReidMetrics:
    """Retrieval scores in percent; ``cmc[k]`` is the rank-(k+1) accuracy."""

    cmc: np.ndarray
    mAP: float
    mINP: float
    num_valid_queries: int

    @property
    def rank1(self) -> float:
        return float(self.cmc[0])

    @property
    def rank5(self) -> float:
        return float(self.cmc[min(4, len(self.cmc) - 1)])

    @property
    def rank10(self) -> float:
        return float(self.cmc[min(9, len(self.cmc) - 1)])

    def as_dict(self) -> dict[str, float]:
        return {"rank1": self.rank1, "rank5": self.rank5, "rank10": self.rank10, "mAP": self.mAP, "mINP": self.mINP}


def cosine_distance(query_features: np.ndarray, gallery_features: np.ndarray) -> np.ndarray:
    """``1 - cosine similarity`` of L2-normalised rows: a ``len(query) x len(gallery)`` float32 matrix."""
    query = np.asarray(query_features, dtype=np.float32)
    gallery = np.asarray(gallery_features, dtype=np.float32)
    return 1.0 - query @ gallery.T


def _as_1d(values, name: str, length: int) -> np.ndarray:
    array = np.asarray(values)
    if array.shape != (length,):
        raise CrosscamError(f"{name} has shape {array.shape}, expected ({length},) to match the distance matrix")
    return array


def per_query_scores(
    distmat: np.ndarray,
    query_pids,
    gallery_pids,
    query_camids,
    gallery_camids,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-query results under the protocol.

    Returns ``(valid, first_match_rank, ap, inp)``: ``valid`` marks queries with at
    least one true match left after removing same-pid-same-camera gallery items;
    ``first_match_rank`` is 1-based (0 where not valid); ``ap`` and ``inp`` are
    fractions (0 where not valid).
    """
    distmat = np.asarray(distmat, dtype=np.float32)
    if distmat.ndim != 2:
        raise CrosscamError(f"distance matrix must be 2-D (queries x gallery), got shape {distmat.shape}")
    num_query, num_gallery = distmat.shape
    query_pids = _as_1d(query_pids, "query_pids", num_query)
    query_camids = _as_1d(query_camids, "query_camids", num_query)
    gallery_pids = _as_1d(gallery_pids, "gallery_pids", num_gallery)
    gallery_camids = _as_1d(gallery_camids, "gallery_camids", num_gallery)

    first = np.zeros(num_query, dtype=np.int64)
    ap = np.zeros(num_query, dtype=np.float64)
    inp = np.zeros(num_query, dtype=np.float64)
    for start in range(0, num_query, _QUERY_CHUNK):
        rows = slice(start, start + _QUERY_CHUNK)
        order = np.argsort(distmat[rows], axis=1, kind="stable")
        same_pid = gallery_pids[order] == query_pids[rows, None]
        same_cam = gallery_camids[order] == query_camids[rows, None]
        kept = ~(same_pid & same_cam)
        matches = same_pid & kept
        # 1-based position of every gallery item in the ranking that remains after removal.
        kept_rank = np.cumsum(kept, axis=1, dtype=np.int32)
        match_count = np.cumsum(matches, axis=1, dtype=np.int32)
        num_matches = match_count[:, -1]
        has_match = num_matches > 0
        precision_at_match = np.where(matches, match_count / np.maximum(kept_rank, 1), 0.0)
        ap[rows] = np.where(has_match, precision_at_match.sum(axis=1) / np.maximum(num_matches, 1), 0.0)
        first_index = np.argmax(matches, axis=1)
        last_index = num_gallery - 1 - np.argmax(matches[:, ::-1], axis=1)
        chunk_rows = np.arange(order.shape[0])
        first[rows] = np.where(has_match, kept_rank[chunk_rows, first_index], 0)
        hardest_rank = kept_rank[chunk_rows, last_index]
        inp[rows] = np.where(has_match, num_matches / np.maximum(hardest_rank, 1), 0.0)
    valid = first > 0
    return valid, first, ap, inp


def evaluate_rankings(
    distmat: np.ndarray,
    query_pids,
    gallery_pids,
    query_camids,
    gallery_camids,
    max_rank: int = 10,
) -> ReidMetrics:
    """CMC up to ``max_rank``, mAP and mINP (percent) of a ``queries x gallery`` distance matrix (smaller = closer)."""
    valid, first, ap, inp = per_query_scores(distmat, query_pids, gallery_pids, query_camids, gallery_camids)
    num_valid = int(valid.sum())
    if num_valid == 0:
        raise CrosscamError("no query has a true match in the gallery from another camera; nothing to evaluate")
    ranks = np.arange(1, max_rank + 1)
    cmc = 100.0 * (first[valid, None] <= ranks[None, :]).mean(axis=0)
    return ReidMetrics(
        cmc=cmc, mAP=100.0 * float(ap[valid].mean()), mINP=100.0 * float(inp[valid].mean()), num_valid_queries=num_valid
    )


def labels_of(samples: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """(pids, camids) arrays of a list of :class:`~crosscam.reid.datasets.ReidSample`."""
    return np.array([s.pid for s in samples], dtype=np.int64), np.array([s.camid for s in samples], dtype=np.int64)


def evaluate_features(
    query_features: np.ndarray,
    gallery_features: np.ndarray,
    query_samples: Sequence,
    gallery_samples: Sequence,
    rerank: RerankParams | None = None,
    max_rank: int = 10,
) -> ReidMetrics:
    """Evaluate L2-normalised features of a split's query and gallery samples (cosine distance).

    ``rerank`` applies k-reciprocal re-ranking with those settings (transductive: report it separately).

    Example:
        >>> from crosscam.reid.datasets import ReidSample
        >>> q = [ReidSample("q.png", 1, 0)]
        >>> g = [ReidSample("a.png", 1, 1), ReidSample("b.png", 2, 1)]
        >>> evaluate_features(np.eye(2)[:1], np.eye(2), q, g).rank1
        100.0
    """
    query_pids, query_camids = labels_of(query_samples)
    gallery_pids, gallery_camids = labels_of(gallery_samples)
    if rerank is not None:
        distmat = rerank_features(query_features, gallery_features, rerank.k1, rerank.k2, rerank.lambda_value)
    else:
        distmat = cosine_distance(query_features, gallery_features)
    return evaluate_rankings(distmat, query_pids, gallery_pids, query_camids, gallery_camids, max_rank=max_rank)
