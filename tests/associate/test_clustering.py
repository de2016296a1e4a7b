import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscam.associate.clustering import TrackletSpan, TransitWindow, cannot_link_matrix, cluster_tracklets
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
