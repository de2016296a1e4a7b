"""A browser-playable clip of one appearance, cut from its camera's source with the person's box drawn.

Clips are made on first request and kept under ``<run>/serve_clips/`` (named by a hash of camera, track and frame
span, so a re-run camera gets new ones). A clip starts ``LEAD_SECONDS`` before the appearance, so the page seeks to
its start; it is at most ``MAX_SECONDS`` long and at most ``MAX_WIDTH`` pixels wide. Unless the run was made with
``--no-blur``, the faces inside every stored box of each frame are blurred, as in the run's own videos.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import cv2
import numpy as np

from crosscam.errors import CrosscamError
from crosscam.serve.data import RunData
from crosscam.types import Tracklet
from crosscam.viz.video_writer import open_video_writer

CLIPS = "serve_clips"
LEAD_SECONDS = 1.0
MAX_SECONDS = 120.0
MAX_WIDTH = 960
BOX_COLOUR = (0, 215, 255)  # BGR amber; no identity label, so a clip stays right after corrections
_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def clip_name(tracklet: Tracklet) -> str:
    """A file name from the camera, track and frame span (camera names may hold any character)."""
    key = f"{tracklet.camera}\0{tracklet.track_id}\0{tracklet.first_frame}\0{tracklet.last_frame}"
    return f"{CLIPS}/{hashlib.sha1(key.encode()).hexdigest()[:20]}.mp4"


def lead_frames(fps: float, first_frame: int) -> int:
    """How many frames before the appearance the clip starts (fewer at the start of the video)."""
    return min(first_frame, int(round(LEAD_SECONDS * fps)))


@dataclass(frozen=True)
class ClipSource:
    url: str
    start: float  # where the appearance starts in it (seconds)
    end: float | None = None  # where it ends, when the video goes on after it


def clip_source(run: RunData, tracklet: Tracklet) -> ClipSource | None:
    """What the page plays for an appearance: a clip cut from the camera's source file or folder; else, when the
    source is a live stream or is not here, the run's annotated video of the camera seeked to the appearance;
    None when neither exists."""
    camera = run.camera[tracklet.camera]
    if "://" not in camera.source and Path(camera.source).exists():
        return ClipSource(f"/clips/{tracklet.id}", lead_frames(camera.fps, tracklet.first_frame) / camera.fps)
    video = run.video_of(tracklet.camera)
    if video is None:
        return None
    return ClipSource(f"/files/{quote(video)}", tracklet.start, tracklet.end)


def make_clip(run: RunData, tracklet: Tracklet) -> tuple[str, float]:
    """The clip's path relative to the run folder and the second inside it where the appearance starts."""
    camera = run.camera[tracklet.camera]
    lead = lead_frames(camera.fps, tracklet.first_frame)
    relative = clip_name(tracklet)
    path = run.folder / relative
    with _locks_guard:
        lock = _locks.setdefault(path, threading.Lock())
    with lock:
        if not path.is_file():
            _write_clip(run, tracklet, lead, path)
    return relative, lead / camera.fps


def _write_clip(run: RunData, tracklet: Tracklet, lead: int, path: Path) -> None:
    from crosscam.io.frames import open_source

    camera = run.camera[tracklet.camera]
    if "://" in camera.source or not Path(camera.source).exists():
        raise CrosscamError(f"camera {camera.name!r}: its source is a stream or is not here any more: no clip")
    boxes = run.boxes_of(tracklet)
    box_of = {int(f): box for f, box in zip(boxes.frame, boxes.xyxy, strict=True)}
    first = tracklet.first_frame - lead
    last = min(tracklet.last_frame + lead, first + int(MAX_SECONDS * camera.fps))
    scale = min(1.0, MAX_WIDTH / camera.width) if camera.width else 1.0
    size = (int(round(camera.width * scale)), int(round(camera.height * scale)))
    blurrer, people = None, None
    if run.blur:
        from crosscam.privacy.face_blur import default_blurrer

        blurrer, people = default_blurrer(), run.camera_boxes(camera.name).sorted()
    temporary = path.with_suffix(".part.mp4")
    with open_video_writer(temporary, camera.fps, size) as writer:
        for frame in open_source(camera.source, camera.name, start_frame=first):
            if frame.index > last:
                break
            image = frame.image
            if blurrer is not None:
                start, stop = np.searchsorted(people.frame, [frame.index, frame.index + 1])
                image = blurrer.blur_people(image, people.xyxy[start:stop])
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if scale != 1.0 else image
            box = box_of.get(frame.index)
            if box is not None:
                x1, y1, x2, y2 = (int(round(v * scale)) for v in box)
                cv2.rectangle(image, (x1, y1), (x2, y2), BOX_COLOUR, 3)
            writer.write(image)
    if writer.frames == 0:
        temporary.unlink(missing_ok=True)
        raise CrosscamError(f"camera {camera.name!r}: no frames from {first} on in its source")
    temporary.replace(path)
