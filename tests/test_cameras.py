from datetime import datetime

import pytest

from crosscam.cameras import CameraSpec, load_cameras_file, parse_camera_spec, parse_transit, validate_cameras
from crosscam.config import RunConfig
from crosscam.errors import CrosscamError


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


def test_transit():
    window = parse_transit("a:b:5:120")
    assert (window.camera_a, window.camera_b, window.min_seconds, window.max_seconds) == ("a", "b", 5, 120)
    for bad in ("a:b:5", "a:b:x:1", "a:b:1:2:3"):
        with pytest.raises(CrosscamError, match="CAM_A:CAM_B"):
            parse_transit(bad)


def test_validate_cameras(tmp_path):
    video = tmp_path / "a.mp4"
    video.write_bytes(b"")
    with pytest.raises(CrosscamError, match="given twice"):
        validate_cameras([CameraSpec("a", str(video)), CameraSpec("a", str(video))])
    with pytest.raises(CrosscamError, match="no such file"):
        validate_cameras([CameraSpec("a", str(tmp_path / "missing.mp4"))])
    with pytest.raises(CrosscamError, match="START_TIME"):
        validate_cameras([CameraSpec("a", str(video), datetime(2026, 1, 1)), CameraSpec("b", str(video))])
    path = tmp_path / "cams.yaml"
    transit = "transit:\n  - {cameras: [a, z], min_seconds: 1, max_seconds: 2}\n"
    path.write_text(f"cameras:\n  - {{name: a, source: {video}}}\n{transit}")
    cameras, config = load_cameras_file(path)
    with pytest.raises(CrosscamError, match="unknown camera 'z'"):
        validate_cameras(cameras, config)


def test_cameras_file(tmp_path):
    path = tmp_path / "cams.yaml"
    path.write_text(
        "cameras:\n"
        "  - {name: a, source: a.mp4, start_time: 2026-11-25T08:00:00}\n"
        "  - {name: b, source: b.mp4, start_time: '2026-11-25T08:01:30'}\n"
        "transit:\n  - {cameras: [a, b], min_seconds: 5, max_seconds: 120}\n"
    )
    cameras, config = load_cameras_file(path)
    assert [c.name for c in cameras] == ["a", "b"] and cameras[1].start_time == datetime(2026, 11, 25, 8, 1, 30)
    assert config.association.transit[0].max_seconds == 120
    assert config.crops == RunConfig().crops and config.detector == RunConfig().detector
    path.write_text("cameras:\n  - {name: a}\n")
    with pytest.raises(CrosscamError, match="not a valid camera file"):
        load_cameras_file(path)


def test_cameras_file_config_section(tmp_path):
    path = tmp_path / "cams.yaml"
    path.write_text(
        "cameras:\n  - {name: a, source: a.mp4}\n"
        "config:\n"
        "  detector: yolox-nano-coco\n  detector_input: [480, 640]\n  tracker_embedder: null\n"
        "  tracker: {max_lost_seconds: 2}\n  crops: {max_crops: 8}\n  association: {refine_grounds: false}\n"
    )
    _, config = load_cameras_file(path)
    assert config.detector == "yolox-nano-coco" and config.detector_input == (480, 640)
    assert config.tracker_embedder is None and config.tracker.max_lost_seconds == 2.0
    assert config.crops.max_crops == 8 and config.crops.min_height == RunConfig().crops.min_height
    assert config.association.refine_grounds is False
    for bad, message in (
        ("config: {detecter: x}", "unknown setting 'detecter'"),
        ("config: {crops: {max_crops: many}}", "config.crops.max_crops"),
        ("config: {tracker: {fps: 5}}", "unknown setting 'fps'"),  # each source's own rate is used
    ):
        path.write_text("cameras:\n  - {name: a, source: a.mp4}\n" + bad + "\n")
        with pytest.raises(CrosscamError, match=message) as error:
            load_cameras_file(path)
        assert str(path) in str(error.value) and "\n" not in str(error.value)
