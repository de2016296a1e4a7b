"""Annotated videos of a run, drawn from the frames as they were processed: the source is read once.

Global identities are known only after every camera was processed and associated. So while a camera is
processed, :class:`FrameRecorder` writes each frame (captioned with the camera name and its time) to
``frames/<camera>.mp4`` in the run folder; after association, :func:`write_identity_video` reads that
recording, never the source (a stream would give new frames, a file may have changed), and draws each stored
box with its person's id, colour and trail into ``videos/<camera>.mp4``. The recording stays in the run
folder, so the videos can be redrawn after a later association without the footage.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from tqdm import tqdm

from crosscam.detect.base import Detections
from crosscam.io.frames import Frame
from crosscam.types import TrackedBoxes
from crosscam.viz.annotators import BoxAnnotator, CaptionAnnotator, LabelAnnotator, TraceAnnotator, annotate_tracks
from crosscam.viz.video_writer import open_video_writer


def caption(camera: str, timestamp: float, start_time: datetime | None) -> str:
    """``lobby  t=12.34s  08:00:12.34``: the camera, the frame's timestamp, and its wall clock when known."""
    clock = (start_time + timedelta(seconds=timestamp)).strftime("%H:%M:%S.%f")[:-4] if start_time else ""
    return f"{camera}  t={timestamp:.2f}s  {clock}".rstrip()


class FrameRecorder:
    """Writes every processed frame of one camera, captioned, to ``path``; call it with each (frame, tracked).

    The recording's n-th frame is the n-th frame processed; ``crosscam run`` processes every frame from the first,
    so that is the frame of index n. With ``blur`` the faces inside the frame's tracked boxes are blurred before
    the frame is written (:meth:`crosscam.privacy.FaceBlurrer.blur_people`), so the recording and every video
    drawn from it show no face.
    """

    def __init__(
        self, path: Path, fps: float, size: tuple[int, int], start_time: datetime | None = None, blur: bool = True
    ):
        self.path = path
        self.start_time = start_time
        self._blurrer = None
        if blur:
            from crosscam.privacy.face_blur import default_blurrer

            self._blurrer = default_blurrer()
        self._writer = open_video_writer(path, fps, size)
        self._caption = CaptionAnnotator()

    def __call__(self, frame: Frame, tracked: Detections) -> None:
        text = caption(frame.camera, frame.timestamp, self.start_time)
        image = frame.image if self._blurrer is None else self._blurrer.blur_people(frame.image, tracked.xyxy)
        self._writer.write(self._caption.annotate(image, text))

    def close(self) -> None:
        self._writer.close()


def write_identity_video(recording: Path, boxes: TrackedBoxes, global_ids: dict[int, int], path: Path) -> Path:
    """Draw ``boxes`` labelled ``P<global id>`` (track id -> global id: ``global_ids``) onto the frames of
    ``recording`` (made by :class:`FrameRecorder`) into ``path``. Boxes of tracks without an identity are left out.
    """
    from crosscam.io.frames import open_source

    known = np.isin(boxes.track_id, list(global_ids))
    boxes = boxes[known].sorted()
    labelled = boxes.with_ids(np.array([global_ids[int(t)] for t in boxes.track_id], dtype=np.int64))
    source = open_source(recording, boxes.camera)
    annotators = [TraceAnnotator(), BoxAnnotator(), LabelAnnotator(prefix="P", scale=0.6, thickness=2)]
    with open_video_writer(path, source.fps, (source.width, source.height)) as writer:
        frames = tqdm(source, total=source.frame_count, desc=f"video {boxes.camera}", unit="frame", leave=False)
        for frame in frames:
            first, last = np.searchsorted(labelled.frame, [frame.index, frame.index + 1])
            writer.write(annotate_tracks(frame.image, labelled[first:last], annotators))
    return path
