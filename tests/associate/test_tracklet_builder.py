import tracemalloc

import numpy as np

from crosscam.associate.tracklet_builder import CropConfig, TrackletBuilder, covered_fraction
from crosscam.detect.base import Detections
from crosscam.embed.base import Embedder
from crosscam.io.frames import Frame
from crosscam.track.interpolate import interpolate_boxes

IMAGE = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)


class ShapeEmbedder(Embedder):
    """Embeds a crop as (height, width) and remembers every crop it saw."""

    name, dim, input_size = "shape", 2, (256, 128)

    def __init__(self):
        self.seen = []

    def _embed_batch(self, crops):
        self.seen.extend(crops)
        return np.array([crop.shape[:2] for crop in crops], np.float32).reshape(-1, 2)


def _feed(builder, boxes_per_frame):
    for index, boxes in enumerate(boxes_per_frame):
        ids = np.array([track for track, _ in boxes])
        xyxy = np.array([box for _, box in boxes], np.float32).reshape(-1, 4)
        builder.add(Frame("cam", index, index / 10, IMAGE), Detections(xyxy, np.ones(len(ids), np.float32), ids))


def test_good_crops_are_kept_and_poor_ones_are_not():
    builder = TrackletBuilder("cam", CropConfig(min_height=48, max_crops=4, min_boxes=1))
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
    embedder = ShapeEmbedder()
    result = builder.finish(embedder)
    tracks = {t.track_id: t for t in result.tracklets}
    assert tracks[1].num_crops == 1 and result.thumbnail(1).shape == (120, 50, 3)
    for poor in (2, 3, 4, 5):
        assert tracks[poor].num_crops == 0  # the fallback crop keeps the track usable
    assert len(embedder.seen) == 5
    np.testing.assert_allclose(tracks[1].embedding, np.array([120, 50]) / np.hypot(120, 50), rtol=1e-6)


def test_crop_count_stays_bounded_and_spread_over_the_track():
    builder = TrackletBuilder("cam", CropConfig(max_crops=5, min_boxes=1))
    _feed(builder, [[(7, (100 + i, 100, 160 + i, 240))] for i in range(200)])
    embedder = ShapeEmbedder()
    result = builder.finish(embedder)
    (track,) = result.tracklets
    assert len(embedder.seen) == track.num_crops == 5
    assert track.num_boxes == 200 and (track.first_frame, track.last_frame) == (0, 199) and track.end == 19.9
    assert len(result.boxes) == 200 and result.boxes.timestamp[-1] == 19.9


def test_short_tracks_are_dropped_with_their_boxes():
    builder = TrackletBuilder("cam", CropConfig(min_boxes=3))
    _feed(
        builder,
        [[(1, (10, 10, 60, 120)), (2, (200, 10, 260, 120))], [(1, (12, 10, 62, 120))], [(1, (14, 10, 64, 120))]],
    )
    result = builder.finish(ShapeEmbedder())
    assert [t.track_id for t in result.tracklets] == [1]
    assert result.boxes.track_id.tolist() == [1, 1, 1] and result.boxes.frame.tolist() == [0, 1, 2]


def test_covered_fraction():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [100, 100, 110, 110]], np.float32)
    np.testing.assert_allclose(covered_fraction(boxes), [0.5, 0.5, 0.0])


def test_flushing_ended_tracks_frees_their_crops_and_changes_no_result():
    # Track 1: frames 0-9 (ended by t = 2.5 s); track 2: frames 0-39; track 3: two boxes, too short to keep.
    frames = [
        [(1, (100 + i, 100, 160 + 2 * i, 240))] * (i < 10)
        + [(2, (300, 100 + i, 380, 260 + i))]
        + [(3, (500, 100, 560, 240))] * (i < 2)
        for i in range(40)
    ]
    config = CropConfig(max_crops=4, min_boxes=3)
    plain, flushing = TrackletBuilder("cam", config), TrackletBuilder("cam", config)
    _feed(plain, frames)
    _feed(flushing, frames[:25])
    assert flushing.flush(ShapeEmbedder(), now=2.4, idle_seconds=1.0) == 2  # tracks 1 and 3, not 2
    assert list(flushing._tracks) == [2]  # only the live track still holds crops
    for index, boxes in enumerate(frames[25:], start=25):
        _feed_frame(flushing, index, boxes)
    want, got = plain.finish(ShapeEmbedder()), flushing.finish(ShapeEmbedder())
    assert [(t.track_id, t.num_boxes, t.num_crops) for t in got.tracklets] == [(1, 10, 4), (2, 40, 4)]
    assert [(t.track_id, t.num_boxes, t.num_crops) for t in want.tracklets] == [(1, 10, 4), (2, 40, 4)]
    for a, b in zip(got.tracklets, want.tracklets, strict=True):
        np.testing.assert_allclose(a.embedding, b.embedding, atol=1e-6)
    for column in ("frame", "timestamp", "track_id", "xyxy", "score"):  # same boxes in the same order
        np.testing.assert_array_equal(getattr(got.boxes, column), getattr(want.boxes, column))
    assert got.boxes.frame.tolist()[:4] == [0, 0, 1, 1]  # track 1 flushed first, still in frame order
    assert got.thumbnails == want.thumbnails and got.thumbnails.keys() == {1, 2}


def _strided_frames(count):
    """Every 3rd frame of a camera: track 1 on frames 0-27, track 2 on 0-117 (missed on 60), track 3 twice."""
    return [
        (
            3 * i,
            [(1, (100 + i, 100, 160 + 2 * i, 240))] * (i < 10)
            + [(2, (300, 100 + i, 380, 260 + i))] * (i != 20)
            + [(3, (500, 100, 560, 240))] * (i < 2),
        )
        for i in range(count)
    ]


def test_skipped_frames_are_filled_as_tracks_end_as_if_filled_at_the_end():
    config = CropConfig(max_crops=4, min_boxes=3)
    plain, flushing = TrackletBuilder("cam", config), TrackletBuilder("cam", config, max_gap=2)
    for index, boxes in _strided_frames(40):
        _feed_frame(plain, index, boxes)
        _feed_frame(flushing, index, boxes)
        if index in (45, 90):
            flushing.flush(ShapeEmbedder(), now=index / 10, idle_seconds=1.0)
    want, got = plain.finish(ShapeEmbedder()), flushing.finish(ShapeEmbedder())
    filled = interpolate_boxes(want.boxes, 2)  # the whole camera filled at once
    for column in ("frame", "timestamp", "track_id", "xyxy", "score"):
        np.testing.assert_array_equal(getattr(got.boxes, column), getattr(filled, column))
    assert got.boxes.of_track(2).frame.tolist() == [*range(0, 58), *range(63, 118)]  # the missed frame stays a gap
    assert [(t.track_id, t.num_boxes, t.first_frame, t.last_frame) for t in got.tracklets] == [
        (1, 28, 0, 27),
        (2, 113, 0, 117),
    ]
    assert [t.end for t in got.tracklets] == [t.end for t in want.tracklets] == [2.7, 11.7]


def test_finishing_a_long_camera_needs_no_more_than_twice_its_boxes():
    # 6,000 frames at stride 2, tracks of 40 detected frames, flushed every 60 s as process_camera does: the
    # finished tracks' boxes are kept as columns, so ending the camera costs two copies of its boxes at most.
    builder = TrackletBuilder("cam", CropConfig(min_boxes=3), max_gap=1)
    image = np.zeros((64, 64, 3), np.uint8)
    xyxy = np.array([[2, 2, 14, 30], [30, 2, 42, 30], [2, 33, 14, 61]], np.float32)
    flushed_at = 0.0
    for i in range(6000):
        ids = np.arange(3) + 3 * (i // 40)
        builder.add(Frame("cam", 2 * i, 2 * i / 10, image), Detections(xyxy, np.ones(3, np.float32), ids))
        if 2 * i / 10 - flushed_at >= 60:
            builder.flush(ShapeEmbedder(), 2 * i / 10, idle_seconds=1.0)
            flushed_at = 2 * i / 10
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = builder.finish(ShapeEmbedder())
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    boxes = result.boxes
    size = sum(getattr(boxes, c).nbytes for c in ("frame", "timestamp", "track_id", "xyxy", "score"))
    assert len(boxes) == 3 * (2 * 6000 - 150) and len(result.tracklets) == 450
    assert peak < 2.5 * size  # filling the whole camera at the end took 8.5 times its boxes


def _feed_frame(builder, index, boxes):
    ids = np.array([track for track, _ in boxes])
    xyxy = np.array([box for _, box in boxes], np.float32).reshape(-1, 4)
    builder.add(Frame("cam", index, index / 10, IMAGE), Detections(xyxy, np.ones(len(ids), np.float32), ids))
