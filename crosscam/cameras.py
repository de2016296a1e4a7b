"""The cameras of a run: ``NAME=SOURCE[@START_TIME]`` specs, and the cameras file (YAML).

A cameras file::

    cameras:
      - {name: lobby, source: lobby.mp4, start_time: 2026-11-25T08:00:00}
      - name: street
        source: rtsp://10.0.0.5/stream1
        start_time: 2026-11-25T08:00:00
        calibration: {intrinsic: intr_street.xml, extrinsic: extr_street.xml}  # ground plane, optional
    transit:
      - {cameras: [lobby, street], min_seconds: 5, max_seconds: 120}
    config:  # optional: any field of crosscam.config.RunConfig
      crops: {max_crops: 8}

Relative source and calibration paths are relative to the cameras file's folder. Camera names are checked by
:func:`crosscam.names.validate_camera_name` (they become file names and URLs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from crosscam.associate.clustering import TransitWindow
from crosscam.associate.ground_plane import GroundCalibration
from crosscam.config import RunConfig, config_from_mapping
from crosscam.errors import CrosscamError
from crosscam.names import validate_camera_name


@dataclass(frozen=True)
class CameraSpec:
    """A camera as the user names it, before its source is opened (then it is a :class:`~crosscam.types.Camera`)."""

    name: str
    source: str
    start_time: datetime | None = None


def parse_camera_spec(text: str) -> CameraSpec:
    """``NAME=SOURCE[@START_TIME]`` with START_TIME in ISO 8601 (``2026-11-25T08:00:00``)."""
    name, sep, rest = text.partition("=")
    if not sep or not name or not rest:
        raise CrosscamError(f"camera {text!r}: expected NAME=SOURCE[@START_TIME]")
    validate_camera_name(name)
    source, at, when = rest.rpartition("@")
    if at:
        try:
            return CameraSpec(name, source, datetime.fromisoformat(when))
        except ValueError:
            if "://" not in rest:  # '@' may belong to a stream URL's credentials, not to a time
                raise CrosscamError(f"camera {text!r}: start time {when!r} is not ISO 8601") from None
    return CameraSpec(name, rest)


def parse_transit(text: str) -> TransitWindow:
    """``CAM_A:CAM_B:MIN_SECONDS:MAX_SECONDS``."""
    parts = text.split(":")
    try:
        if len(parts) != 4:
            raise ValueError
        return TransitWindow(parts[0], parts[1], float(parts[2]), float(parts[3]))
    except ValueError:
        raise CrosscamError(f"transit {text!r}: expected CAM_A:CAM_B:MIN_SECONDS:MAX_SECONDS") from None


def load_cameras_file(path: str | Path, base: RunConfig | None = None) -> tuple[list[CameraSpec], RunConfig]:
    """The cameras of a YAML file, and ``base`` (default: :class:`RunConfig` ()) with the file's transit windows,
    calibrations and ``config:`` settings."""
    path = Path(path)
    if not path.is_file():
        raise CrosscamError(f"{path}: no such camera file")
    try:
        document = yaml.safe_load(path.read_text()) or {}
        entries = document.get("cameras", [])
        cameras = [
            CameraSpec(str(c["name"]), _source(str(c["source"]), path), _as_datetime(c.get("start_time")))
            for c in entries
        ]
        grounds = {str(c["name"]): _ground(c["calibration"], path) for c in entries if "calibration" in c}
        transit = [
            TransitWindow(str(t["cameras"][0]), str(t["cameras"][1]), float(t["min_seconds"]), float(t["max_seconds"]))
            for t in document.get("transit", [])
        ]
    except (yaml.YAMLError, KeyError, TypeError, IndexError, ValueError, AttributeError, OverflowError) as error:
        message = " ".join(str(error).split())  # PyYAML's messages span several lines
        raise CrosscamError(f"{path}: not a valid camera file ({type(error).__name__}: {message})") from None
    if not cameras:
        raise CrosscamError(f"{path}: lists no cameras")
    for camera in cameras:
        try:
            validate_camera_name(camera.name)
        except CrosscamError as error:
            raise CrosscamError(f"{path}: {error}") from None
    config = config_from_mapping(document.get("config") or {}, base or RunConfig(), where=f"{path}: config")
    association = dataclasses.replace(
        config.association,
        transit=(*config.association.transit, *transit),
        grounds={**config.association.grounds, **grounds},
    )
    return cameras, dataclasses.replace(config, association=association)


def _source(source: str, cameras_file: Path) -> str:
    """A camera's source: a relative path is relative to the cameras file's folder; URLs and absolute paths as given."""
    if "://" in source or Path(source).is_absolute():
        return source
    return str(cameras_file.parent / source)


def _ground(files: dict, cameras_file: Path) -> GroundCalibration:
    """A camera's ground-plane calibration; relative paths are relative to the camera file."""
    folder = cameras_file.parent
    return GroundCalibration.from_opencv_xml(folder / files["intrinsic"], folder / files["extrinsic"])


def _as_datetime(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def validate_cameras(cameras: Sequence[CameraSpec], config: RunConfig | None = None) -> None:
    """One-line errors for duplicate names, partial start times, missing files, and windows or calibrations of
    cameras that are not in the run."""
    config = config or RunConfig()
    names = [c.name for c in cameras]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CrosscamError(f"camera name {duplicates[0]!r} given twice")
    timed = [c.start_time is not None for c in cameras]
    if any(timed) and not all(timed):
        missing = [c.name for c in cameras if c.start_time is None]
        raise CrosscamError(f"camera {missing[0]!r} has no @START_TIME while others do; give all or none")
    for camera in cameras:
        if "://" not in camera.source and not Path(camera.source).exists():
            raise CrosscamError(f"camera {camera.name!r}: {camera.source}: no such file or folder")
    known = set(names)
    for window in config.association.transit:
        for name in (window.camera_a, window.camera_b):
            if name not in known:
                raise CrosscamError(f"transit names unknown camera {name!r}; cameras: {', '.join(sorted(known))}")
    for name in config.association.grounds:
        if name not in known:
            raise CrosscamError(f"ground calibration of unknown camera {name!r}; cameras: {', '.join(sorted(known))}")
