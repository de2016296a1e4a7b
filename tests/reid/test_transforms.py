import torch

from crosscam.reid.transforms import FrozenFeatureAugment


def test_frozen_feature_augment_picks_a_shifted_window_of_the_plain_or_mirrored_features():
    plain = torch.arange(2 * 3 * 6 * 4, dtype=torch.float16).view(2, 3, 6, 4)  # 2 samples, 4 x 2 map padded by 1
    mirrored = -plain
    windows = {
        (sign, top, left): (sign * plain[:, :, top : top + 4, left : left + 2]).float()
        for sign in (1, -1)
        for top in range(3)
        for left in range(3)
    }
    generator = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(60):
        out = FrozenFeatureAugment(pad_cells=1, erase_p=0.0)(plain, mirrored, generator)
        assert out.shape == (2, 3, 4, 2) and out.dtype == torch.float32
        for i in range(2):
            match = [key for key, window in windows.items() if torch.equal(out[i], window[i])]
            assert len(match) == 1
            seen.add(match[0])
    assert len(seen) == 18  # both flips and all nine offsets occur


def test_frozen_feature_augment_erases_a_rectangle_with_zeros():
    plain = torch.ones(1, 2, 10, 6, dtype=torch.float16)
    out = FrozenFeatureAugment(pad_cells=1, erase_p=1.0)(plain, plain, torch.Generator().manual_seed(1))
    zeros = out == 0
    assert 0 < zeros.sum() < out.numel()
    assert torch.equal(zeros[0, 0], zeros[0, 1])  # the same rectangle in every channel
