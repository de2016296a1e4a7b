"""Score global identities against ground truth.

* Pairwise precision / recall / F1 of the same-person decisions over all
  unordered pairs of tracklets (a pair is positive when both carry the same
  ground-truth id).
* IDF1 over boxes, computed by TrackEval's ``Identity`` metric: every
  (camera, frame) is one time step, each box carries its ground-truth id and the
  predicted global id of its tracklet, and a box matches only itself.

Example:
    >>> pairwise_scores([0, 0, 1, 1], [5, 5, 5, 7]).f1
    0.4
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crosscam.errors import CrosscamError


@dataclass(frozen=True)
class PairwiseScores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int


def pairwise_scores(true_ids: Sequence, predicted_ids: Sequence) -> PairwiseScores:
    """Pairwise same-person precision / recall / F1 over all unordered pairs, counted from the contingency table
    of (true, predicted) labels: a cell, row or column of ``m`` tracklets holds ``m (m - 1) / 2`` pairs. O(n log n)
    time and O(n) memory, so a million tracklets are scored in a second (no n x n matrix)."""
    true_ids, predicted_ids = np.asarray(true_ids), np.asarray(predicted_ids)
    if true_ids.shape != predicted_ids.shape or true_ids.ndim != 1:
        raise CrosscamError(f"pairwise scores: {true_ids.size} true ids against {predicted_ids.size} predicted ids")
    if len(true_ids) == 0:
        return PairwiseScores(1.0, 1.0, 1.0, 0, 0)
    true_index = np.unique(true_ids, return_inverse=True)[1].reshape(-1).astype(np.int64)
    pred_index = np.unique(predicted_ids, return_inverse=True)[1].reshape(-1).astype(np.int64)
    cells = np.unique(true_index * (int(pred_index.max()) + 1) + pred_index, return_counts=True)[1]
    agreed = _pairs(cells)
    n_true, n_pred = _pairs(np.bincount(true_index)), _pairs(np.bincount(pred_index))
    precision = agreed / n_pred if n_pred else 1.0
    recall = agreed / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScores(precision, recall, f1, n_true, n_pred)


def _pairs(counts: np.ndarray) -> int:
    """Unordered pairs within groups of the given sizes."""
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def identity_f1(timesteps: Sequence, true_ids: Sequence, predicted_ids: Sequence) -> dict[str, float]:
    """IDF1 / IDP / IDR (fractions) of per-box identities; ``timesteps`` groups boxes seen at one moment."""
    from trackeval.metrics import Identity

    timesteps, true_ids, predicted_ids = map(np.asarray, (timesteps, true_ids, predicted_ids))
    _, true_index = np.unique(true_ids, return_inverse=True)
    _, pred_index = np.unique(predicted_ids, return_inverse=True)
    data = {"gt_ids": [], "tracker_ids": [], "similarity_scores": []}
    for step in np.unique(timesteps):
        rows = np.flatnonzero(timesteps == step)
        for ids, what in ((true_ids, "true"), (predicted_ids, "predicted")):
            if len(np.unique(ids[rows])) < len(rows):
                raise ValueError(f"time step {step!r} holds one {what} id twice; use (camera, frame) steps")
        data["gt_ids"].append(true_index[rows])
        data["tracker_ids"].append(pred_index[rows])
        data["similarity_scores"].append(np.eye(len(rows)))
    data.update(
        num_gt_ids=int(true_index.max()) + 1,
        num_tracker_ids=int(pred_index.max()) + 1,
        num_gt_dets=len(true_ids),
        num_tracker_dets=len(predicted_ids),
    )
    result = Identity({"PRINT_CONFIG": False}).eval_sequence(data)
    return {key: float(result[key]) for key in ("IDF1", "IDP", "IDR")}
