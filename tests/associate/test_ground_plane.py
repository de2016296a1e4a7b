import json

import numpy as np
import pytest

from crosscam.associate.ground_plane import (
    GroundCalibration,
    GroundTrack,
    ground_evidence,
    overlapping_intervals,
    overlapping_pairs,
    track_distance,
)
from crosscam.errors import CrosscamError
from crosscam.types import TrackedBoxes


@pytest.fixture(scope="module")
def multiviewx(assets_dir):
    return assets_dir / "data" / "multiviewx_sample"


def _calibration(root, n):
    return GroundCalibration.from_opencv_xml(
        root / "calibrations" / "intrinsic" / f"intr_Camera{n}.xml",
        root / "calibrations" / "extrinsic" / f"extr_Camera{n}.xml",
    )


def test_one_person_seen_by_several_calibrated_cameras_stands_at_one_spot(multiviewx):
    """Ground truth boxes of the same person in different views project to (nearly) the same ground point.

    Views 3 and 4 (Camera4/5) are left out: in this sample their calibration files disagree with the annotations
    (projected ground-truth positions land 270 / 200 px from the boxes' foot points, against <= 14 px elsewhere).
    """
    people = json.loads((multiviewx / "annotations_positions" / "00001.json").read_text())
    calibrations = {n: _calibration(multiviewx, n) for n in range(1, 7)}
    spreads = []
    for person in people:
        points = []
        for view in person["views"]:
            if view["xmin"] == -1 or view["viewNum"] in (3, 4):
                continue
            box = TrackedBoxes("c", [0], [0.0], [0], [[view["xmin"], view["ymin"], view["xmax"], view["ymax"]]], [1])
            points.append(GroundTrack.from_boxes(box, calibrations[view["viewNum"] + 1]).positions[0])
        if len(points) >= 2:
            points = np.array(points)
            spreads.append(np.linalg.norm(points - np.median(points, axis=0), axis=1).max())
    assert len(spreads) >= 10
    assert np.median(spreads) < 0.5  # metres; people are metres apart on the 25 x 16 m ground


def test_evidence_from_positions():
    times = np.arange(5) / 2.0
    here = GroundTrack(times, np.zeros((5, 2)))
    near = GroundTrack(times, np.full((5, 2), 0.2))
    far = GroundTrack(times, np.full((5, 2), 5.0))
    later = GroundTrack(times + 10, np.full((5, 2), 5.0))  # never visible at the same time as the others
    apart, together = ground_evidence([here, near, far, later, None], ["a", "b", "c", "d", "e"])
    assert together.tolist() == [[0, 1]]
    assert apart.tolist() == [[0, 2], [1, 2]]
    # Same camera: no ground evidence (the time-overlap constraint already handles it).
    apart, together = ground_evidence([here, far], ["a", "a"])
    assert apart.shape == together.shape == (0, 2)


def _all_pairs_evidence(tracks, cameras, near, far):
    """The reference: every pair of tracklets measured (n x n)."""
    apart, together = [], []
    for i in range(len(tracks)):
        for j in range(i + 1, len(tracks)):
            if tracks[i] is None or tracks[j] is None or cameras[i] == cameras[j]:
                continue
            distance = track_distance(tracks[i], tracks[j])
            if distance is not None and distance > far:
                apart.append([i, j])
            if distance is not None and distance < near:
                together.append([i, j])
    return apart, together


def test_evidence_of_overlapping_pairs_equals_that_of_all_pairs():
    rng = np.random.default_rng(3)
    tracks, cameras = [], []
    for _ in range(150):
        start, length = rng.integers(0, 600), rng.integers(1, 40)  # frames of a 10 fps clock
        times = (start + np.arange(length)) / 10.0
        walk = rng.uniform(0, 6, 2) + np.cumsum(rng.normal(0, 0.1, (length, 2)), axis=0)
        tracks.append(None if rng.random() < 0.1 else GroundTrack(times, walk))
        cameras.append(f"c{rng.integers(3)}")
    apart, together = ground_evidence(tracks, cameras, near=1.0, far=3.0)
    want_apart, want_together = _all_pairs_evidence(tracks, cameras, near=1.0, far=3.0)
    assert len(want_apart) > 20 and len(want_together) > 5
    assert apart.tolist() == want_apart and together.tolist() == want_together
    # Every measured pair overlaps in time; far fewer than all pairs.
    candidates = overlapping_pairs(tracks, cameras)
    assert len(candidates) < 150 * 149 / 2 / 5


def test_missing_calibration_file_is_a_clear_error(tmp_path):
    with pytest.raises(CrosscamError, match="no such calibration file"):
        GroundCalibration.from_opencv_xml(tmp_path / "intr.xml", tmp_path / "extr.xml")


def test_overlapping_intervals_are_those_of_the_all_pairs_check():
    rng = np.random.default_rng(5)
    start = rng.integers(0, 300, 400)
    end = start + rng.integers(0, 20, 400)  # integer moments, many touching ends
    want = [[i, j] for i in range(400) for j in range(i + 1, 400) if start[i] <= end[j] and start[j] <= end[i]]
    assert overlapping_intervals(start, end).tolist() == want
    assert overlapping_intervals(np.zeros(0), np.zeros(0)).shape == (0, 2)
