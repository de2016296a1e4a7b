from datetime import datetime

import pytest

from crosscam.errors import CrosscamError
from crosscam.pipeline import CameraSpec, camera_offsets, load_cameras_file, parse_camera_spec, validate_cameras
from crosscam.store.index_store import CameraRecord


def test_camera_spec_with_and_without_start_time():
    assert parse_camera_spec("lobby=/v/lobby.mp4") == CameraSpec("lobby", "/v/lobby.mp4")
    spec = parse_camera_spec("lobby=/v/lobby.mp4@2026-11-25T08:00:00")
    assert spec == CameraSpec("lobby", "/v/lobby.mp4", datetime(2026, 11, 25, 8))


def test_stream_url_credentials_are_not_a_start_time():
    spec = parse_camera_spec("gate=rtsp://user:pw@10.0.0.5/stream1")
    assert spec == CameraSpec("gate", "rtsp://user:pw@10.0.0.5/stream1")
    timed = parse_camera_spec("gate=rtsp://user:pw@10.0.0.5/s@2026-11-25T08:00:00")
    assert timed.source == "rtsp://user:pw@10.0.0.5/s" and timed.start_time == datetime(2026, 11, 25, 8)


@pytest.mark.parametrize("bad", ["lobby", "=x.mp4", "lobby=", "lobby=x.mp4@yesterday"])
def test_bad_camera_specs_are_one_line_errors(bad):
    with pytest.raises(CrosscamError) as error:
        parse_camera_spec(bad)
    assert bad in str(error.value) and "\n" not in str(error.value)


def test_validate_cameras(tmp_path):
    video = tmp_path / "a.mp4"
    video.write_bytes(b"")
    with pytest.raises(CrosscamError, match="given twice"):
        validate_cameras([CameraSpec("a", str(video)), CameraSpec("a", str(video))])
    with pytest.raises(CrosscamError, match="no such file"):
        validate_cameras([CameraSpec("a", str(tmp_path / "missing.mp4"))])
    with pytest.raises(CrosscamError, match="START_TIME"):
        validate_cameras([CameraSpec("a", str(video), datetime(2026, 1, 1)), CameraSpec("b", str(video))])


def test_cameras_file(tmp_path):
    path = tmp_path / "cams.yaml"
    path.write_text(
        "cameras:\n"
        "  - {name: a, source: a.mp4, start_time: 2026-11-25T08:00:00}\n"
        "  - {name: b, source: b.mp4, start_time: '2026-11-25T08:01:30'}\n"
        "transit:\n  - {cameras: [a, b], min_seconds: 5, max_seconds: 120}\n"
    )
    cameras, transit = load_cameras_file(path)
    assert [c.name for c in cameras] == ["a", "b"] and cameras[1].start_time == datetime(2026, 11, 25, 8, 1, 30)
    assert transit[0].max_seconds == 120
    path.write_text("cameras:\n  - {name: a}\n")
    with pytest.raises(CrosscamError, match="not a valid camera file"):
        load_cameras_file(path)


def test_camera_offsets_follow_start_times():
    cameras = [
        CameraRecord("a", "a", "2026-11-25T08:00:10", 25, 1, 1, 1),
        CameraRecord("b", "b", "2026-11-25T08:00:00", 25, 1, 1, 1),
    ]
    assert camera_offsets(cameras) == {"a": 10.0, "b": 0.0}
    assert camera_offsets([CameraRecord("a", "a", None, 25, 1, 1, 1)]) == {"a": 0.0}


def test_ground_plane_evidence_links_people_that_stand_together(tmp_path, assets_dir):
    """Orthogonal appearances, but calibrated overlapping cameras see two people at the same two spots."""
    import json

    import numpy as np

    from crosscam.associate.calibration import Calibration
    from crosscam.associate.ground_plane import GroundCalibration
    from crosscam.pipeline import associate_store
    from crosscam.store.index_store import IndexStore, TrackletRecord

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
    store = IndexStore.create(tmp_path)
    embeddings = np.eye(4, dtype=np.float32)
    for view, camera in enumerate(("C1", "C2")):
        rows, tracklets = [], []
        for k, pid in enumerate(both):
            for index, frame in enumerate(frames):
                v = next(q for q in frame if q["personID"] == pid)["views"][view]
                rows.append((index, pid, v["xmin"], v["ymin"], v["xmax"], v["ymax"], 1.0))
            tracklets.append(TrackletRecord(camera, pid, 0, 9, 0.0, 4.5, 10, 1, embeddings[2 * view + k]))
        store.add_camera(CameraRecord(camera, camera, None, 2.0, 1920, 1080, 10), tracklets, rows)
    calibration = Calibration("e", 10.0, -5.0, [], 1, 1)
    grounds = {
        camera: GroundCalibration.from_opencv_xml(
            root / "calibrations" / "intrinsic" / f"intr_Camera{n}.xml",
            root / "calibrations" / "extrinsic" / f"extr_Camera{n}.xml",
        )
        for n, camera in ((1, "C1"), (2, "C2"))
    }
    assert associate_store(store, calibration) == 4  # appearance alone: four strangers
    assert associate_store(store, calibration, grounds=grounds) == 2
    identity = store.identities()
    by_track = {(t.camera, t.track_id): identity[t.id][0] for t in store.tracklets()}
    for pid in both:
        assert by_track[("C1", pid)] == by_track[("C2", pid)]
