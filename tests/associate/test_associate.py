"""The association function that `crosscam run` and the benchmarks call."""

import json
from datetime import datetime

import numpy as np

from crosscam.associate.associate import AssociationConfig, associate
from crosscam.associate.clustering import TransitWindow
from crosscam.associate.ground_plane import GroundCalibration
from crosscam.types import Camera, TrackedBoxes, Tracklet


def _tracklet(camera, track_id, start, end, embedding):
    return Tracklet(camera, track_id, start, end, 0, 1, 2, 1, np.asarray(embedding, np.float32))


def test_identities_follow_the_shared_clock_and_transit_windows():
    cameras = [
        Camera("a", "a.mp4", datetime(2026, 1, 1, 8, 0, 0)),
        Camera("b", "b.mp4", datetime(2026, 1, 1, 8, 0, 30)),
    ]
    # b's tracklet starts at 0 s on its own clock = 30 s on the shared clock: 20 s after a's ends.
    tracklets = [_tracklet("a", 1, 0.0, 10.0, [1, 0]), _tracklet("b", 7, 0.0, 5.0, [1, 0])]
    linked = associate(tracklets, {}, cameras, AssociationConfig(), threshold=0.5)
    assert linked.labels.tolist() == [0, 0] and len(linked.identities) == 1
    (identity,) = linked.identities
    assert [a.camera for a in identity.appearances] == ["a", "b"]
    assert identity.appearances[1].start_time.isoformat() == "2026-01-01T08:00:30"
    assert abs(identity.appearances[0].similarity - 1.0) < 1e-6
    too_quick = AssociationConfig(transit=(TransitWindow("a", "b", 25.0, 60.0),))
    split = associate(tracklets, {}, cameras, too_quick, threshold=0.5)
    assert split.labels.tolist() == [0, 1]
    assert associate([], {}, cameras, AssociationConfig(), threshold=0.5).identities == ()


def test_ground_plane_evidence_links_people_that_stand_together(assets_dir):
    """Orthogonal appearances, but calibrated overlapping cameras see two people at the same two spots."""
    root = assets_dir / "data" / "multiviewx_sample"
    frames = [json.loads((root / "annotations_positions" / f"{n:05d}.json").read_text()) for n in range(1, 11)]
    both = [
        p["personID"]
        for p in frames[0]
        if all(
            next(q for q in frame if q["personID"] == p["personID"])["views"][v]["xmin"] != -1
            for frame in frames
            for v in (0, 1)
        )
    ][:2]
    assert len(both) == 2
    embeddings = np.eye(4, dtype=np.float32)
    tracklets, boxes = [], {}
    for view, camera in enumerate(("C1", "C2")):
        rows = []
        for k, pid in enumerate(both):
            for index, frame in enumerate(frames):
                v = next(q for q in frame if q["personID"] == pid)["views"][view]
                rows.append((index, index / 2.0, pid, v["xmin"], v["ymin"], v["xmax"], v["ymax"]))
            tracklets.append(_tracklet(camera, pid, 0.0, 4.5, embeddings[2 * view + k]))
        table = np.array(rows, np.float64)
        boxes[camera] = TrackedBoxes(camera, table[:, 0], table[:, 1], table[:, 2], table[:, 3:7], np.ones(len(rows)))
    cameras = [Camera(c, c, fps=2.0) for c in ("C1", "C2")]
    grounds = {
        camera: GroundCalibration.from_opencv_xml(
            root / "calibrations" / "intrinsic" / f"intr_Camera{n}.xml",
            root / "calibrations" / "extrinsic" / f"extr_Camera{n}.xml",
        )
        for n, camera in ((1, "C1"), (2, "C2"))
    }
    alone = associate(tracklets, boxes, cameras, AssociationConfig(), threshold=0.9)
    assert len(alone.identities) == 4  # appearance alone: four strangers
    grounded = associate(tracklets, boxes, cameras, AssociationConfig(grounds=grounds), threshold=0.9)
    assert len(grounded.identities) == 2
    label = {t.key: int(g) for t, g in zip(tracklets, grounded.labels, strict=True)}
    for pid in both:
        assert label[("C1", pid)] == label[("C2", pid)]
    assert {line.camera for line in grounded.refinement} == {"C1", "C2"}
