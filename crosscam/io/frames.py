"""Read frames from a video file, an image-sequence folder or a stream URL.

Every frame carries the camera name, its 0-based index and a timestamp in
seconds since the camera started (the container's timestamp for video files,
``index / fps`` for image folders, the wall clock for live streams).

Example:
    >>> from crosscam.io import open_source
    >>> source = open_source("vtest.avi", camera="cam1")  # doctest: +SKIP
    >>> for frame in source:  # doctest: +SKIP
    ...     print(frame.camera, frame.index, frame.timestamp, frame.image.shape)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
STREAM_PREFIXES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
DEFAULT_FOLDER_FPS = 25.0


@dataclass(frozen=True)
class Truncation:
    """A video that ended before the frame count its container announced (a cut or damaged file)."""

    location: str
    frames_read: int
    frames_announced: int

    def __str__(self) -> str:
        return (
            f"{Path(self.location).name}: video ended after {self.frames_read} of {self.frames_announced} frames "
            f"(truncated or corrupt: {self.location})"
        )


@dataclass(frozen=True)
class Frame:
    camera: str
    index: int
    timestamp: float
    image: np.ndarray = field(repr=False)


class FrameSource:
    """An iterable of :class:`Frame` with ``fps``, ``frame_count`` (None for streams), ``width`` and ``height``.

    ``start_frame`` skips that many frames (seeking where the container allows); indices stay absolute.
    After a complete iteration ``frames_read`` is the position reached (the index after the last frame) and
    ``truncation`` is a :class:`Truncation` when a video ended more than one frame before its announced count.
    ``step`` yields every ``step``-th frame from there (a lower detection rate); the frames between are skipped
    without being decoded where the format allows.
    """

    fps: float
    frame_count: int | None
    width: int
    height: int

    def __init__(self, location: str, camera: str, start_frame: int = 0, step: int = 1):
        self.location = location
        self.camera = camera
        self.start_frame = start_frame
        self.step = step
        self.frames_read: int | None = None

    @property
    def truncation(self) -> Truncation | None:
        """Set after a complete iteration that ended early; None otherwise (also for streams and folders)."""
        if self.frames_read is None or self.frame_count is None or self.frames_read >= self.frame_count - 1:
            return None
        return Truncation(self.location, self.frames_read, self.frame_count)

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.location!r}, camera={self.camera!r}, fps={self.fps:g}, "
            f"frames={self.frame_count}, size={self.width}x{self.height})"
        )


class VideoSource(FrameSource):
    """A video file or a stream URL decoded by OpenCV (FFmpeg backend)."""

    def __init__(self, location: str, camera: str, fps: float | None = None, start_frame: int = 0, step: int = 1):
        super().__init__(location, camera, start_frame, step)
        self.is_stream = location.lower().startswith(STREAM_PREFIXES)
        capture = self._open()
        try:
            container_fps = capture.get(cv2.CAP_PROP_FPS)
            self.fps = float(fps or (container_fps if 0 < container_fps < 1000 else DEFAULT_FOLDER_FPS))
            count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
            self.frame_count = None if self.is_stream or count <= 0 else count
            self.width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
            self.height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
            if not self.is_stream and (self.width <= 0 or self.height <= 0 or not capture.grab()):
                raise CrosscamError(f"{location}: no decodable video frames (corrupt or not a video)")
        finally:
            capture.release()
        self._use_container_time = fps is None and not self.is_stream

    def _open(self) -> cv2.VideoCapture:
        if not self.is_stream and not Path(self.location).is_file():
            raise CrosscamError(f"{self.location}: no such video file or image folder")
        capture = cv2.VideoCapture(self.location)
        if not capture.isOpened():
            kind = "stream" if self.is_stream else "video (corrupt or unsupported format)"
            raise CrosscamError(f"{self.location}: cannot open {kind}")
        return capture

    def __iter__(self) -> Iterator[Frame]:
        capture = self._open()
        try:
            index = 0
            if self.start_frame > 0:
                if not self.is_stream and capture.set(cv2.CAP_PROP_POS_FRAMES, self.start_frame):
                    index = int(capture.get(cv2.CAP_PROP_POS_FRAMES))
                while index < self.start_frame and capture.grab():
                    index += 1
            started = time.monotonic()
            while True:
                ok, image = capture.read()
                if not ok or image is None:
                    break
                if self.is_stream:
                    timestamp = time.monotonic() - started
                elif self._use_container_time:
                    timestamp = max(capture.get(cv2.CAP_PROP_POS_MSEC), 0.0) / 1000.0
                else:
                    timestamp = index / self.fps
                yield Frame(self.camera, index, timestamp, image)
                index += 1
                while (index - self.start_frame) % self.step and capture.grab():  # skipped: demuxed, not decoded
                    index += 1
            self.frames_read = index  # only after a complete pass: a consumer that stops early leaves it None
        finally:
            capture.release()


class ImageFolderSource(FrameSource):
    """A folder of still images, read in sorted file-name order at a nominal frame rate."""

    def __init__(self, location: str, camera: str, fps: float | None = None, start_frame: int = 0, step: int = 1):
        super().__init__(location, camera, start_frame, step)
        self.paths = sorted(p for p in Path(location).iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
        if not self.paths:
            raise CrosscamError(f"{location}: image folder holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))})")
        self.fps = float(fps or DEFAULT_FOLDER_FPS)
        self.frame_count = len(self.paths)
        self.height, self.width = read_bgr(self.paths[0]).shape[:2]

    def __iter__(self) -> Iterator[Frame]:
        for index in range(self.start_frame, len(self.paths), self.step):
            yield Frame(self.camera, index, index / self.fps, read_bgr(self.paths[index]))
        self.frames_read = len(self.paths)


def open_source(
    source: str | Path, camera: str, fps: float | None = None, start_frame: int = 0, step: int = 1
) -> FrameSource:
    """Open a video file, an image folder or a stream URL as an iterable of :class:`Frame`.

    ``fps`` overrides the container's frame rate (and then timestamps are ``index / fps``); image folders default
    to 25 fps. ``step`` > 1 yields every ``step``-th frame (indices and timestamps stay those of the source). A
    missing or undecodable source raises :class:`CrosscamError`; a video that ends early yields what it could
    decode and then reports it in ``source.truncation``.
    """
    location = str(source)
    if fps is not None and fps <= 0:
        raise CrosscamError(f"{location}: fps must be positive, got {fps}")
    if start_frame < 0:
        raise CrosscamError(f"{location}: start frame must be >= 0, got {start_frame}")
    if step < 1:
        raise CrosscamError(f"{location}: frame step must be >= 1, got {step}")
    if Path(location).is_dir():
        return ImageFolderSource(location, camera, fps, start_frame, step)
    return VideoSource(location, camera, fps, start_frame, step)
