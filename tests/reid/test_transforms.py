import torch

from crosscam.reid.transforms import FrozenFeatureAugment, camera_degraded, colour_jittered, pick_copies


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


def test_colour_jittered_copies_differ_per_image_are_seeded_and_some_are_gray():
    images = torch.randint(0, 256, (200, 3, 16, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    jittered = colour_jittered(images, seed=3)
    assert jittered.shape == images.shape and jittered.dtype == torch.uint8
    torch.testing.assert_close(jittered, colour_jittered(images, seed=3))
    assert not torch.equal(jittered, colour_jittered(images, seed=4))
    changed = (jittered.float() - images.float()).abs().mean(dim=(1, 2, 3))
    assert (changed > 1).float().mean() > 0.9  # nearly every image gets its own colour change
    gray = (jittered[:, 0] == jittered[:, 1]).all(dim=(1, 2)) & (jittered[:, 1] == jittered[:, 2]).all(dim=(1, 2))
    assert 5 <= int(gray.sum()) <= 40  # GRAYSCALE_P = 0.1 of 200


def test_camera_degraded_copies_lose_detail_not_colour_and_are_seeded():
    """A sharp pattern (a 1-pixel checkerboard over a colour ramp) loses high frequencies in most copies while each
    copy keeps the image's mean colour."""
    rows, cols = torch.meshgrid(torch.arange(64), torch.arange(32), indexing="ij")
    checker = ((rows + cols) % 2 * 80).to(torch.uint8)
    ramp = torch.stack([rows * 2, cols * 4, 255 - rows * 2]).to(torch.uint8) // 2
    images = (ramp + checker).unsqueeze(0).repeat(100, 1, 1, 1)
    degraded = camera_degraded(images, seed=1)
    assert degraded.shape == images.shape and degraded.dtype == torch.uint8
    torch.testing.assert_close(degraded, camera_degraded(images, seed=1))
    assert not torch.equal(degraded, camera_degraded(images, seed=2))

    def detail(batch: torch.Tensor) -> torch.Tensor:  # mean absolute difference of horizontal neighbours
        return (batch[..., 1:].float() - batch[..., :-1].float()).abs().mean(dim=(1, 2, 3))

    softer = detail(degraded) < 0.8 * detail(images[:1])
    assert 0.5 < softer.float().mean() < 0.95  # downscale p 0.5, blur p 0.3 (JPEG at q >= 30 keeps some edges)
    mean_shift = (degraded.float().mean(dim=(2, 3)) - images.float().mean(dim=(2, 3))).abs()
    assert mean_shift.max() < 4


def test_pick_copies_takes_the_same_samples_from_every_copy_with_probability_p():
    plain, mirrored = torch.zeros(400, 2), torch.ones(400, 2)
    copies = (plain + 10, mirrored + 10)
    generator = torch.Generator().manual_seed(0)
    none = pick_copies((plain, mirrored), copies, 0.0, generator)
    every = pick_copies((plain, mirrored), copies, 1.0, generator)
    assert torch.equal(none[0], plain) and torch.equal(none[1], mirrored)
    assert torch.equal(every[0], copies[0]) and torch.equal(every[1], copies[1])
    picked_plain, picked_mirrored = pick_copies((plain, mirrored), copies, 0.5, generator)
    took = picked_plain[:, 0] == 10
    assert 0.4 < took.float().mean() < 0.6 and torch.equal(picked_mirrored[:, 0] == 11, took)
    assert plain.eq(0).all()  # the originals are left as they were
