"""Run videos are drawn from the recording made while processing, never from the source."""

import cv2
import numpy as np

from crosscam.detect.base import Detections
from crosscam.io.frames import Frame, open_source
from crosscam.types import TrackedBoxes
from crosscam.viz.annotators import id_colour
from crosscam.viz.identity_video import FrameRecorder, caption, write_identity_video


def test_the_video_is_drawn_from_the_recording_with_global_ids(tmp_path):
    recording = tmp_path / "frames" / "hall.mp4"
    recorder = FrameRecorder(recording, 10.0, (160, 120))
    for index in range(6):
        recorder(Frame("hall", index, index / 10, np.full((120, 160, 3), 60, np.uint8)), Detections.empty())
    recorder.close()
    # Track 5 has identity 2; track 9 has none (not drawn). Boxes only in frames 2 and 3.
    boxes = TrackedBoxes(
        "hall",
        [2, 2, 3],
        [0.2, 0.2, 0.3],
        [5, 9, 5],
        [[20, 20, 70, 100], [90, 20, 140, 100], [24, 20, 74, 100]],
        [1, 1, 1],
    )
    path = write_identity_video(recording, boxes, {5: 2}, tmp_path / "videos" / "hall.mp4")
    frames = [frame.image for frame in open_source(path, "hall")]
    assert len(frames) == 6
    colour = np.array(id_colour(2), float)

    def near(pixel):
        return np.abs(pixel.astype(float) - colour).max() < 60

    assert near(frames[2][60, 20]) and near(frames[3][60, 24])  # the left edges of track 5's boxes
    assert not near(frames[2][60, 90]) and not near(frames[0][60, 20])  # no identity / no box
    assert frames[0][10:30, 10:60].max() > 200  # the caption drawn while recording


def test_caption_shows_the_wall_clock_when_known():
    from datetime import datetime

    assert caption("hall", 1.25, None) == "hall  t=1.25s"
    assert caption("hall", 1.25, datetime(2026, 1, 1, 8)) == "hall  t=1.25s  08:00:01.25"


def test_recording_keeps_every_frame(tmp_path):
    recorder = FrameRecorder(tmp_path / "r.mp4", 25.0, (64, 48))
    for index in range(30):
        recorder(Frame("c", index, index / 25, np.full((48, 64, 3), index * 8, np.uint8)), Detections.empty())
    recorder.close()
    capture = cv2.VideoCapture(str(tmp_path / "r.mp4"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 30
    capture.release()
