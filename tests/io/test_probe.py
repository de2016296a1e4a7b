from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.io import open_source
from crosscam.io.probe import check_complete, probe_source, probe_sources


def camera(name, source, fps=None):
    return SimpleNamespace(name=name, source=str(source), fps=fps)


def write_video(path, count=12, size=(64, 48)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 8.0, size)
    for index in range(count):
        writer.write(np.full((size[1], size[0], 3), index * 5 % 256, np.uint8))
    writer.release()
    return path


def test_probe_reads_rate_count_and_size_of_the_real_clips(assets_dir):
    clips = assets_dir / "data" / "epfl_lab_2cam"
    infos = probe_sources([camera("lab_a", clips / "Double1.mp4"), camera("lab_b", clips / "Single1.mp4")])
    assert [(i.name, i.kind, i.frame_count, i.width, i.height) for i in infos] == [
        ("lab_a", "video", 98, 854, 480),
        ("lab_b", "video", 220, 854, 480),
    ]
    assert infos[0].fps == pytest.approx(29.97, abs=0.01)


def test_every_bad_source_is_listed_in_one_error(tmp_path):
    good = write_video(tmp_path / "good.avi")
    (tmp_path / "zero.mp4").write_bytes(b"")
    (tmp_path / "notes.mp4").write_text("this is a text file, not a video\n" * 50)
    (tmp_path / "noise.avi").write_bytes(np.random.default_rng(0).integers(0, 255, 4096, dtype=np.uint8).tobytes())
    (tmp_path / "empty_folder").mkdir()
    cameras = [
        camera("good", good),
        camera("gone", tmp_path / "missing.mp4"),
        camera("zero", tmp_path / "zero.mp4"),
        camera("text", tmp_path / "notes.mp4"),
        camera("noise", tmp_path / "noise.avi"),
        camera("folder", tmp_path / "empty_folder"),
    ]
    with pytest.raises(CrosscamError) as caught:
        probe_sources(cameras)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("5 of 6 camera sources cannot be used")
    for name, file_name, problem in [
        ("gone", "missing.mp4", "no such video file"),
        ("zero", "zero.mp4", "empty file (0 bytes)"),
        ("text", "notes.mp4", "notes.mp4"),
        ("noise", "noise.avi", "noise.avi"),
        ("folder", "empty_folder", "no images"),
    ]:
        assert f"camera {name!r}: " in message and file_name in message and problem in message
    assert "'good'" not in message


def test_good_video_and_image_folder_probe(tmp_path):
    info = probe_source(camera("hall", write_video(tmp_path / "hall.avi"), fps=5.0))
    assert (info.kind, info.fps, info.frame_count, info.width, info.height) == ("video", 5.0, 12, 64, 48)
    folder = tmp_path / "frames"
    folder.mkdir()
    for index in range(3):
        cv2.imwrite(str(folder / f"{index:04d}.png"), np.zeros((10, 20, 3), np.uint8))
    info = probe_source(camera("door", folder))
    assert (info.kind, info.frame_count, info.width, info.height) == ("folder", 3, 20, 10)


def test_a_corrupt_first_image_in_a_folder_is_named(tmp_path):
    (tmp_path / "0001.jpg").write_bytes(b"garbage")
    with pytest.raises(CrosscamError, match="0001.jpg"):
        probe_sources([camera("door", tmp_path)])


def test_check_complete_reports_a_cut_video_and_refuses_it_under_strict(tmp_path):
    path = write_video(tmp_path / "cut.avi", count=40)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    source = open_source(path, camera="c")
    frames = sum(1 for _ in source)
    truncation = check_complete(source)
    assert (truncation.frames_read, truncation.frames_announced) == (frames, 40)
    with pytest.raises(CrosscamError, match=rf"cut.avi: video ended after {frames} of 40 frames.*--strict"):
        check_complete(source, strict=True)
    complete = open_source(write_video(tmp_path / "whole.avi"), camera="c")
    list(complete)
    assert check_complete(complete, strict=True) is None
