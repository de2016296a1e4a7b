"""Faces are blurred in the images crosscam exports: the run's recordings (so its videos) and query pictures."""

import cv2
import numpy as np
import pytest

from crosscam.detect.base import Detections
from crosscam.io.frames import Frame, open_source
from crosscam.types import QueryHit, Tracklet
from crosscam.viz.identity_video import FrameRecorder
from crosscam.viz.query_result import TILE_HEIGHT, TILE_WIDTH, draw_query_result

EPFL_FACE = (309, 27, 332, 54)  # Single1.mp4, frame 100 (benchmarks/data/faces.json)
EPFL_PERSON = (270, 10, 370, 300)  # the man's box in that frame


@pytest.fixture(scope="module")
def epfl_frame(assets_dir) -> np.ndarray:
    capture = cv2.VideoCapture(str(assets_dir / "data" / "epfl_lab_2cam" / "Single1.mp4"))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 100)
    ok, image = capture.read()
    capture.release()
    assert ok
    return image


def _recorded(tmp_path, frame_bgr: np.ndarray, blur: bool) -> np.ndarray:
    path = tmp_path / f"rec_{blur}.mp4"
    height, width = frame_bgr.shape[:2]
    recorder = FrameRecorder(path, 25.0, (width, height), blur=blur)
    tracked = Detections(xyxy=np.array([EPFL_PERSON], np.float32), confidence=np.ones(1, np.float32))
    for index in range(3):
        recorder(Frame("lab_b", index, index / 25, frame_bgr), tracked)
    recorder.close()
    return next(iter(open_source(path, "lab_b"))).image


def _difference(a: np.ndarray, b: np.ndarray, box) -> float:
    x0, y0, x1, y1 = box
    return float(np.abs(a[y0:y1, x0:x1].astype(int) - b[y0:y1, x0:x1].astype(int)).mean())


def test_the_recording_blurs_faces_in_the_tracked_boxes_by_default(tmp_path, epfl_frame):
    plain, blurred = _recorded(tmp_path, epfl_frame, False), _recorded(tmp_path, epfl_frame, True)
    face_change = _difference(plain, blurred, EPFL_FACE)
    assert face_change > 3 * max(_difference(plain, blurred, (0, 300, 250, 450)), 0.5)  # elsewhere: codec noise
    assert _difference(plain, epfl_frame, EPFL_FACE) < face_change  # --no-blur keeps the face (up to the codec)


def test_the_query_picture_blurs_every_tile_unless_told_not_to(tmp_path, epfl_frame):
    x0, y0, x1, y1 = EPFL_PERSON
    crop = epfl_frame[y0:y1, x0:x1]
    cv2.imwrite(str(tmp_path / "thumb.png"), crop)
    tracklet = Tracklet("lab_b", 1, 0.0, 0.4, 0, 10, 10, 1, np.zeros(4, np.float32), thumbnail="thumb.png")
    hits = [QueryHit(tracklet, 0, 0.9, 0.95)]
    plain = cv2.imread(str(draw_query_result(crop, hits, tmp_path, tmp_path / "plain.png", blur=False)))
    blurred = cv2.imread(str(draw_query_result(crop, hits, tmp_path, tmp_path / "blurred.png")))
    scale_x, scale_y = TILE_WIDTH / crop.shape[1], TILE_HEIGHT / crop.shape[0]
    face = (
        int((EPFL_FACE[0] - x0) * scale_x),
        int((EPFL_FACE[1] - y0) * scale_y),
        int((EPFL_FACE[2] - x0) * scale_x),
        int((EPFL_FACE[3] - y0) * scale_y),
    )
    gap = TILE_WIDTH + 6  # the hit's tile, after the query's
    assert _difference(plain, blurred, face) > 3
    assert _difference(plain, blurred, (face[0] + gap, face[1], face[2] + gap, face[3])) > 3
    below = (0, TILE_HEIGHT - 40, TILE_WIDTH, TILE_HEIGHT - 5)  # the legs: no face, unchanged
    assert _difference(plain, blurred, below) < 0.5


def _clip_frame(folder, assets_dir, blur: bool) -> np.ndarray:
    """Frame 100 of ``crosscam serve``'s clip of a one-tracklet run over Single1.mp4 (frames 95-105)."""
    from dataclasses import replace

    from crosscam.serve.clips import make_clip
    from crosscam.serve.data import RunData
    from crosscam.store.index_store import IndexStore
    from crosscam.types import Camera, TrackedBoxes, identities_from

    source = assets_dir / "data" / "epfl_lab_2cam" / "Single1.mp4"
    store = IndexStore.create(folder)
    frames = np.arange(95, 106)
    boxes = TrackedBoxes("lab_b", frames, frames / 25, np.ones(11), np.tile(EPFL_PERSON, (11, 1)), np.ones(11))
    tracklet = Tracklet("lab_b", 1, 95 / 25, 105 / 25, 95, 105, 11, 1, np.ones(4, np.float32) / 2)
    video = open_source(source, "lab_b")
    camera = Camera("lab_b", str(source), None, 25.0, video.width, video.height, video.frame_count)
    store.add_camera(camera, [tracklet], boxes)
    store.set_identities(identities_from([(t, 0, 1.0) for t in store.tracklets()], store.cameras()))
    calibration = {"embedder": "hsv-stripes", "slope": 1.0, "intercept": 0.0, "fitted_on": [], "num_positive": 1}
    store.set_meta(embedder="hsv-stripes", calibration={**calibration, "num_negative": 1})
    store.close()
    run = replace(RunData.open(folder), blur=blur)
    relative, lead_seconds = make_clip(run, run.tracklets[0])
    frames = list(open_source(folder / relative, "clip"))
    first = 95 - int(round(lead_seconds * 25))  # the clip starts `lead` frames before the tracklet
    return frames[100 - first].image


def test_the_web_interfaces_clips_blur_faces_unless_the_run_did_not(tmp_path, assets_dir, epfl_frame):
    blurred = _clip_frame(tmp_path / "blurred", assets_dir, True)
    plain = _clip_frame(tmp_path / "plain", assets_dir, False)
    assert _difference(plain, epfl_frame, EPFL_FACE) < 6  # the source's frame, up to the codec
    assert _difference(blurred, epfl_frame, EPFL_FACE) > 2 * _difference(plain, epfl_frame, EPFL_FACE)
    assert _difference(blurred, plain, (0, 300, 250, 450)) < 3  # away from the face: as the source
