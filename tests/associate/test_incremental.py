"""Identity numbers survive re-association: pure mapping on hand-made cases and random ones, and a real
incremental run on the EPFL pair."""

import json

import numpy as np
import pytest

from crosscam.associate.incremental import carry_identity_numbers
from crosscam.run import run_cameras


def test_new_tracklets_join_old_identities_or_get_new_numbers():
    ids, changes = carry_identity_numbers([7, 7, 3, None, None], [1, 1, 0, 1, 2])
    assert ids.tolist() == [7, 7, 3, 7, 8]
    assert changes.merges == [] and changes.splits == []


def test_a_merge_of_two_old_identities_is_recorded_and_keeps_the_larger_share():
    ids, changes = carry_identity_numbers([2, 5, 5, None], [0, 0, 0, 1])
    assert ids.tolist() == [5, 5, 5, 6]
    assert changes.merges == [(5, 2)] and changes.describe() == ["identity 2 merged into identity 5"]


def test_a_split_gives_the_smaller_part_a_new_number():
    ids, changes = carry_identity_numbers([4, 4, 4, 1], [0, 0, 1, 2], next_id=10)
    assert ids.tolist() == [4, 4, 10, 1]
    assert changes.splits == [(4, 10)] and changes.merges == []


def test_random_relabellings_never_renumber_an_unchanged_identity():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        old = rng.integers(0, 8, n)
        permutation = rng.permutation(8)
        new_labels = permutation[old]  # the same partition, labelled afresh
        fresh = rng.random(n) < 0.3  # some tracklets are new and alone
        labels = np.where(fresh, 100 + np.arange(n), new_labels)
        old_ids = [None if f else int(o) for f, o in zip(fresh, old, strict=True)]
        ids, changes = carry_identity_numbers(old_ids, labels)
        kept = ~fresh
        assert (ids[kept] == old[kept]).all()
        assert changes.merges == [] and changes.splits == []
        assert len(set(ids[fresh].tolist())) == fresh.sum() and not set(ids[fresh].tolist()) & set(old[kept].tolist())


@pytest.mark.slow
def test_adding_a_camera_keeps_the_old_identity_numbers(tmp_path, assets_dir):
    """The man of Single1 is numbered first when his camera is alone; adding Double1 (whose tracklets come first
    in the index's order, so a fresh numbering would make him 1) links him without renumbering him."""
    clips = assets_dir / "data" / "epfl_lab_2cam"
    out = tmp_path / "run"
    first = run_cameras([f"lab_b={clips / 'Single1.mp4'}"], out, assets=assets_dir, videos=False)
    ((man,),) = [[a.tracklet.key for a in i.appearances] for i in first.identities]
    before = {i.global_id: i for i in first.identities}
    assert list(before) == [0]
    second = run_cameras(
        [f"lab_b={clips / 'Single1.mp4'}", f"lab_a={clips / 'Double1.mp4'}"], out, assets=assets_dir, videos=False
    )
    linked = second.identity_of(*man)
    assert linked.global_id == 0 and linked.cameras == ["lab_a", "lab_b"]
    assert sorted(i.global_id for i in second.identities) == [0, 1]
    table = json.loads((out / "identities.json").read_text())
    assert {row["global_id"] for row in table} == {0, 1}
