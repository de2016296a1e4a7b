import numpy as np
import pytest

from crosscam.detect import Detections
from crosscam.track import Tracker, TrackerConfig
from crosscam.track.matching import assign, iou_matrix


def box(cx: float, cy: float, w: float = 40, h: float = 100) -> list[float]:
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]


def ids_by_person(tracker: Tracker, frames, features=None) -> dict[int, list[int]]:
    """Run the tracker; for each true person (row order in each frame) the track ids it received."""
    seen: dict[int, list[int]] = {}
    for index, (boxes, people) in enumerate(frames):
        detections = Detections(np.array(boxes).reshape(-1, 4), np.full(len(boxes), 0.9))
        tracked = tracker.update(None, detections, None if features is None else features[index])
        pairs, _, _ = assign(1 - iou_matrix(detections.xyxy, tracked.xyxy), 0.5)
        for row, column in pairs:
            seen.setdefault(people[row], []).append(int(tracked.tracker_id[column]))
    return seen


def crossing_frames(steps: int = 40, speed: float = 6.0):
    """Two people walking towards each other on the same line; they overlap fully mid-way."""
    frames = []
    for t in range(steps):
        a, b = 100 + speed * t, 100 + speed * (steps - 1) - speed * t
        frames.append(([box(a, 200), box(b, 205)], [0, 1]))
    return frames


def test_crossing_targets_keep_identities_motion_only():
    seen = ids_by_person(Tracker(TrackerConfig(fps=25)), crossing_frames())
    assert len(set(seen[0])) == 1 and len(set(seen[1])) == 1
    assert seen[0][0] != seen[1][0]
    assert len(seen[0]) >= 35 and len(seen[1]) >= 35  # boxes reported through the crossing


def test_short_occlusion_resumes_the_same_id():
    frames = []
    for t in range(30):
        boxes = [box(100 + 5 * t, 200)] if not 12 <= t < 17 else []
        frames.append((boxes, [0] * len(boxes)))
    seen = ids_by_person(Tracker(TrackerConfig(fps=25, max_lost_seconds=1.0)), frames)
    assert len(set(seen[0])) == 1 and len(seen[0]) == 25  # first-frame tracks start confirmed


def test_lost_track_is_forgotten_after_max_lost_seconds():
    frames = [([box(100, 200)], [0])] * 5 + [([], [])] * 20 + [([box(100, 200)], [0])] * 5
    seen = ids_by_person(Tracker(TrackerConfig(fps=10, max_lost_seconds=1.0)), frames)
    assert len(set(seen[0])) == 2


def test_single_frame_flicker_gets_no_id():
    frames = [([box(100, 200)], [0])] * 5 + [([box(100, 200), box(400, 200)], [0, 1])] + [([box(100, 200)], [0])] * 5
    seen = ids_by_person(Tracker(TrackerConfig(fps=25)), frames)
    assert 1 not in seen and len(set(seen[0])) == 1


def test_appearance_resolves_people_who_swap_places_out_of_sight():
    """Two people walk in, are occluded together, and come back out on each other's side.

    Motion alone carries each track straight on; only the appearance memory can tell who is who.
    """
    rng = np.random.default_rng(0)
    look = np.linalg.qr(rng.normal(size=(16, 2)))[0].T  # two orthonormal appearance vectors
    frames, features = [], []
    for t in range(40):
        if t < 15:
            boxes, people = [box(200 + 4 * t, 200), box(400 - 4 * t, 200)], [0, 1]
        elif t < 20:
            boxes, people = [], []
        else:  # person 0 re-appears left of person 1 again: each turned back
            boxes, people = [box(250 - 4 * (t - 20), 200), box(350 + 4 * (t - 20), 200)], [0, 1]
        frames.append((boxes, people))
        features.append(look[people] if people else np.zeros((0, 16)))
    config = TrackerConfig(fps=10, max_lost_seconds=1.0)
    seen = ids_by_person(Tracker(config), frames, features)
    assert len(set(seen[0])) == 1 and len(set(seen[1])) == 1
    assert seen[0][0] != seen[1][0]


def test_appearance_threshold_calibrates_on_people_seen_together():
    """People of the same frame are different people: the 1 % quantile of their distances is the threshold."""
    rng = np.random.default_rng(1)
    tracker = Tracker(TrackerConfig(fps=10, appearance_threshold=None, auto_threshold_min_pairs=30))
    assert tracker.appearance_threshold == tracker.config.auto_threshold_fallback
    pairs = []
    for t in range(20):
        boxes = [box(100 + 200 * k, 200 + t) for k in range(3)]  # three people, far apart
        feats = rng.normal(size=(3, 8))
        feats /= np.linalg.norm(feats, axis=1, keepdims=True)
        tracker.update(None, Detections(np.array(boxes), np.full(3, 0.9)), feats)
        pairs += [1 - feats[i] @ feats[j] for i, j in ((0, 1), (0, 2), (1, 2))]
    assert tracker.appearance_threshold == pytest.approx(np.quantile(pairs, 0.01), abs=1e-6)
    fixed = Tracker(TrackerConfig(appearance_threshold=0.2))
    assert fixed.appearance_threshold == 0.2


def test_appearance_veto_keeps_a_different_person_off_a_track():
    """Person 0 stands still and is then replaced, in the same place, by a different-looking person 1 (someone
    stepping out from behind a person who leaves): the boxes overlap, the appearance does not."""
    look = np.eye(8)[:2]
    frames = [([box(200, 200)], [0])] * 10 + [([box(210, 205)], [1])] * 10
    features = [look[people] for _, people in frames]
    vetoed = ids_by_person(Tracker(TrackerConfig(fps=10, appearance_veto=0.45)), frames, features)
    assert set(vetoed[0]).isdisjoint(vetoed[1])
    motion = ids_by_person(Tracker(TrackerConfig(fps=10, appearance_veto=None)), frames, features)
    assert set(motion[1]) == set(motion[0])  # without the veto the box overlap alone hands over the id


def test_track_is_confirmed_only_once_a_detection_reaches_confirm_score():
    """A tentative track needs ``confirm_hits`` matches *and* one detection at ``confirm_score``; from the first
    frame on."""
    tracker = Tracker(TrackerConfig(fps=10, new_track_threshold=0.6, confirm_score=0.8))
    reported = []
    for t in range(10):
        score = 0.85 if t == 6 else 0.7
        tracked = tracker.update(None, Detections(np.array([box(200 + 3 * t, 200)]), np.array([score])))
        reported.append(len(tracked))
    assert reported == [0] * 6 + [1] * 4
    assert tracker.update(None, Detections(np.array([box(230, 200)]), np.array([0.7]))).tracker_id.tolist() == [1]


def test_track_lost_walking_out_of_the_picture_is_not_given_to_the_next_person_coming_in():
    """Person 0 walks out at the right border (640 px wide frame); 1 s later person 1, who looks the same to the
    embedder, walks in there. A track lost while leaving is ended after ``exit_lost_seconds``; without the frame
    size the tracker cannot tell and re-finds the old track on the newcomer."""
    frames = []
    for t in range(30):
        if t < 15:  # walking right; the box is cut by the border from x = 640 on
            x0 = 500 + 10 * t
            frames.append(([[x0, 100, min(x0 + 40, 640), 200]], [0]))
        elif t < 25:
            frames.append(([], []))
        else:  # walking in from the right
            x0 = 630 - 10 * (t - 25)
            frames.append(([[x0, 100, min(x0 + 40, 640), 200]], [1]))
    features = [np.ones((len(boxes), 4)) / 2 for boxes, _ in frames]
    config = TrackerConfig(fps=10, max_lost_seconds=2.0, exit_lost_seconds=0.5)
    ended = ids_by_person(Tracker(config, frame_size=(480, 640)), frames, features)
    assert set(ended[0]).isdisjoint(ended[1])
    unknown = ids_by_person(Tracker(config), frames, features)
    assert set(unknown[1]) == set(unknown[0])
