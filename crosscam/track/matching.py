"""Box overlap and minimum-cost assignment (lap's Jonker-Volgenant solver)."""

from __future__ import annotations

import lap
import numpy as np


def iou_matrix(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of ``N x 4`` and ``M x 4`` xyxy boxes."""
    if len(boxes_a) == 0 or len(boxes_b) == 0:
        return np.zeros((len(boxes_a), len(boxes_b)))
    a, b = boxes_a[:, None, :], boxes_b[None, :, :]
    width = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    height = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    intersection = width * height
    area_a = (boxes_a[:, 2] - boxes_a[:, 0]) * (boxes_a[:, 3] - boxes_a[:, 1])
    area_b = (boxes_b[:, 2] - boxes_b[:, 0]) * (boxes_b[:, 3] - boxes_b[:, 1])
    return intersection / np.maximum(area_a[:, None] + area_b[None, :] - intersection, 1e-9)


def assign(cost: np.ndarray, max_cost: float) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Minimum-cost one-to-one matching where no pair costs more than ``max_cost``.

    Returns (matched (row, column) pairs, unmatched rows, unmatched columns).
    """
    rows, cols = cost.shape
    if rows == 0 or cols == 0:
        return [], list(range(rows)), list(range(cols))
    _, row_to_col, col_to_row = lap.lapjv(np.asarray(cost, dtype=np.float64), extend_cost=True, cost_limit=max_cost)
    matches = [(row, int(col)) for row, col in enumerate(row_to_col) if col >= 0]
    return matches, [r for r in range(rows) if row_to_col[r] < 0], [c for c in range(cols) if col_to_row[c] < 0]
