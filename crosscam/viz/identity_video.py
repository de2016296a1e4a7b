"""Annotated video of one camera with each person's global identity (``P<id>``) and a short trail."""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from crosscam.types import Camera, TrackedBoxes

TRAIL_LENGTH = 20


def identity_colour(global_id: int) -> tuple[int, int, int]:
    """A stable, well-separated BGR colour per identity (golden-angle hue steps)."""
    hue = int((global_id * 137.508) % 180)
    hsv = np.uint8([[[hue, 200, 255]]])
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def write_identity_video(
    camera: Camera,
    boxes: TrackedBoxes,
    global_of: dict[tuple[str, int], int],
    path: Path,
) -> Path:
    """Re-read the camera's source and draw its stored boxes labelled with global ids into ``path`` (mp4)."""
    from crosscam.io.frames import open_source

    by_frame = defaultdict(list)
    for frame, track_id, (x1, y1, x2, y2) in zip(boxes.frame, boxes.track_id, boxes.xyxy, strict=True):
        by_frame[int(frame)].append((int(track_id), x1, y1, x2, y2))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), camera.fps, (camera.width, camera.height))
    trails: dict[int, deque] = defaultdict(lambda: deque(maxlen=TRAIL_LENGTH))
    origin = camera.start_time
    try:
        source = open_source(camera.source, camera.name)
        for frame in tqdm(source, total=camera.frames, desc=f"video {camera.name}", unit="frame", leave=False):
            image = frame.image.copy()
            for track_id, x1, y1, x2, y2 in by_frame.get(frame.index, []):
                global_id = global_of.get((camera.name, track_id))
                if global_id is None:
                    continue
                colour = identity_colour(global_id)
                trails[track_id].append((int((x1 + x2) / 2), int(y2)))
                cv2.rectangle(image, (int(x1), int(y1)), (int(x2), int(y2)), colour, 2)
                label = f"P{global_id}"
                (width, height), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 2)
                # Above the box, or inside it when the box touches the top of the frame.
                top = int(y1) - height - 6 if y1 >= height + 6 else int(y1)
                cv2.rectangle(image, (int(x1), top), (int(x1) + width + 4, top + height + 6), colour, -1)
                cv2.putText(image, label, (int(x1) + 2, top + height + 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2)
                points = np.array(trails[track_id], dtype=np.int32)
                cv2.polylines(image, [points], False, colour, 2)
            clock = (origin + timedelta(seconds=frame.timestamp)).strftime("%H:%M:%S.%f")[:-4] if origin else ""
            caption = f"{camera.name}  t={frame.timestamp:.2f}s  {clock}"
            cv2.putText(image, caption, (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
            writer.write(image)
    finally:
        writer.release()
    return path
