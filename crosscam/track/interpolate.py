"""Offline gap filling: linear interpolation of each track's box across short gaps (as in StrongSORT++).

It runs on finished MOT rows, after online tracking; a filled box takes the lower score of the two boxes
around its gap.
"""

from __future__ import annotations

import numpy as np

from crosscam.types import TrackedBoxes

# Gaps of up to this long are filled: 2 s, chosen by leave-one-sequence-out over 1 s in every fold (0.5 s lost
# earlier; benchmarks/tracking_suite.py). MOT16 scores people hidden behind others (1,236 of MOT16-09's boxes
# have visibility < 0.1); filling an occlusion between two sightings of one track recovers them.
DEFAULT_INTERPOLATE_SECONDS = 2.0


def gap_frames(seconds: float, fps: float) -> int:
    """The longest gap, in frames, that ``seconds`` of interpolation fills at ``fps``."""
    return max(0, round(seconds * fps))


def interpolate_gaps(rows: np.ndarray, max_gap: int) -> np.ndarray:
    """MOT rows plus linearly interpolated rows for every gap of at most ``max_gap`` missing frames in a track."""
    filled = [rows]
    for track_id in np.unique(rows[:, 1]):
        track = rows[rows[:, 1] == track_id]
        track = track[np.argsort(track[:, 0])]
        gaps = np.flatnonzero((np.diff(track[:, 0]) > 1) & (np.diff(track[:, 0]) <= max_gap + 1))
        for gap in gaps:
            before, after = track[gap], track[gap + 1]
            frames = np.arange(before[0] + 1, after[0])
            weight = ((frames - before[0]) / (after[0] - before[0]))[:, None]
            block = np.repeat(before[None], len(frames), axis=0)
            block[:, 0] = frames
            block[:, 2:6] = (1 - weight) * before[2:6] + weight * after[2:6]
            block[:, 6] = min(before[6], after[6])
            filled.append(block)
    out = np.concatenate(filled)
    return out[np.lexsort((out[:, 1], out[:, 0]))]


def fill_gap_frames(stride: int, seconds: float, fps: float) -> int:
    """The longest gap, in source frames, that a run fills: the ``stride - 1`` frames ``--detect-fps`` skips
    between two detected ones, or ``seconds`` of a missed person, whichever is longer."""
    return max(stride - 1, gap_frames(seconds, fps))


def interpolate_boxes(boxes: TrackedBoxes, max_gap: int) -> TrackedBoxes:
    """``boxes`` with every track interpolated across its gaps of at most ``max_gap`` frames, ordered by frame then
    track id (longer gaps stay gaps). A filled box's timestamp is interpolated from the known frames' timestamps.

    Every track must be complete in ``boxes`` (:class:`~crosscam.associate.tracklet_builder.TrackletBuilder`
    fills each track as it ends).

    Example:
        >>> boxes = TrackedBoxes("cam", [0, 3], [0.0, 0.12], [1, 1], [[0, 0, 10, 20], [3, 0, 13, 20]], [0.9, 0.8])
        >>> filled = interpolate_boxes(boxes, max_gap=2)
        >>> filled.frame.tolist(), filled.xyxy[:, 0].tolist(), filled.timestamp.round(2).tolist()
        ([0, 1, 2, 3], [0.0, 1.0, 2.0, 3.0], [0.0, 0.04, 0.08, 0.12])
    """
    if len(boxes) == 0:
        return boxes
    filled = TrackedBoxes.from_mot(boxes.camera, interpolate_gaps(boxes.to_mot(), max_gap), fps=1.0)
    known = np.unique(boxes.frame, return_index=True)
    timestamp = np.interp(filled.frame, known[0], boxes.timestamp[known[1]])
    return TrackedBoxes(boxes.camera, filled.frame, timestamp, filled.track_id, filled.xyxy, filled.score)
