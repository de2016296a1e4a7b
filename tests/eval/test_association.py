"""Pairwise same-person scores from the contingency table equal those of every pair compared."""

import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.eval.association import pairwise_scores


def _all_pairs(true_ids, predicted_ids):
    """The reference: an n x n comparison of every unordered pair."""
    true_ids, predicted_ids = np.asarray(true_ids), np.asarray(predicted_ids)
    upper = np.triu(np.ones((len(true_ids), len(true_ids)), dtype=bool), k=1)
    same_true = (true_ids[:, None] == true_ids[None, :]) & upper
    same_pred = (predicted_ids[:, None] == predicted_ids[None, :]) & upper
    agreed, n_true, n_pred = int((same_true & same_pred).sum()), int(same_true.sum()), int(same_pred.sum())
    precision = agreed / n_pred if n_pred else 1.0
    recall = agreed / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, n_true, n_pred


@pytest.mark.parametrize("seed", range(5))
def test_scores_equal_those_of_every_pair_compared(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    true_ids = rng.integers(0, rng.integers(1, 60), n)
    predicted = np.where(rng.random(n) < 0.8, true_ids * 7 + 3, rng.integers(0, 90, n))  # mostly right, renamed
    got = pairwise_scores(true_ids, predicted)
    assert (got.precision, got.recall, got.f1, got.true_pairs, got.predicted_pairs) == _all_pairs(true_ids, predicted)
    names = pairwise_scores([f"person{t}" for t in true_ids], predicted)  # any sortable labels
    assert names == got


def test_edge_cases_and_bad_input():
    assert pairwise_scores([0, 0, 1, 1], [5, 5, 5, 7]).f1 == pytest.approx(0.4)
    assert pairwise_scores([0, 1, 2], [0, 1, 2]) == pairwise_scores([], [])  # no pairs anywhere: perfect
    assert pairwise_scores([0, 0], [1, 2]).f1 == 0.0
    with pytest.raises(CrosscamError, match="3 true ids against"):
        pairwise_scores([0, 1, 2], [0, 1])
