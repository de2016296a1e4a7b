"""Replaying corrections: later ones win, and the constraints always agree with the identities they leave."""

from hypothesis import given
from hypothesis import strategies as st

from crosscam.serve.corrections import Correction, replay

KEYS = [("a", i) for i in range(4)] + [("b", i) for i in range(3)]


def test_a_merge_then_a_split():
    base = {("a", 0): 0, ("b", 0): 1, ("b", 1): 1}
    merged = replay(base, [Correction("merge", {"moved": [["b", 0], ["b", 1]], "into": [["a", 0]]})])
    assert merged.assignment == {("a", 0): 0, ("b", 0): 0, ("b", 1): 0}
    assert merged.must == {(("a", 0), ("b", 0)), (("a", 0), ("b", 1))}
    split = Correction("split", {"tracklet": ["b", 1], "from": [["a", 0], ["b", 0]]})
    after = replay(base, [Correction("merge", {"moved": [["b", 0], ["b", 1]], "into": [["a", 0]]}), split])
    assert after.assignment == {("a", 0): 0, ("b", 0): 0, ("b", 1): 2}
    assert after.must == {(("a", 0), ("b", 0))}
    assert after.cannot == {(("a", 0), ("b", 1)), (("b", 0), ("b", 1))}


def test_tracklets_gone_from_a_later_run_are_ignored():
    log = [Correction("merge", {"moved": [["gone", 3]], "into": [["a", 0]]})]
    assert replay({("a", 0): 5}, log).assignment == {("a", 0): 5}


def _correction(kind: str, i: int, j: int) -> Correction:
    if kind == "merge":
        return Correction("merge", {"moved": [list(KEYS[i])], "into": [list(KEYS[j])]})
    if kind == "split":
        return Correction("split", {"tracklet": list(KEYS[i]), "from": [list(KEYS[j])]})
    return Correction("not_this_person", {"tracklet": list(KEYS[i]), "person": [list(KEYS[j])]})


@given(
    st.lists(st.integers(0, 2), min_size=len(KEYS), max_size=len(KEYS)),
    st.lists(
        st.tuples(st.sampled_from(["merge", "split", "not_this_person"]), st.integers(0, 6), st.integers(0, 6)),
        max_size=12,
    ),
)
def test_constraints_never_contradict_the_result(labels, steps):
    result = replay(dict(zip(KEYS, labels, strict=True)), [_correction(*step) for step in steps])
    same = result.assignment
    assert all(same[a] == same[b] for a, b in result.must)
    assert all(same[a] != same[b] for a, b in result.cannot)
    assert not result.must & result.cannot
