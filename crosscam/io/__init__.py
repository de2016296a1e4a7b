"""Frames in: video files, image-sequence folders and stream URLs behind one iterable."""

from crosscam.io.frames import Frame, FrameSource, Truncation, open_source

__all__ = ["Frame", "FrameSource", "Truncation", "open_source"]
