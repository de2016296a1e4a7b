"""--detect-fps (the stride, every stride-th frame read, the skipped frames filled) and the gaps a run fills."""

import cv2
import numpy as np
import pytest

from crosscam.cameras import CameraSpec
from crosscam.config import RunConfig
from crosscam.detect.base import Detections, Detector
from crosscam.detect_rate import detection_stride, recorded_boxes, recording_stride
from crosscam.embed.hsv import HsvStripesEmbedder
from crosscam.errors import CrosscamError
from crosscam.io.frames import open_source
from crosscam.pipeline import process_camera
from crosscam.track.interpolate import fill_gap_frames, interpolate_boxes
from crosscam.types import TrackedBoxes


def test_stride_is_the_rounded_ratio_of_rates():
    assert detection_stride(25.0, None) == 1
    assert detection_stride(29.97, 5) == 6 and detection_stride(10.0, 5) == 2 and detection_stride(10.0, 30) == 1
    with pytest.raises(CrosscamError, match="positive"):
        detection_stride(25.0, 0)


def test_skipped_frames_are_interpolated_between_detected_ones_only():
    # Track 1 detected at frames 0, 3, 6 and then 12 (missed at 9: a real gap, left open); track 2 once.
    frames = np.array([0, 3, 6, 12, 6])
    ids = np.array([1, 1, 1, 1, 2])
    xyxy = np.array([[0, 0, 10, 20], [3, 0, 13, 20], [6, 0, 16, 20], [12, 0, 22, 20], [50, 50, 60, 70]], float)
    boxes = TrackedBoxes("cam", frames, frames * 0.04 + 1.0, ids, xyxy, [0.9, 0.8, 0.7, 0.9, 0.5])
    filled = interpolate_boxes(boxes, fill_gap_frames(stride=3, seconds=0.0, fps=25.0))
    one = filled.of_track(1)
    assert one.frame.tolist() == [0, 1, 2, 3, 4, 5, 6, 12]
    np.testing.assert_allclose(one.xyxy[:, 0], [0, 1, 2, 3, 4, 5, 6, 12])
    np.testing.assert_allclose(one.timestamp, one.frame * 0.04 + 1.0)
    assert one.score[1] == pytest.approx(0.8) and one.score[4] == pytest.approx(0.7)  # the lower of the two ends
    assert filled.frame.tolist() == [0, 1, 2, 3, 4, 5, 6, 6, 12] and filled.track_id[6:8].tolist() == [1, 2]
    assert interpolate_boxes(boxes, fill_gap_frames(stride=1, seconds=0.0, fps=25.0)).frame.tolist() == [0, 3, 6, 6, 12]
    assert fill_gap_frames(stride=3, seconds=2.0, fps=25.0) == 50 and fill_gap_frames(60, 2.0, 25.0) == 59


def test_a_step_reads_every_stride_th_frame_with_source_indices(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(10):
        cv2.imwrite(str(folder / f"{i:02d}.png"), np.full((8, 8, 3), i * 20, np.uint8))
    source = open_source(folder, "cam", step=3)
    read = [(f.index, f.timestamp, int(f.image[0, 0, 0])) for f in source]
    assert read == [(0, 0.0, 0), (3, 0.12, 60), (6, 0.24, 120), (9, 0.36, 180)]
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (16, 16))
    for i in range(9):
        writer.write(np.full((16, 16, 3), i * 25, np.uint8))
    writer.release()
    frames = list(open_source(video, "cam", step=4))
    assert [f.index for f in frames] == [0, 4, 8]
    assert [round(f.timestamp, 3) for f in frames] == [0.0, 0.4, 0.8]
    assert [abs(int(f.image[0, 0, 0]) - 25 * f.index) <= 3 for f in frames] == [True] * 3


class BrightBlock(Detector):
    name = "bright-block"

    def detect(self, image_bgr):
        ys, xs = np.nonzero(image_bgr[:, :, 2] > 200)
        return Detections([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], [0.9]) if len(xs) else Detections.empty()


def moving_block_frames(folder, count):
    """An image folder of ``count`` frames: a red block moving 5 px a frame to the right."""
    folder.mkdir()
    for i in range(count):
        image = np.full((240, 320, 3), 40, np.uint8)
        cv2.rectangle(image, (40 + 5 * i, 60), (90 + 5 * i, 200), (30, 60, 250), -1)
        cv2.imwrite(str(folder / f"{i:03d}.png"), image)
    return folder


def test_a_camera_detected_at_a_third_of_its_rate_has_a_box_on_every_frame(tmp_path):
    folder = moving_block_frames(tmp_path / "frames", 19)
    seen = []
    source = open_source(folder, "hall", step=3)
    spec = CameraSpec("hall", str(folder))
    processed = process_camera(
        spec, source, BrightBlock(), HsvStripesEmbedder(), on_frame=lambda f, t: seen.append(f.index)
    )
    assert seen == list(range(0, 19, 3))
    (tracklet,) = processed.result.tracklets
    boxes = processed.result.boxes
    assert (
        tracklet.first_frame < 6
        and tracklet.last_frame == 18
        and boxes.frame.tolist() == list(range(tracklet.first_frame, 19))
    )
    np.testing.assert_allclose(np.diff(boxes.xyxy[:, 0]), 5, atol=1.5)  # the block moves 5 px a frame


class MissingFrames(BrightBlock):
    """The bright block, missed on the frames in ``missed``."""

    def __init__(self, missed):
        self.missed, self.calls = set(missed), 0

    def detect(self, image_bgr):
        self.calls += 1
        return Detections.empty() if self.calls - 1 in self.missed else super().detect(image_bgr)


@pytest.mark.parametrize("seconds, frames", [(2.0, list(range(30))), (0.0, [*range(10), *range(16, 30)])])
def test_a_run_fills_a_track_missed_for_less_than_the_interpolation_time(tmp_path, seconds, frames):
    # 25 fps: the detector misses the person on frames 10-15 (0.24 s); 2 s of filling (the default) closes the
    # gap as `crosscam track` does, 0 leaves it open.
    folder = moving_block_frames(tmp_path / "frames", 30)
    config = RunConfig(interpolate_seconds=seconds)
    processed = process_camera(
        CameraSpec("hall", str(folder)),
        open_source(folder, "hall"),
        MissingFrames(range(10, 16)),
        HsvStripesEmbedder(),
        config,
        progress=False,
    )
    (tracklet,) = processed.result.tracklets
    boxes = processed.result.boxes
    assert boxes.frame[boxes.frame >= tracklet.first_frame].tolist() == frames[tracklet.first_frame :]
    assert tracklet.num_boxes == len(boxes)
    np.testing.assert_allclose(np.diff(boxes.xyxy[:, 0]) / np.diff(boxes.frame), 5, atol=1.5)


def test_recorded_boxes_are_those_of_the_detected_frames_renumbered():
    boxes = TrackedBoxes("cam", [0, 1, 2, 3, 6], [0, 0.1, 0.2, 0.3, 0.6], [1] * 5, np.zeros((5, 4)), np.ones(5))
    recorded = recorded_boxes(boxes, 3)
    assert recorded.frame.tolist() == [0, 1, 2] and recorded.timestamp.tolist() == [0, 0.3, 0.6]
    assert recorded_boxes(boxes, 1) is boxes
    assert recording_stride(29.97, 29.97 / 6) == 6 and recording_stride(10.0, 10.0) == 1
