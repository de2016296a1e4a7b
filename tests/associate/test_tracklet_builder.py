import numpy as np

from crosscam.associate.tracklet_builder import CropFilter, TrackletBuilder, covered_fraction
from crosscam.detect.base import Detections
from crosscam.io.frames import Frame

IMAGE = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)


def _feed(builder, boxes_per_frame):
    for index, boxes in enumerate(boxes_per_frame):
        ids = np.array([track for track, _ in boxes])
        xyxy = np.array([box for _, box in boxes], np.float32).reshape(-1, 4)
        builder.add(Frame("cam", index, index / 10, IMAGE), Detections(xyxy, np.ones(len(ids), np.float32), ids))


def test_good_crops_are_kept_and_poor_ones_are_not():
    builder = TrackletBuilder(CropFilter(min_height=48), max_crops=4, min_boxes=1)
    _feed(
        builder,
        [
            [
                (1, (100, 100, 150, 220)),  # good
                (2, (300, 100, 320, 130)),  # too small
                (3, (0, 100, 50, 220)),  # cut by the left edge
                (4, (500, 100, 560, 220)),  # covered by 5 over half its area
                (5, (520, 100, 580, 220)),
            ]
        ],
    )
    tracks = {t.track_id: t for t in builder.finish()}
    assert len(tracks[1].crops) == 1 and tracks[1].crops[0].shape == (120, 50, 3)
    for poor in (2, 3, 4, 5):
        assert tracks[poor].crops == []
        assert len(tracks[poor].embedding_crops()) == 1  # the fallback keeps the track usable


def test_crop_count_stays_bounded_and_spread_over_the_track():
    builder = TrackletBuilder(max_crops=5, min_boxes=1)
    _feed(builder, [[(7, (100 + i, 100, 160 + i, 240))] for i in range(200)])
    (track,) = builder.finish()
    assert len(track.crops) == 5
    assert len(track.frames) == 200 and track.timestamps[-1] == 19.9
    assert len(builder.rows) == 200


def test_short_tracks_are_dropped():
    builder = TrackletBuilder(min_boxes=3)
    _feed(
        builder,
        [[(1, (10, 10, 60, 120)), (2, (200, 10, 260, 120))], [(1, (12, 10, 62, 120))], [(1, (14, 10, 64, 120))]],
    )
    assert [t.track_id for t in builder.finish()] == [1]


def test_covered_fraction():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [100, 100, 110, 110]], np.float32)
    np.testing.assert_allclose(covered_fraction(boxes), [0.5, 0.5, 0.0])
