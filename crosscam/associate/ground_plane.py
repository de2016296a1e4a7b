"""Where people stand: image foot points -> ground-plane positions, for cameras with a known calibration.

When cameras overlap and are calibrated (intrinsics + extrinsics of the ground
plane z = 0, OpenCV conventions), two tracklets from different cameras that are
visible at the same moments must stand at the same spot to be one person. That
gives strong evidence both ways:

* standing far apart (median distance > ``far``) while both visible: cannot be
  one person (a cannot-link, like two overlapping tracks in one camera);
* standing together (median distance < ``near``): the same person, whatever
  their appearance looks like from the two viewpoints.

Distances are in the calibration's world unit (metres for MultiviewX / WILDTRACK-style files).
The defaults allow for the ~1 m error of a box's bottom edge as a foot point seen from afar:
together below 1 m, apart beyond 4 m.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from crosscam.errors import CrosscamError


@dataclass(frozen=True)
class GroundCalibration:
    camera_matrix: np.ndarray  # 3x3
    distortion: np.ndarray  # OpenCV distortion coefficients
    rotation: np.ndarray  # 3x3 world -> camera
    translation: np.ndarray  # 3, world -> camera

    @classmethod
    def from_opencv_xml(cls, intrinsic: str | Path, extrinsic: str | Path) -> GroundCalibration:
        """Read ``camera_matrix`` + ``distortion_coefficients`` and ``rvec`` + ``tvec`` (OpenCV FileStorage)."""
        values = {}
        for path, keys in ((intrinsic, ("camera_matrix", "distortion_coefficients")), (extrinsic, ("rvec", "tvec"))):
            if not Path(path).is_file():
                raise CrosscamError(f"{path}: no such calibration file")
            storage = cv2.FileStorage(str(path), cv2.FILE_STORAGE_READ)
            for key in keys:
                node = storage.getNode(key)
                if node.empty():
                    raise CrosscamError(f"{path}: calibration file has no {key!r}")
                values[key] = node.mat()
            storage.release()
        rotation, _ = cv2.Rodrigues(values["rvec"])
        return cls(values["camera_matrix"], values["distortion_coefficients"], rotation, values["tvec"].reshape(3))

    def image_to_ground(self, points: np.ndarray) -> np.ndarray:
        """Pixel points (N x 2) -> ground-plane (z = 0) world points (N x 2)."""
        normalised = cv2.undistortPoints(
            points.reshape(-1, 1, 2).astype(np.float64), self.camera_matrix, self.distortion
        )
        # A ground point (X, Y, 0) maps to normalised image coordinates by H = [r1 r2 t].
        ground_to_image = np.column_stack([self.rotation[:, 0], self.rotation[:, 1], self.translation])
        homogeneous = np.column_stack([normalised.reshape(-1, 2), np.ones(len(points))])
        world = homogeneous @ np.linalg.inv(ground_to_image).T
        return world[:, :2] / world[:, 2:3]


def foot_points(xyxy: np.ndarray) -> np.ndarray:
    """Bottom centre of each box: where the person touches the ground."""
    return np.column_stack([(xyxy[:, 0] + xyxy[:, 2]) / 2, xyxy[:, 3]])


@dataclass(frozen=True)
class GroundTrack:
    """A tracklet's ground positions at times (seconds on the shared clock)."""

    times: np.ndarray  # (T,)
    positions: np.ndarray  # (T, 2)


def ground_evidence(
    tracks: list[GroundTrack | None],
    cameras: list[str],
    near: float = 1.0,
    far: float = 4.0,
    time_tolerance: float = 0.02,
) -> tuple[np.ndarray, np.ndarray]:
    """(forbidden, together) n x n boolean matrices from co-visible positions of tracklets in different cameras.

    Tracklets without a ground track (camera not calibrated) give no evidence.
    """
    n = len(tracks)
    forbidden = np.zeros((n, n), dtype=bool)
    together = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = tracks[i], tracks[j]
            if a is None or b is None or cameras[i] == cameras[j]:
                continue
            gaps = np.abs(a.times[:, None] - b.times[None, :])
            rows, cols = np.nonzero(gaps <= time_tolerance)
            if len(rows) == 0:
                continue
            distance = float(np.median(np.linalg.norm(a.positions[rows] - b.positions[cols], axis=1)))
            forbidden[i, j] = forbidden[j, i] = distance > far
            together[i, j] = together[j, i] = distance < near
    return forbidden, together
