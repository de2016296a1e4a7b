"""Constant-velocity Kalman filter on box centre, width and height (x, y, w, h and their velocities).

Noise scales with the box size (as in SORT/ByteTrack/BoT-SORT), so the same parameters serve near and far people.
With ``confidence`` given, the measurement noise shrinks for confident detections (NSA Kalman, GIAOTracker):
``R * (1 - confidence)``.
"""

from __future__ import annotations

import numpy as np

NDIM = 4


class KalmanBoxFilter:
    """Stateless filter: every method takes and returns ``(mean, covariance)`` of one track."""

    def __init__(self, position_weight: float = 1 / 20, velocity_weight: float = 1 / 160, dt: float = 1.0):
        self.position_weight = position_weight
        self.velocity_weight = velocity_weight
        self.motion = np.eye(2 * NDIM)
        self.motion[:NDIM, NDIM:] = dt * np.eye(NDIM)
        self.observation = np.eye(NDIM, 2 * NDIM)

    def _size(self, xywh: np.ndarray) -> np.ndarray:
        return np.array([xywh[2], xywh[3], xywh[2], xywh[3]])

    def initiate(self, xywh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = np.concatenate([xywh, np.zeros(NDIM)])
        size = self._size(xywh)
        std = np.concatenate([2 * self.position_weight * size, 10 * self.velocity_weight * size])
        return mean, np.diag(std**2)

    def predict(self, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        size = self._size(mean)
        std = np.concatenate([self.position_weight * size, self.velocity_weight * size])
        mean = self.motion @ mean
        covariance = self.motion @ covariance @ self.motion.T + np.diag(std**2)
        return mean, covariance

    def project(self, mean: np.ndarray, covariance: np.ndarray, confidence: float | None = None):
        """Mean and covariance of the box that the state predicts (measurement space)."""
        noise = np.diag((self.position_weight * self._size(mean)) ** 2)
        if confidence is not None:
            noise = noise * (1.0 - confidence)
        return self.observation @ mean, self.observation @ covariance @ self.observation.T + noise

    def update(
        self, mean: np.ndarray, covariance: np.ndarray, xywh: np.ndarray, confidence: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        projected_mean, projected_cov = self.project(mean, covariance, confidence)
        gain = np.linalg.solve(projected_cov, self.observation @ covariance).T
        mean = mean + gain @ (xywh - projected_mean)
        covariance = covariance - gain @ projected_cov @ gain.T
        return mean, covariance

    def position_distance(self, mean: np.ndarray, covariance: np.ndarray, centres: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance of box centres (``N x 2``) from the predicted centre."""
        projected_mean, projected_cov = self.project(mean, covariance)
        delta = centres - projected_mean[:2]
        return np.einsum("ni,ij,nj->n", delta, np.linalg.inv(projected_cov[:2, :2]), delta)
