"""Batch-hard triplet loss (Hermans et al. 2017, "In Defense of the Triplet Loss").

For every anchor in a PK batch: the farthest same-identity sample and the
nearest other-identity sample (Euclidean distance), hinge with a margin.
"""

from __future__ import annotations

import torch


def batch_hard_triplet_loss(features: torch.Tensor, pids: torch.Tensor, margin: float = 0.3) -> torch.Tensor:
    """Mean over anchors of ``relu(max d(a, p) - min d(a, n) + margin)``."""
    squared = features.pow(2).sum(dim=1)
    # Clamped before the square root so identical features have a finite gradient.
    distances = (squared.view(-1, 1) + squared.view(1, -1) - 2 * features @ features.t()).clamp_min(1e-12).sqrt()
    same = pids.view(-1, 1) == pids.view(1, -1)
    hardest_positive = distances.masked_fill(~same, float("-inf")).amax(dim=1)
    hardest_negative = distances.masked_fill(same, float("inf")).amin(dim=1)
    return torch.relu(hardest_positive - hardest_negative + margin).mean()
