import numpy as np

from crosscam.types import TrackedBoxes
from crosscam.viz.annotators import (
    BoxAnnotator,
    CaptionAnnotator,
    LabelAnnotator,
    TraceAnnotator,
    annotate_tracks,
    id_colour,
)

BLACK = np.zeros((120, 160, 3), np.uint8)


def _boxes(*rows):
    """rows: (track id, x1, y1, x2, y2)."""
    table = np.array(rows, np.float64).reshape(-1, 5)
    n = len(table)
    return TrackedBoxes("cam", np.zeros(n), np.zeros(n), table[:, 0], table[:, 1:], np.ones(n))


def test_boxes_are_drawn_in_their_ids_colour_and_the_input_is_left_alone():
    image = BoxAnnotator(thickness=2).annotate(BLACK, _boxes((3, 20, 30, 60, 100), (4, 100, 30, 140, 100)))
    assert not BLACK.any()
    assert tuple(image[30, 40]) == id_colour(3) and tuple(image[65, 100]) == id_colour(4)
    assert not image[65, 40].any()  # inside the box: untouched
    assert id_colour(3) != id_colour(4) and id_colour(3) == id_colour(3)


def test_labels_sit_above_the_box_or_inside_at_the_top_of_the_frame():
    above = LabelAnnotator().annotate(BLACK, _boxes((7, 40, 60, 80, 110)))
    assert above[40:60, 40:60].any() and not above[62:110, 45:80].any()
    top = LabelAnnotator().annotate(BLACK, _boxes((7, 40, 0, 80, 110)))
    assert top[2:18, 40:60].any()


def test_trace_follows_the_foot_point_over_frames():
    trace = TraceAnnotator(length=5)
    for x in range(20, 80, 10):
        image = trace.annotate(BLACK, _boxes((1, x, 10, x + 20, 90)))
    row = image[90]
    drawn = np.flatnonzero(row.any(axis=1))
    assert drawn.min() <= 42 and drawn.max() >= 78  # the last five foot points: x = 40 .. 80
    assert not row[:35].any()  # older points have left the trail


def test_composition_and_caption():
    image = annotate_tracks(BLACK, _boxes((2, 20, 30, 60, 100)), [BoxAnnotator(), LabelAnnotator(prefix="P")])
    assert tuple(image[30, 40]) == id_colour(2) and image[10:28, 20:40].any()
    captioned = CaptionAnnotator().annotate(BLACK, "lobby  t=1.00s")
    assert captioned[10:30, 10:100].max() == 255
