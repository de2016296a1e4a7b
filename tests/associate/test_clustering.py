import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscam.associate.clustering import (
    TrackletSpan,
    TransitWindow,
    cannot_link_matrix,
    cluster_tracklets,
    complete_co_visible,
)
from crosscam.embed.base import l2_normalize


def _spans(draw_list):
    return [TrackletSpan(camera, start, start + length) for camera, start, length in draw_list]


span_lists = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.floats(0, 100), st.floats(0, 30)), min_size=1, max_size=25
)


@settings(max_examples=60, deadline=None)
@given(span_lists, st.integers(0, 2**31 - 1), st.floats(-0.5, 0.9))
def test_no_identity_ever_holds_a_cannot_link_pair(raw_spans, seed, threshold):
    spans = _spans(raw_spans)
    rng = np.random.default_rng(seed)
    # Few directions, so many tracklets are near-identical and the constraints really bind.
    centres = l2_normalize(rng.normal(size=(3, 8)))
    embeddings = l2_normalize(centres[rng.integers(0, 3, len(spans))] + 0.05 * rng.normal(size=(len(spans), 8)))
    transit = [TransitWindow("a", "b", 5.0, 40.0)]
    labels = cluster_tracklets(embeddings, spans, threshold, transit)
    forbidden = cannot_link_matrix(spans, transit)
    same = labels[:, None] == labels[None, :]
    assert not (same & forbidden).any()
    assert sorted(set(labels.tolist())) == list(range(labels.max() + 1))


def test_same_camera_overlap_and_transit_windows_are_forbidden():
    spans = [
        TrackletSpan("a", 0, 10),
        TrackletSpan("a", 5, 15),  # overlaps the first in the same camera
        TrackletSpan("a", 20, 30),  # same camera, later: allowed
        TrackletSpan("b", 31, 40),  # 1 s after leaving a: too fast for the 5-40 s window
        TrackletSpan("b", 50, 60),  # 20 s after: allowed
    ]
    forbidden = cannot_link_matrix(spans, [TransitWindow("a", "b", 5, 40)])
    assert forbidden[0, 1] and forbidden[1, 0]
    assert not forbidden[0, 2]
    assert forbidden[2, 3] and not forbidden[2, 4]
    assert not forbidden.diagonal().any()


def test_clusters_two_people_seen_by_two_cameras():
    rng = np.random.default_rng(0)
    people = l2_normalize(rng.normal(size=(2, 16)))
    embeddings = l2_normalize(people[[0, 1, 0, 1]] + 0.1 * rng.normal(size=(4, 16)))
    spans = [TrackletSpan("a", 0, 10), TrackletSpan("a", 0, 10), TrackletSpan("b", 0, 10), TrackletSpan("b", 0, 10)]
    labels = cluster_tracklets(embeddings, spans, threshold=0.5)
    assert labels.tolist() == [0, 1, 0, 1]


def test_threshold_stops_merging_dissimilar_tracklets():
    embeddings = np.eye(3, dtype=np.float32)  # cosine 0 between all
    spans = [TrackletSpan(c, 0, 1) for c in "abc"]
    assert cluster_tracklets(embeddings, spans, threshold=0.1).tolist() == [0, 1, 2]
    assert cluster_tracklets(embeddings, spans, threshold=-0.1).tolist() == [0, 0, 0]


def test_empty_input():
    assert cluster_tracklets(np.zeros((0, 4), np.float32), [], 0.5).shape == (0,)


def _unit(angle_degrees: float) -> list[float]:
    angle = np.radians(angle_degrees)
    return [float(np.cos(angle)), float(np.sin(angle))]


def test_co_visible_best_matches_below_the_threshold_are_completed():
    """Two people seen by cameras a and b at once: the first pair matches above the threshold, the second's
    cosine is just below it, but each is the other's best remaining partner, so the one-to-one step joins them."""
    spans = [TrackletSpan("a", 0, 10), TrackletSpan("a", 0, 10), TrackletSpan("b", 0, 10), TrackletSpan("b", 0, 10)]
    embeddings = np.array([_unit(0), _unit(90), _unit(5), _unit(90 + 50)], dtype=np.float32)  # cos 0.996, 0.643
    labels = cluster_tracklets(embeddings, spans, threshold=0.7)
    assert labels.tolist() == [0, 1, 0, 2]
    assert complete_co_visible(embeddings, spans, labels, 0.7, margin=0.1).tolist() == [0, 1, 0, 1]
    assert complete_co_visible(embeddings, spans, labels, 0.7, margin=0.02).tolist() == [0, 1, 0, 2]  # too far below
    assert complete_co_visible(embeddings, spans, labels, 0.7, margin=0.0).tolist() == [0, 1, 0, 2]  # off
    # Not seen at the same time (b's second person comes later): no evidence that they are the same person.
    later = [*spans[:3], TrackletSpan("b", 20, 30)]
    assert complete_co_visible(embeddings, later, cluster_tracklets(embeddings, later, 0.7), 0.7, 0.1).tolist() == [
        0,
        1,
        0,
        2,
    ]
    # A constraint still holds: the ground plane saw them standing apart.
    apart = np.array([[1, 3]])
    assert complete_co_visible(embeddings, spans, labels, 0.7, 0.1, apart=apart).tolist() == [0, 1, 0, 2]


def test_co_visible_completion_needs_a_mutual_best_match():
    """b's tracklet is closer to a's second person than to its first: only the mutual best pair is joined."""
    spans = [TrackletSpan("a", 0, 10), TrackletSpan("a", 0, 10), TrackletSpan("b", 0, 10)]
    embeddings = np.array([_unit(0), _unit(100), _unit(52)], dtype=np.float32)  # cos 0.616 and 0.669
    labels = cluster_tracklets(embeddings, spans, threshold=0.8)
    assert labels.tolist() == [0, 1, 2]
    assert complete_co_visible(embeddings, spans, labels, 0.8, margin=0.2).tolist() == [0, 1, 1]
