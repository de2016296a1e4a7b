import cv2
import numpy as np

from crosscam.track.camera_motion import SparseFlowMotion


def test_estimates_a_camera_pan(pets_dir):
    capture = cv2.VideoCapture(str(pets_dir / "vtest.avi"))
    ok, image = capture.read()
    capture.release()
    assert ok
    shifted = cv2.warpAffine(image, np.float32([[1, 0, 12], [0, 1, -6]]), (image.shape[1], image.shape[0]))
    motion = SparseFlowMotion()
    assert np.allclose(motion.estimate(image), np.eye(2, 3))
    warp = motion.estimate(shifted)
    assert np.allclose(warp[:, :2], np.eye(2), atol=0.02)
    assert np.allclose(warp[:, 2], [12, -6], atol=1.5)


def test_apply_moves_the_box_centre_only_for_a_translation():
    warp = np.array([[1.0, 0, 5], [0, 1.0, -3]])
    mean = np.array([100, 50, 20, 40, 1, 2, 0, 0], dtype=float)
    moved, covariance = SparseFlowMotion.apply(warp, mean, np.eye(8))
    assert moved.tolist() == [105, 47, 20, 40, 1, 2, 0, 0]
    assert np.allclose(covariance, np.eye(8))
