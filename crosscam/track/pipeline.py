"""The one data path from frames to tracked boxes, shared by ``crosscam track`` and ``crosscam run``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from crosscam.detect.base import Detections, Detector
from crosscam.io.frames import Frame
from crosscam.track.tracker import Tracker


def track_frames(frames: Iterable[Frame], detector: Detector, tracker: Tracker) -> Iterator[tuple[Frame, Detections]]:
    """Detect and track every frame in order; yields each frame with its tracked boxes (``tracker_id`` set).

    Example:
        >>> from crosscam.detect import create_detector
        >>> from crosscam.io import open_source
        >>> from crosscam.track import Tracker, TrackerConfig, track_frames
        >>> source = open_source("vtest.avi", camera="cam1")  # doctest: +SKIP
        >>> tracker = Tracker(TrackerConfig(fps=source.fps))  # doctest: +SKIP
        >>> for frame, tracked in track_frames(source, create_detector(), tracker):  # doctest: +SKIP
        ...     print(frame.index, tracked.tracker_id)
    """
    for frame in frames:
        yield frame, tracker.update(frame.image, detector.detect(frame.image))
