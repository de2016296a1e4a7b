"""Per-camera tracking: :class:`Tracker` with :class:`TrackerConfig`, :func:`track_frames`, MOT files."""

from crosscam.track.pipeline import track_frames
from crosscam.track.tracker import Tracker, TrackerConfig

__all__ = ["Tracker", "TrackerConfig", "track_frames"]
