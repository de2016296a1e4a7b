"""One camera -> tracklets, with a detector that finds the one bright person-sized block of a synthetic clip."""

import cv2
import numpy as np

from crosscam.cameras import CameraSpec
from crosscam.detect.base import Detections, Detector
from crosscam.embed.hsv import HsvStripesEmbedder
from crosscam.io.frames import open_source
from crosscam.pipeline import process_camera


class BrightBlock(Detector):
    name = "bright-block"

    def detect(self, image_bgr):
        ys, xs = np.nonzero(image_bgr[:, :, 2] > 200)
        if not len(xs):
            return Detections.empty()
        return Detections([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], [0.9])


def test_process_camera_reads_each_frame_once_and_builds_tracklets(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(12):
        image = np.full((240, 320, 3), 40, np.uint8)
        cv2.rectangle(image, (40 + 5 * i, 60), (90 + 5 * i, 200), (30, 60, 250), -1)
        cv2.imwrite(str(folder / f"{i:03d}.png"), image)
    seen = []
    spec = CameraSpec("hall", str(folder))
    source = open_source(spec.source, spec.name)
    processed = process_camera(
        spec, source, BrightBlock(), HsvStripesEmbedder(), on_frame=lambda f, t: seen.append(f.index)
    )
    assert seen == list(range(12))
    camera = processed.camera
    assert (camera.name, camera.frames, camera.width, camera.height, camera.fps) == ("hall", 12, 320, 240, 25.0)
    (tracklet,) = processed.result.tracklets
    boxes = processed.result.boxes
    assert len(boxes) == tracklet.num_boxes >= 5 and set(boxes.track_id.tolist()) == {tracklet.track_id}
    # One clock: the tracklet's span is its boxes' frame timestamps (index / 25 for an image folder).
    assert tracklet.start == boxes.timestamp[0] == boxes.frame[0] / 25.0 and tracklet.end == boxes.timestamp[-1]
    assert abs(np.linalg.norm(tracklet.embedding) - 1) < 1e-5
    height, width = processed.result.thumbnail(tracklet.track_id).shape[:2]
    assert abs(height - 141) <= 3 and abs(width - 51) <= 3  # the block, as the tracker's (filtered) box sees it
