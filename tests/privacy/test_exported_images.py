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
