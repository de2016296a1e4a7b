from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.io import open_source


def write_video(path: Path, count: int = 20, size=(96, 64)) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, size)
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    for index in range(count):
        image = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
        cv2.putText(image, str(index), (5, 40), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
        writer.write(image)
    writer.release()
    return path


def write_faststart_mp4(path: Path, count: int, size=(96, 64)) -> Path:
    """An MPEG-4 file with its index (moov) before the media data, as ``-movflags faststart`` writes it."""
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        rng = np.random.default_rng(0)
        for _ in range(count):
            image = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode())
    assert path.read_bytes()[:64].find(b"moov") > 0
    return path


def test_video_frames_carry_camera_index_and_container_time(tmp_path):
    source = open_source(write_video(tmp_path / "clip.avi"), camera="gate")
    assert (source.fps, source.frame_count, source.width, source.height) == (10.0, 20, 96, 64)
    frames = list(source)
    assert [f.index for f in frames] == list(range(20))
    assert {f.camera for f in frames} == {"gate"}
    assert np.allclose([f.timestamp for f in frames], np.arange(20) / 10.0)
    assert frames[0].image.shape == (64, 96, 3) and frames[0].image.dtype == np.uint8


def test_start_frame_keeps_absolute_indices(tmp_path):
    frames = list(open_source(write_video(tmp_path / "clip.avi"), camera="c", start_frame=15))
    assert [f.index for f in frames] == [15, 16, 17, 18, 19]


def test_fps_override_sets_timestamps(tmp_path):
    frames = list(open_source(write_video(tmp_path / "clip.avi", count=3), camera="c", fps=4.0))
    assert [f.timestamp for f in frames] == [0.0, 0.25, 0.5]


def test_image_folder_sorted_with_default_fps(tmp_path):
    for name in ("b.jpg", "a.png", "c.jpg"):
        cv2.imwrite(str(tmp_path / name), np.full((8, 12, 3), ord(name[0]), np.uint8))
    (tmp_path / "notes.txt").write_text("ignored")
    source = open_source(tmp_path, camera="c")
    frames = list(source)
    assert (source.fps, source.frame_count, source.width, source.height) == (25.0, 3, 12, 8)
    assert [int(f.image[0, 0, 0]) for f in frames][0] == ord("a")
    assert [f.timestamp for f in frames] == [0.0, 0.04, 0.08]


def test_missing_source_names_path(tmp_path):
    with pytest.raises(CrosscamError, match="nope.mp4"):
        open_source(tmp_path / "nope.mp4", camera="c")


def test_corrupt_video_names_path(tmp_path):
    path = tmp_path / "broken.avi"
    path.write_bytes(b"not a video at all" * 100)
    with pytest.raises(CrosscamError, match="broken.avi"):
        open_source(path, camera="c")


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(CrosscamError, match="no images"):
        open_source(tmp_path, camera="c")


def test_corrupt_image_in_folder_fails_after_good_frames(tmp_path):
    cv2.imwrite(str(tmp_path / "0001.jpg"), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "0002.jpg").write_bytes(b"garbage")
    frames = []
    with pytest.raises(CrosscamError, match="0002.jpg"):
        frames.extend(open_source(tmp_path, camera="c"))
    assert [f.index for f in frames] == [0]


def test_truncated_video_yields_decodable_frames_then_reports_the_counts(tmp_path):
    path = write_video(tmp_path / "clip.avi", count=40)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    source = open_source(path, camera="c")
    assert source.truncation is None  # not known before a complete pass
    frames = list(source)
    assert 5 < len(frames) < 40
    truncation = source.truncation
    assert (truncation.frames_read, truncation.frames_announced) == (len(frames), 40)
    assert str(truncation).startswith(f"clip.avi: video ended after {len(frames)} of 40 frames")


def test_faststart_remux_cut_at_30_percent_is_reported(tmp_path):
    """The index survives at the front of the file, so the container still announces every frame."""
    path = write_faststart_mp4(tmp_path / "cut.mp4", count=60)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.3)])
    source = open_source(path, camera="c")
    assert source.frame_count == 60
    read = sum(1 for _ in source)
    assert 0 < read < 40
    assert source.truncation is not None and source.truncation.frames_read == read


def test_complete_video_stepped_or_stopped_early_reports_no_truncation(tmp_path):
    path = write_video(tmp_path / "clip.avi", count=20)
    stepped = open_source(path, camera="c", step=3)
    assert [f.index for f in stepped] == list(range(0, 20, 3))
    assert (stepped.frames_read, stepped.truncation) == (20, None)
    stopped = open_source(path, camera="c")
    next(iter(stopped))
    assert (stopped.frames_read, stopped.truncation) == (None, None)


def test_pets_video_decodes(pets_dir):
    source = open_source(pets_dir / "vtest.avi", camera="view1", start_frame=792)
    assert (source.frame_count, source.width, source.height) == (795, 768, 576)
    assert [f.index for f in source] == [792, 793, 794]
