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

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from crosscam.errors import CrosscamError
from crosscam.types import TrackedBoxes


@dataclass(frozen=True)
class GroundCalibration:
    """Image pixels -> ground plane: undistort with the intrinsics, then a homography of normalised coordinates."""

    camera_matrix: np.ndarray  # 3x3
    distortion: np.ndarray  # OpenCV distortion coefficients
    normalized_to_ground: np.ndarray  # 3x3 homography: undistorted normalised image point -> ground (X, Y)

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
        # A ground point (X, Y, 0) maps to normalised image coordinates by [r1 r2 t]; invert it.
        ground_to_image = np.column_stack([rotation[:, 0], rotation[:, 1], values["tvec"].reshape(3)])
        return cls(values["camera_matrix"], values["distortion_coefficients"], np.linalg.inv(ground_to_image))

    def normalize(self, points: np.ndarray) -> np.ndarray:
        """Pixel points (N x 2) -> undistorted normalised image coordinates (N x 2)."""
        normalised = cv2.undistortPoints(
            points.reshape(-1, 1, 2).astype(np.float64), self.camera_matrix, self.distortion
        )
        return normalised.reshape(-1, 2)

    def image_to_ground(self, points: np.ndarray) -> np.ndarray:
        """Pixel points (N x 2) -> ground-plane (z = 0) world points (N x 2)."""
        return apply_homography(self.normalized_to_ground, self.normalize(points))

    def with_homography(self, normalized_to_ground: np.ndarray) -> GroundCalibration:
        return replace(self, normalized_to_ground=normalized_to_ground)


def apply_homography(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    homogeneous = np.column_stack([points, np.ones(len(points))]) @ homography.T
    return homogeneous[:, :2] / homogeneous[:, 2:3]


@dataclass(frozen=True)
class GroundTrack:
    """Where a tracklet stood: ground positions at times (seconds on the shared clock), derived from its boxes."""

    times: np.ndarray  # (T,)
    positions: np.ndarray  # (T, 2)

    @classmethod
    def from_boxes(cls, boxes: TrackedBoxes, calibration: GroundCalibration, offset: float = 0.0) -> GroundTrack:
        """One tracklet's foot points on the ground; ``offset`` moves its camera's clock onto the shared one."""
        return cls(boxes.timestamp + offset, calibration.image_to_ground(boxes.foot_points()))


def covisible(times_a: np.ndarray, times_b: np.ndarray, time_tolerance: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (rows of a, rows of b) of the moments both tracks were seen."""
    return np.nonzero(np.abs(times_a[:, None] - times_b[None, :]) <= time_tolerance)


def track_distance(a: GroundTrack, b: GroundTrack, time_tolerance: float = 0.02) -> float | None:
    """Median ground distance between two tracks while both are visible (None if never at the same time)."""
    rows, cols = covisible(a.times, b.times, time_tolerance)
    if len(rows) == 0:
        return None
    return float(np.median(np.linalg.norm(a.positions[rows] - b.positions[cols], axis=1)))


def overlapping_intervals(start: np.ndarray, end: np.ndarray, slack: float = 0.0) -> np.ndarray:
    """Index pairs ``(i, j)``, ``i < j``, sorted, of the intervals ``[start, end]`` that overlap (closer than
    ``slack``). A sweep over the intervals sorted by start: the work is the number of overlapping pairs, not n x n.
    """
    start, end = np.asarray(start), np.asarray(end)
    order = np.argsort(start, kind="stable")
    # Every interval starting at or after interval k's start and no later than its end (+ slack) overlaps it.
    limit = np.searchsorted(start[order], end[order] + slack, side="right")
    counts = np.maximum(limit - np.arange(len(order)) - 1, 0)
    first = np.repeat(np.arange(len(order)), counts)
    second = first + 1 + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    pairs = np.sort(np.stack([order[first], order[second]], axis=1), axis=1).reshape(-1, 2)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def overlapping_pairs(tracks: list[GroundTrack | None], cameras: list[str], time_tolerance: float = 0.02) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, sorted, of tracklets of different cameras, both with a ground track, whose
    times overlap (to within ``time_tolerance``): the only pairs that can be co-visible."""
    located = np.array([i for i, t in enumerate(tracks) if t is not None and len(t.times)], dtype=np.int64)
    if len(located) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    start = np.array([tracks[i].times.min() for i in located])
    end = np.array([tracks[i].times.max() for i in located])
    pairs = overlapping_intervals(start, end, 2 * time_tolerance + 1e-9)  # widened against rounding
    camera = np.unique(np.array(cameras, dtype=object)[located].astype(str), return_inverse=True)[1]
    pairs = pairs[camera[pairs[:, 0]] != camera[pairs[:, 1]]]
    return located[pairs]  # located is increasing: the pairs stay ordered


def ground_evidence(
    tracks: list[GroundTrack | None],
    cameras: list[str],
    near: float = 1.0,
    far: float = 4.0,
    time_tolerance: float = 0.02,
) -> tuple[np.ndarray, np.ndarray]:
    """(apart, together) tracklet pairs (m x 2, ``i < j``, sorted) from co-visible positions of tracklets in
    different cameras: median distance while both are seen above ``far`` / below ``near``.

    Only the pairs whose times overlap are measured (:func:`overlapping_pairs`): no other pair can be co-visible,
    so the result holds exactly the pairs a check of all n x n pairs finds, at the cost of the overlapping ones.
    Tracklets without a ground track (camera not calibrated) give no evidence.
    """
    candidates = overlapping_pairs(tracks, cameras, time_tolerance)
    distances = [track_distance(tracks[i], tracks[j], time_tolerance) for i, j in candidates.tolist()]
    seen = np.array([d is not None for d in distances], dtype=bool)
    distance = np.array([np.nan if d is None else d for d in distances], dtype=np.float64)
    return candidates[seen & (distance > far)], candidates[seen & (distance < near)]
