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
