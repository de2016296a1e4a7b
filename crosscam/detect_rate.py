"""A detection rate below the video's (``crosscam run --detect-fps F``): which frames are detected, and the boxes
of the frames between.

Every ``stride``-th frame is decoded, detected and tracked (:func:`detection_stride`); the tracker runs at
``fps / stride``, so its motion model predicts across the skipped frames. Afterwards each track's boxes are
linearly interpolated over the skipped frames between two detected ones as the track ends
(:func:`crosscam.track.interpolate.interpolate_boxes`, which also fills the short gaps where the detector missed
the person), so the outputs have a box on every frame as at full rate.
"""

from __future__ import annotations

from crosscam.errors import CrosscamError
from crosscam.types import TrackedBoxes


def detection_stride(source_fps: float, detect_fps: float | None) -> int:
    """Frames per detected frame: ``round(source_fps / detect_fps)``, at least 1 (None: every frame)."""
    if detect_fps is None:
        return 1
    if detect_fps <= 0:
        raise CrosscamError(f"--detect-fps must be positive, got {detect_fps}")
    return max(1, round(source_fps / detect_fps))


def recorded_boxes(boxes: TrackedBoxes, stride: int) -> TrackedBoxes:
    """The boxes of the detected frames, numbered as the frames of the camera's recording (which holds the
    processed frames only: its frame ``n`` is source frame ``n x stride``); the boxes of the skipped frames are
    left out (a box filled across a missed detection on a detected frame stays, as in the MOT output)."""
    if stride <= 1:
        return boxes
    detected = boxes[boxes.frame % stride == 0]
    return TrackedBoxes(
        boxes.camera, detected.frame // stride, detected.timestamp, detected.track_id, detected.xyxy, detected.score
    )


def recording_stride(source_fps: float, recording_fps: float) -> int:
    """The detection stride a recording was made at, from its frame rate (``source_fps / stride``)."""
    return max(1, round(source_fps / recording_fps))
