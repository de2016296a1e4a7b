from collections import Counter

import pytest

from crosscam.errors import CrosscamError
from crosscam.reid.samplers import PKSampler

# 10 identities with 1 to 10 images each.
PIDS = [pid for pid in range(10) for _ in range(pid + 1)]


def test_every_batch_has_p_identities_with_k_images_each():
    batches = PKSampler(PIDS, p=4, k=3, seed=0).batches(epoch=0)
    assert batches
    for batch in batches:
        counts = Counter(PIDS[i] for i in batch)
        assert len(counts) == 4 and set(counts.values()) == {3}


def test_an_epoch_covers_the_images_of_identities_with_at_least_k():
    batches = PKSampler(PIDS, p=2, k=2, seed=1).batches(epoch=0)
    seen = {i for batch in batches for i in batch}
    assert len(seen) >= 0.8 * len(PIDS)
    assert len(batches) * 2 * 2 <= len(PIDS) + 10  # about one pass: at most one top-up per identity


def test_order_depends_only_on_seed_and_epoch():
    sampler = PKSampler(PIDS, p=4, k=2, seed=3)
    assert sampler.batches(2) == PKSampler(PIDS, p=4, k=2, seed=3).batches(2)
    assert sampler.batches(2) != sampler.batches(3)


def test_too_few_identities_is_a_one_line_error():
    with pytest.raises(CrosscamError, match="P=16"):
        PKSampler([0, 0, 1, 1], p=16, k=4)


def test_repeats_give_a_small_source_the_weight_of_a_large_one():
    pids = [pid for pid in range(8) for _ in range(4 if pid < 4 else 8)]  # ids 0-3: one group of K, ids 4-7: two

    def visits(repeats):
        sampler, counts = PKSampler(pids, p=2, k=4, seed=0, repeats=repeats), Counter()
        for epoch in range(20):
            batches = sampler.batches(epoch)
            assert all(len({pids[i] for i in batch}) == 2 for batch in batches)  # still P different identities
            counts.update(pids[batch[i]] for batch in batches for i in range(0, len(batch), 4))
        return [sum(counts[pid] for pid in ids) for ids in (range(4), range(4, 8))]

    small, large = visits({})
    assert small == 4 * 20 and large > 1.5 * small  # once per epoch each against about twice
    small, large = visits(dict.fromkeys(range(4), 2))
    assert small >= 0.9 * 4 * 2 * 20 and large >= 0.9 * 4 * 2 * 20  # both twice per epoch, few leftovers


def test_stream_mode_visits_each_image_about_once_per_epoch_without_top_ups():
    pids = [pid for pid in range(200) for _ in range(5 + pid % 6)]  # 5 to 10 images: padding K=4 wastes up to 3
    padded, stream = PKSampler(pids, p=8, k=4, seed=0), PKSampler(pids, p=8, k=4, seed=0, mode="stream")
    epochs = 12
    stream_batches = [stream.batches(epoch) for epoch in range(epochs)]
    for batches in stream_batches:
        assert abs(len(batches) - len(pids) / 32) <= 2  # every epoch about one pass, not a multiple of K per id
        for batch in batches:
            counts = Counter(pids[i] for i in batch)
            assert len(counts) == 8 and set(counts.values()) == {4}
    assert len(padded.batches(0)) > 1.1 * len(stream_batches[0])
    visits = Counter(i for batches in stream_batches for batch in batches for i in batch)
    assert set(visits) == set(range(len(pids)))
    assert all(epochs - 4 <= visits[i] <= epochs + 2 for i in range(len(pids)))  # a dropped last group or two


def test_stream_mode_depends_only_on_seed_and_epoch():
    sampler = PKSampler(PIDS, p=4, k=2, seed=3, mode="stream")
    assert sampler.batches(5) == PKSampler(PIDS, p=4, k=2, seed=3, mode="stream").batches(5)
    assert sampler.batches(5) != sampler.batches(6)


def test_unknown_mode_is_a_one_line_error():
    with pytest.raises(CrosscamError, match="'exact'"):
        PKSampler(PIDS, p=2, k=2, mode="exact")
