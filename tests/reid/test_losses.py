import torch
import torch.nn.functional as F

from crosscam.reid.losses import bank_distillation_loss, batch_hard_triplet_loss


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


def test_bank_distillation_is_zero_when_the_student_ranks_the_bank_as_the_teacher_does():
    bank = F.normalize(torch.randn(50, 8, generator=torch.Generator().manual_seed(0)), dim=1)
    teacher = bank[:4]
    assert torch.isclose(bank_distillation_loss(teacher, teacher, bank, 0.07), torch.tensor(0.0), atol=1e-6)


def test_bank_distillation_gradient_moves_the_student_towards_the_teachers_ranking():
    generator = torch.Generator().manual_seed(1)
    bank = F.normalize(torch.randn(50, 8, generator=generator), dim=1)
    teacher = bank[:4]
    student = F.normalize(torch.randn(4, 8, generator=generator), dim=1).requires_grad_(True)
    before = bank_distillation_loss(student, teacher, bank, 0.07)
    before.backward()
    with torch.no_grad():
        moved = F.normalize(student - 0.01 * student.grad, dim=1)
    assert before > 0.1
    assert bank_distillation_loss(moved, teacher, bank, 0.07) < before
