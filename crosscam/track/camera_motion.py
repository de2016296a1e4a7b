"""Global camera motion between consecutive frames, from sparse optical flow on downscaled greyscale frames.

Used to move every track's Kalman state into the new frame before association when the camera pans or shakes
(the BoT-SORT idea, with the cheaper sparse-flow estimator). A fixed CCTV camera does not need it.
"""

from __future__ import annotations

import cv2
import numpy as np


class SparseFlowMotion:
    """Estimates a 2x3 similarity transform (previous frame -> current frame) with RANSAC."""

    def __init__(self, downscale: int = 2, max_corners: int = 500):
        self.downscale = downscale
        self.max_corners = max_corners
        self.previous: np.ndarray | None = None
        self.points: np.ndarray | None = None

    def estimate(self, image_bgr: np.ndarray) -> np.ndarray:
        grey = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
        if self.downscale > 1:
            grey = cv2.resize(grey, (grey.shape[1] // self.downscale, grey.shape[0] // self.downscale))
        warp = np.eye(2, 3)
        if self.previous is not None and self.points is not None and len(self.points) >= 8:
            moved, status, _ = cv2.calcOpticalFlowPyrLK(self.previous, grey, self.points, None)
            good = status.reshape(-1) == 1
            if good.sum() >= 8:
                estimate, _ = cv2.estimateAffinePartial2D(self.points[good], moved[good], method=cv2.RANSAC)
                if estimate is not None:
                    warp = estimate
                    warp[:, 2] *= self.downscale
        self.previous = grey
        self.points = cv2.goodFeaturesToTrack(grey, self.max_corners, qualityLevel=0.01, minDistance=5)
        return warp

    @staticmethod
    def apply(warp: np.ndarray, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Move an (x, y, w, h, vx, vy, vw, vh) Kalman state by the transform (rotation/scale on every pair)."""
        linear = warp[:, :2]
        block = np.kron(np.eye(4), linear)
        mean = block @ mean
        mean[:2] += warp[:, 2]
        return mean, block @ covariance @ block.T
