"""Draw tracked boxes onto frames: small annotators, each with one ``annotate(image, boxes) -> image`` method.

In the style of ``supervision``: compose them in order; each returns a new image and leaves its input alone.
The id drawn and coloured is ``boxes.track_id``: per-camera track ids in ``crosscam track --video``, global
identity ids in the videos of ``crosscam run`` (the same boxes with the ids replaced, see
:meth:`crosscam.types.TrackedBoxes.with_ids`).

Example:
    >>> annotators = [TraceAnnotator(), BoxAnnotator(), LabelAnnotator(prefix="P")]
    >>> for annotator in annotators:  # doctest: +SKIP
    ...     image = annotator.annotate(image, boxes)
"""

from __future__ import annotations

from collections import defaultdict, deque

import cv2
import numpy as np

from crosscam.types import TrackedBoxes

FONT = cv2.FONT_HERSHEY_SIMPLEX


def id_colour(identifier: int) -> tuple[int, int, int]:
    """A stable BGR colour per id; golden-angle hue steps keep neighbouring ids apart."""
    hue = int((identifier * 137.508) % 180)
    return tuple(int(c) for c in cv2.cvtColor(np.uint8([[[hue, 210, 255]]]), cv2.COLOR_HSV2BGR)[0, 0])


def _corners(box: np.ndarray) -> tuple[int, int, int, int]:
    return tuple(int(round(float(v))) for v in box)


class BoxAnnotator:
    """A rectangle per box, in its id's colour."""

    def __init__(self, thickness: int = 2):
        self.thickness = thickness

    def annotate(self, image: np.ndarray, boxes: TrackedBoxes) -> np.ndarray:
        canvas = image.copy()
        for box, identifier in zip(boxes.xyxy, boxes.track_id, strict=True):
            x0, y0, x1, y1 = _corners(box)
            cv2.rectangle(canvas, (x0, y0), (x1, y1), id_colour(int(identifier)), self.thickness)
        return canvas


class LabelAnnotator:
    """The id (with an optional ``prefix``, e.g. ``P`` for a person) on a filled tag above each box, or inside
    the box when it touches the top of the frame."""

    def __init__(self, prefix: str = "", scale: float = 0.5, thickness: int = 1):
        self.prefix, self.scale, self.thickness = prefix, scale, thickness

    def annotate(self, image: np.ndarray, boxes: TrackedBoxes) -> np.ndarray:
        canvas = image.copy()
        for box, identifier in zip(boxes.xyxy, boxes.track_id, strict=True):
            x0, y0, _, _ = _corners(box)
            label = f"{self.prefix}{int(identifier)}"
            (width, height), _ = cv2.getTextSize(label, FONT, self.scale, self.thickness)
            top = y0 - height - 6 if y0 >= height + 6 else y0
            cv2.rectangle(canvas, (x0, top), (x0 + width + 4, top + height + 6), id_colour(int(identifier)), -1)
            cv2.putText(
                canvas, label, (x0 + 2, top + height + 2), FONT, self.scale, (0, 0, 0), self.thickness, cv2.LINE_AA
            )
        return canvas


class TraceAnnotator:
    """The last ``length`` foot points (bottom centres) of each id as a line: where the person walked.

    Stateful: feed it the frames of one camera in order.
    """

    def __init__(self, length: int = 20, thickness: int = 2):
        self.thickness = thickness
        self._trails: dict[int, deque] = defaultdict(lambda: deque(maxlen=length))

    def annotate(self, image: np.ndarray, boxes: TrackedBoxes) -> np.ndarray:
        canvas = image.copy()
        for (x, y), identifier in zip(boxes.foot_points(), boxes.track_id, strict=True):
            trail = self._trails[int(identifier)]
            trail.append((int(round(x)), int(round(y))))
            points = np.array(trail, np.int32)
            cv2.polylines(canvas, [points], False, id_colour(int(identifier)), self.thickness, cv2.LINE_AA)
        return canvas


class CaptionAnnotator:
    """One line of white text in the top-left corner (camera name and time)."""

    def __init__(self, scale: float = 0.7, thickness: int = 2):
        self.scale, self.thickness = scale, thickness

    def annotate(self, image: np.ndarray, text: str) -> np.ndarray:
        canvas = image.copy()
        cv2.putText(canvas, text, (10, 24), FONT, self.scale, (255, 255, 255), self.thickness)
        return canvas


def annotate_tracks(
    image: np.ndarray, boxes: TrackedBoxes, annotators: list[BoxAnnotator | LabelAnnotator | TraceAnnotator]
) -> np.ndarray:
    """``image`` through each annotator in turn."""
    for annotator in annotators:
        image = annotator.annotate(image, boxes)
    return image
