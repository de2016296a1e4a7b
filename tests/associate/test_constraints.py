"""Investigators' must-links / cannot-links in association: always kept, and a must-link never breaks a cannot-link."""

import numpy as np
import pytest

from crosscam.associate.associate import AssociationConfig, associate
from crosscam.associate.clustering import TransitWindow
from crosscam.associate.constraints import LinkConstraints, enforce_must_links, index_pairs, link_evidence
from crosscam.errors import CrosscamError
from crosscam.types import Camera, Tracklet


def _unit(vector) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _tracklet(camera: str, track: int, start: float, embedding) -> Tracklet:
    return Tracklet(camera, track, start, start + 1.0, int(start * 10), int(start * 10) + 10, 10, 1, _unit(embedding))


def _label_of(association, tracklets) -> dict:
    return {t.key: int(label) for t, label in zip(tracklets, association.labels, strict=True)}


def test_a_must_link_blocked_by_a_transit_window_moves_only_its_component():
    """a ~ c and b ~ d by appearance; the investigator says a is b (a transit window forbids it) and c is not d.
    Clustering gives {a, c}, {b, d}; joining those two clusters for the must-link would put c with d."""
    tracklets = [
        _tracklet("x", 1, 0.0, [1, 0.1, 0]),  # a
        _tracklet("y", 1, 100.0, [0, 1, 0.1]),  # b
        _tracklet("y", 2, 0.0, [1, 0, 0.1]),  # c
        _tracklet("x", 2, 100.0, [0.1, 1, 0]),  # d
    ]
    cameras = [Camera("x", "x.mp4", None, 10.0), Camera("y", "y.mp4", None, 10.0)]
    config = AssociationConfig(transit=(TransitWindow("x", "y", 0.0, 10.0),))
    plain = _label_of(associate(tracklets, {}, cameras, config, 0.6), tracklets)
    assert plain[("x", 1)] == plain[("y", 2)] != plain[("y", 1)] == plain[("x", 2)]
    links = LinkConstraints(must=((("x", 1), ("y", 1)),), cannot=((("y", 2), ("x", 2)),))
    labels = _label_of(associate(tracklets, {}, cameras, config, 0.6, links), tracklets)
    assert labels[("x", 1)] == labels[("y", 1)] == labels[("y", 2)]
    assert labels[("x", 2)] != labels[("y", 2)]


@pytest.mark.parametrize("n", [40, 260])  # the dense reference and the sparse clustering
def test_random_constraints_always_hold(n):
    rng = np.random.default_rng(n)
    for _ in range(5):
        people = rng.integers(0, n // 4, size=n)
        centres = rng.normal(size=(n // 4, 16))
        embeddings = centres[people] + rng.normal(scale=1.2, size=(n, 16))
        cameras = [f"c{i}" for i in range(4)]
        tracklets = [_tracklet(cameras[i % 4], i, float(rng.uniform(0, 60)), embeddings[i]) for i in range(n)]
        keys = [t.key for t in tracklets]
        pairs = rng.integers(0, n, size=(n, 2))
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        same = people[pairs[:, 0]] == people[pairs[:, 1]]
        must = tuple((keys[a], keys[b]) for a, b in pairs[same][:10].tolist())
        components, _, _ = link_evidence(keys, LinkConstraints(must=must))
        # Cannot-links only between tracklets the must-links do not join (as corrections.replay guarantees).
        apart = pairs[(~same) & (components[pairs[:, 0]] != components[pairs[:, 1]])][:20]
        cannot = tuple((keys[a], keys[b]) for a, b in apart.tolist())
        links = LinkConstraints(must, cannot)
        association = associate(tracklets, {}, [Camera(c, c, None, 10.0) for c in cameras], AssociationConfig(), 0.5)
        with_links = associate(
            tracklets, {}, [Camera(c, c, None, 10.0) for c in cameras], AssociationConfig(), 0.5, links
        )
        labels = _label_of(with_links, tracklets)
        assert all(labels[a] == labels[b] for a, b in must)
        assert all(labels[a] != labels[b] for a, b in cannot)
        assert len(must) and len(cannot) and not np.array_equal(association.labels, with_links.labels)


def test_contradicting_links_are_an_error_and_unknown_tracklets_are_ignored():
    keys = [("a", 1), ("a", 2), ("b", 1)]
    contradiction = LinkConstraints(must=((("a", 1), ("b", 1)), (("b", 1), ("a", 2))), cannot=((("a", 2), ("a", 1)),))
    with pytest.raises(CrosscamError, match="contradict"):
        link_evidence(keys, contradiction)
    assert index_pairs(keys, [(("a", 1), ("gone", 3)), (("b", 1), ("a", 1))]).tolist() == [[2, 0]]
    exported = {"must_link": [[["a", 1], ["b", 1]]], "cannot_link": [[["a", 2], ["b", 1]]]}
    assert LinkConstraints.from_export(exported) == LinkConstraints(
        must=((("a", 1), ("b", 1)),), cannot=((("a", 2), ("b", 1)),)
    )
    assert not LinkConstraints.from_export({"log": [], "must_link": [], "cannot_link": []})


def test_each_component_goes_to_the_cluster_holding_most_of_it():
    components = np.array([0, 0, 0, 3, 4])
    assert enforce_must_links(np.array([5, 2, 2, 5, 2]), components).tolist() == [2, 2, 2, 5, 2]
