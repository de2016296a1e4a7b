"""blocked_merges: look-alike identities that only a transit window or a ground-plane "apart" pair kept apart."""

import numpy as np

from crosscam.associate.blocked import blocked_merges
from crosscam.associate.clustering import TrackletSpan, TransitWindow, cluster_tracklets


def _unit(*rows) -> np.ndarray:
    x = np.array(rows, dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# Tracklets 0 (camera a) and 1 (camera b, 2 s later) look alike; 2 (camera a) looks like neither.
EMBEDDINGS = _unit([1.0, 0.1, 0.0], [1.0, 0.0, 0.1], [0.0, 1.0, 0.0])
SPANS = [TrackletSpan("a", 0.0, 5.0), TrackletSpan("b", 7.0, 9.0), TrackletSpan("a", 6.0, 8.0)]
THRESHOLD = 0.5


def test_a_window_that_forbids_the_match_is_reported_with_the_pair():
    window = [TransitWindow("a", "b", 10.0, 60.0)]  # a 2 s gap is "too fast"
    labels = cluster_tracklets(EMBEDDINGS, SPANS, THRESHOLD, window)
    assert labels[0] != labels[1]
    (merge,) = blocked_merges(EMBEDDINGS, SPANS, labels, THRESHOLD, window)
    assert (merge.first, merge.second) == (0, 1)
    assert abs(merge.similarity - EMBEDDINGS[0] @ EMBEDDINGS[1]) < 1e-5
    assert merge.reason == "transit window a-b 10-60 s"
    assert set(merge.labels) == {int(labels[0]), int(labels[1])}


def test_nothing_is_reported_when_the_window_allows_it_or_only_looks_differ():
    allowed = [TransitWindow("a", "b", 1.0, 60.0)]
    labels = cluster_tracklets(EMBEDDINGS, SPANS, THRESHOLD, allowed)
    assert labels[0] == labels[1]
    assert blocked_merges(EMBEDDINGS, SPANS, labels, THRESHOLD, allowed) == ()
    forbidding = [TransitWindow("a", "b", 10.0, 60.0)]
    labels = cluster_tracklets(EMBEDDINGS, SPANS, THRESHOLD, forbidding)
    assert blocked_merges(EMBEDDINGS, SPANS, labels, 0.999, forbidding) == ()  # not alike enough anyway


def test_identities_seen_together_in_one_camera_are_not_reported():
    # Tracklet 1 now overlaps 0 in camera a: two people at once, whatever the window says.
    spans = [TrackletSpan("a", 0.0, 5.0), TrackletSpan("a", 3.0, 9.0), TrackletSpan("b", 20.0, 25.0)]
    window = [TransitWindow("a", "b", 100.0, 200.0)]
    labels = cluster_tracklets(EMBEDDINGS, spans, THRESHOLD, window)
    assert labels[0] != labels[1]
    assert blocked_merges(EMBEDDINGS, spans, labels, THRESHOLD, window) == ()


def test_a_ground_plane_apart_pair_is_reported():
    apart = np.array([[0, 1]])
    labels = cluster_tracklets(EMBEDDINGS, SPANS, THRESHOLD, apart=apart)
    (merge,) = blocked_merges(EMBEDDINGS, SPANS, labels, THRESHOLD, apart=apart)
    assert (merge.first, merge.second) == (0, 1) and merge.reason.startswith("ground plane")
