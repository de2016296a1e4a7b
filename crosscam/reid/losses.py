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


def bank_distillation_loss(
    student: torch.Tensor, teacher: torch.Tensor, bank: torch.Tensor, temperature: float
) -> torch.Tensor:
    """KL divergence from the teacher's to the student's similarity distribution over a bank of teacher embeddings.

    ``student`` and ``teacher`` (``N x D``) and ``bank`` (``M x D``) are unit-norm; for each sample, both
    embeddings are compared with every bank entry (cosine / ``temperature``, softmax over the bank). The cosine
    loss only asks the student to point where the teacher points; this asks it to rank the whole training set
    as the teacher ranks it, which is what retrieval measures.
    """
    target = torch.softmax(teacher @ bank.t() / temperature, dim=1)
    log_predicted = torch.log_softmax(student @ bank.t() / temperature, dim=1)
    return torch.nn.functional.kl_div(log_predicted, target, reduction="batchmean")
