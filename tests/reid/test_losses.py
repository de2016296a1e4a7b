import torch

from crosscam.reid.losses import batch_hard_triplet_loss


def test_batch_hard_picks_farthest_positive_and_nearest_negative():
    # 1-d features: ids 0 at 0 and 1; ids 1 at 3 and 5.
    features = torch.tensor([[0.0], [1.0], [3.0], [5.0]])
    pids = torch.tensor([0, 0, 1, 1])
    # anchor 0: pos 1, neg 3 -> 0; anchor 1: pos 1, neg 2 -> 0; anchor 3: pos 2, neg 2 -> 0.3 (margin);
    # anchor 5: pos 2, neg 4 -> 0.
    expected = torch.tensor([0.0, 0.0, 0.3, 0.0]).mean()
    assert torch.allclose(batch_hard_triplet_loss(features, pids, margin=0.3), expected)


def test_loss_is_zero_when_identities_are_separated_by_the_margin():
    features = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0], [5.1, 0.0]])
    assert batch_hard_triplet_loss(features, torch.tensor([7, 7, 9, 9]), margin=0.3) == 0


def test_gradient_is_finite_for_identical_features():
    features = torch.ones(4, 3, requires_grad=True)
    loss = batch_hard_triplet_loss(features, torch.tensor([0, 0, 1, 1]))
    loss.backward()
    assert torch.isclose(loss, torch.tensor(0.3), atol=1e-5)
    assert torch.isfinite(features.grad).all()
