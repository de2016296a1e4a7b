"""A detection rate below the video's (``crosscam run --detect-fps F``): which frames are detected, and the boxes
of the frames between.

Every ``stride``-th frame is decoded, detected and tracked (:func:`detection_stride`); the tracker runs at
``fps / stride``, so its motion model predicts across the skipped frames. Afterwards each track's boxes are
linearly interpolated over the skipped frames between two detected ones as the track ends
(:func:`fill_skipped_frames`, with :func:`crosscam.track.interpolate.interpolate_gaps`), so the outputs have a box
on every frame as at full rate.
"""

from __future__ import annotations

import numpy as np

from crosscam.errors import CrosscamError
from crosscam.track.interpolate import interpolate_gaps
from crosscam.types import TrackedBoxes


def detection_stride(source_fps: float, detect_fps: float | None) -> int:
    """Frames per detected frame: ``round(source_fps / detect_fps)``, at least 1 (None: every frame)."""
    if detect_fps is None:
        return 1
    if detect_fps <= 0:
        raise CrosscamError(f"--detect-fps must be positive, got {detect_fps}")
    return max(1, round(source_fps / detect_fps))


def fill_skipped_frames(boxes: TrackedBoxes, stride: int) -> TrackedBoxes:
    """The boxes of finished tracks with each track interpolated across the ``stride - 1`` skipped frames between
    two detected frames (longer gaps, where the detector missed the person, stay gaps as at full rate), ordered by
    frame then track id; ``boxes`` itself when ``stride`` is 1.

    A filled box's timestamp is interpolated from the detected frames' timestamps. Every track must be complete
    in ``boxes`` (:class:`~crosscam.associate.tracklet_builder.TrackletBuilder` fills each track as it ends).
    """
    if stride <= 1 or len(boxes) == 0:
        return boxes
    filled = TrackedBoxes.from_mot(boxes.camera, interpolate_gaps(boxes.to_mot(), stride - 1), fps=1.0)
    known = np.unique(boxes.frame, return_index=True)
    timestamp = np.interp(filled.frame, known[0], boxes.timestamp[known[1]])
    return TrackedBoxes(boxes.camera, filled.frame, timestamp, filled.track_id, filled.xyxy, filled.score)


def recorded_boxes(boxes: TrackedBoxes, stride: int) -> TrackedBoxes:
    """The boxes of the detected frames, numbered as the frames of the camera's recording (which holds the
    processed frames only: its frame ``n`` is source frame ``n x stride``); the interpolated boxes are left out."""
    if stride <= 1:
        return boxes
    detected = boxes[boxes.frame % stride == 0]
    return TrackedBoxes(
        boxes.camera, detected.frame // stride, detected.timestamp, detected.track_id, detected.xyxy, detected.score
    )


def recording_stride(source_fps: float, recording_fps: float) -> int:
    """The detection stride a recording was made at, from its frame rate (``source_fps / stride``)."""
    return max(1, round(source_fps / recording_fps))
