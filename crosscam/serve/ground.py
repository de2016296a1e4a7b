"""Where a person walked, on the ground plane of the calibrated cameras, as an SVG drawing's polylines.

The index does not keep ground-plane calibrations: ``crosscam serve --cameras FILE.yaml`` reads them from the
cameras file the run was given (the calibrations as given, not the run's refinement of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crosscam.associate.ground_plane import GroundCalibration, GroundTrack
from crosscam.serve.data import RunData
from crosscam.serve.view import IdentityView

MAX_POINTS = 200  # per appearance, evenly subsampled


@dataclass(frozen=True)
class GroundPath:
    camera: str
    tracklet_id: int
    points: np.ndarray  # (N, 2) ground coordinates (the calibration's unit), in time order


@dataclass(frozen=True)
class GroundPlot:
    paths: tuple[GroundPath, ...]
    low: np.ndarray  # (2,) corner of the drawing, with a margin
    high: np.ndarray

    def svg_points(self, path: GroundPath, size: float = 400.0) -> str:
        """``x,y x,y ...`` in a ``size`` x ``size`` drawing, ground Y up."""
        scale = size / float(max(self.high - self.low))
        xy = (path.points - self.low) * scale
        return " ".join(f"{x:.1f},{size - y:.1f}" for x, y in xy)


def load_grounds(cameras_file: str | Path) -> dict[str, GroundCalibration]:
    """The ground-plane calibrations of a cameras YAML file (camera name -> calibration)."""
    from crosscam.cameras import load_cameras_file

    _, config = load_cameras_file(cameras_file)
    return dict(config.association.grounds)


def ground_plot(run: RunData, identity: IdentityView, grounds: Mapping[str, GroundCalibration]) -> GroundPlot | None:
    """The identity's foot points on the ground, one path per appearance in a calibrated camera (None if none)."""
    paths = []
    for appearance in identity.appearances:
        calibration = grounds.get(appearance.tracklet.camera)
        if calibration is None:
            continue
        boxes = run.boxes_of(appearance.tracklet)
        if len(boxes) == 0:
            continue
        rows = np.unique(np.linspace(0, len(boxes) - 1, min(len(boxes), MAX_POINTS)).round().astype(int))
        track = GroundTrack.from_boxes(boxes[rows], calibration)
        paths.append(GroundPath(appearance.tracklet.camera, appearance.tracklet.id, track.positions))
    if not paths:
        return None
    every = np.concatenate([p.points for p in paths])
    low, high = every.min(axis=0), every.max(axis=0)
    margin = 0.05 * max(float(max(high - low)), 1e-6)
    return GroundPlot(tuple(paths), low - margin, high + margin)
