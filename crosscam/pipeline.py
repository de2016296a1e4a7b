"""One camera's footage -> its tracked boxes and embedded tracklets (the per-camera half of ``crosscam run``).

Data flows one way: frames -> detections -> tracks (:func:`crosscam.track.track_frames`) ->
:class:`~crosscam.associate.tracklet_builder.TrackletBuilder` (good crops) -> embeddings. Nothing here
touches the store or the disk; :mod:`crosscam.run` stores the result, and
:func:`crosscam.associate.associate.associate` links the cameras afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from tqdm import tqdm

from crosscam.associate.tracklet_builder import CameraTracklets, TrackletBuilder
from crosscam.cameras import CameraSpec
from crosscam.config import RunConfig
from crosscam.detect.base import Detections, Detector
from crosscam.embed.base import Embedder
from crosscam.io.frames import Frame, FrameSource, Truncation
from crosscam.io.probe import check_complete
from crosscam.types import Camera

FLUSH_SECONDS = 60.0  # of video between two flushes of the tracks that ended: bounds a long camera's memory


@dataclass(frozen=True)
class ProcessedCamera:
    """A camera as probed and read (``frames`` counted), with its tracklets and their boxes.

    ``truncation``: the video ended before the frame count its container announced (None: read completely).
    """

    camera: Camera
    result: CameraTracklets
    truncation: Truncation | None = None


def process_camera(
    spec: CameraSpec,
    source: FrameSource,
    detector: Detector,
    embedder: Embedder,
    config: RunConfig | None = None,
    tracker_embedder: Embedder | None = None,
    on_frame: Callable[[Frame, Detections], None] | None = None,
    progress: bool = True,
) -> ProcessedCamera:
    """Detect, track, sample crops and embed one camera, whose frames ``source`` gives (opened from ``spec.source``).

    ``tracker_embedder`` gives the per-camera tracker its appearance cue (a fast model suffices there);
    ``embedder`` makes the tracklet embeddings used across cameras. ``on_frame`` sees every frame with its
    tracked boxes as it is processed (for example to write a video: the source is read once). A source that yields
    every ``source.step``-th frame (``--detect-fps``) is tracked at ``fps / step``; as each track ends, its boxes
    are interpolated across the frames between and across gaps up to ``config.interpolate_seconds``
    (:mod:`crosscam.detect_rate`). ``progress``: draw progress bars.
    """
    from crosscam.track import Tracker, track_frames
    from crosscam.track.interpolate import fill_gap_frames

    config = config or RunConfig()
    step = source.step
    tracker = Tracker(replace(config.tracker, fps=source.fps / step), tracker_embedder)
    max_gap = fill_gap_frames(step, config.interpolate_seconds, source.fps)
    builder = TrackletBuilder(spec.name, config.crops, max_gap)
    count = 0
    total = None if source.frame_count is None else -(-(source.frame_count - source.start_frame) // step)
    frames = tqdm(source, total=total, desc=f"track {spec.name}", unit="frame", disable=not progress)
    flushed_at = 0.0
    for frame, tracked in track_frames(frames, detector, tracker):
        builder.add(frame, tracked)
        if frame.timestamp - flushed_at >= FLUSH_SECONDS:  # finished tracks embedded, their crops freed
            builder.flush(embedder, frame.timestamp, config.tracker.max_lost_seconds + 1.0)
            flushed_at = frame.timestamp
        if on_frame is not None:
            on_frame(frame, tracked)
        count = frame.index + 1
    truncation = check_complete(source, config.strict)  # an error under --strict, before the tracklets are embedded
    camera = Camera(spec.name, spec.source, spec.start_time, source.fps, source.width, source.height, count)
    return ProcessedCamera(camera, builder.finish(embedder, progress=progress), truncation)
