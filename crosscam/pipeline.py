"""``crosscam run``: footage of several cameras -> tracklets -> global identities, in one store.

Data flows one way: for each camera, frames -> detections -> tracks
(:func:`crosscam.track.track_frames`) -> :class:`TrackletBuilder` (good crops)
-> embeddings -> :class:`IndexStore` (one transaction per camera). Then all
stored tracklets are associated into global identities with the calibrated
threshold and the cannot-link constraints (:mod:`crosscam.associate.clustering`).

A camera already stored from the same source is skipped, so an interrupted run
resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import yaml
from tqdm import tqdm

from crosscam.associate.calibration import Calibration
from crosscam.associate.clustering import TrackletSpan, TransitWindow, cluster_tracklets
from crosscam.associate.ground_plane import GroundCalibration, GroundTrack, foot_points, ground_evidence
from crosscam.associate.ground_refinement import FootTrack, refine_calibrations
from crosscam.associate.tracklet_builder import CropFilter, TrackletBuilder
from crosscam.embed.base import Embedder, l2_normalize
from crosscam.errors import CrosscamError
from crosscam.store.index_store import CameraRecord, IndexStore, TrackletRecord
from crosscam.track.tracker import TrackerConfig

THUMBNAILS = "thumbnails"


@dataclass(frozen=True)
class CameraSpec:
    name: str
    source: str
    start_time: datetime | None = None
    ground: GroundCalibration | None = None  # for overlapping calibrated cameras


@dataclass(frozen=True)
class RunConfig:
    detector: str = "bytetrack-nano"
    detector_input: tuple[int, int] | None = None  # (height, width); None = the detector's default
    crop_filter: CropFilter = CropFilter()
    max_crops: int = 12  # embedded crops per tracklet
    min_boxes: int = 5  # shorter tracks are dropped as noise
    transit: list[TransitWindow] = field(default_factory=list)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)  # fps is taken from each source


def parse_camera_spec(text: str) -> CameraSpec:
    """``NAME=SOURCE[@START_TIME]`` with START_TIME in ISO 8601 (``2026-11-25T08:00:00``)."""
    name, sep, rest = text.partition("=")
    if not sep or not name or not rest:
        raise CrosscamError(f"camera {text!r}: expected NAME=SOURCE[@START_TIME]")
    source, at, when = rest.rpartition("@")
    if at:
        try:
            return CameraSpec(name, source, datetime.fromisoformat(when))
        except ValueError:
            if "://" not in rest:  # '@' may belong to a stream URL's credentials, not to a time
                raise CrosscamError(f"camera {text!r}: start time {when!r} is not ISO 8601") from None
    return CameraSpec(name, rest)


def load_cameras_file(path: Path) -> tuple[list[CameraSpec], list[TransitWindow]]:
    """Cameras (and optional transit windows) from YAML::

    cameras:
      - {name: lobby, source: lobby.mp4, start_time: 2026-11-25T08:00:00}
    transit:
      - {cameras: [lobby, street], min_seconds: 5, max_seconds: 120}
    """
    if not Path(path).is_file():
        raise CrosscamError(f"{path}: no such camera file")
    try:
        document = yaml.safe_load(Path(path).read_text()) or {}
        cameras = [
            CameraSpec(str(c["name"]), str(c["source"]), _as_datetime(c.get("start_time")), _ground(c, path))
            for c in document.get("cameras", [])
        ]
        transit = [
            TransitWindow(str(t["cameras"][0]), str(t["cameras"][1]), float(t["min_seconds"]), float(t["max_seconds"]))
            for t in document.get("transit", [])
        ]
    except (yaml.YAMLError, KeyError, TypeError, IndexError, ValueError) as error:
        raise CrosscamError(f"{path}: not a valid camera file ({type(error).__name__}: {error})") from None
    if not cameras:
        raise CrosscamError(f"{path}: lists no cameras")
    return cameras, transit


def _ground(camera: dict, cameras_file: Path) -> GroundCalibration | None:
    """The camera's ground-plane calibration; relative paths are relative to the camera file."""
    if "calibration" not in camera:
        return None
    files = camera["calibration"]
    return GroundCalibration.from_opencv_xml(
        Path(cameras_file).parent / files["intrinsic"], Path(cameras_file).parent / files["extrinsic"]
    )


def _as_datetime(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def validate_cameras(cameras: list[CameraSpec]) -> None:
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


def track_camera(
    spec: CameraSpec,
    store: IndexStore,
    detector,
    embedder: Embedder,
    config: RunConfig,
    tracker_embedder: Embedder | None = None,
) -> int:
    """Detect, track, sample crops and embed one camera; store it atomically. Returns the number of tracklets.

    ``tracker_embedder`` gives the per-camera tracker its appearance cue (a fast model suffices there);
    ``embedder`` makes the tracklet embeddings used across cameras.
    """
    from crosscam.io.frames import open_source
    from crosscam.track import Tracker, track_frames

    source = open_source(spec.source, spec.name)
    tracker = Tracker(replace(config.tracker, fps=source.fps), tracker_embedder)
    builder = TrackletBuilder(config.crop_filter, config.max_crops, config.min_boxes)
    last_index = -1
    frames = tqdm(source, total=source.frame_count, desc=f"track {spec.name}", unit="frame")
    for frame, detections in track_frames(frames, detector, tracker):
        builder.add(frame, detections)
        last_index = frame.index
    built = builder.finish()
    crops = [crop for track in built for crop in track.embedding_crops()]
    features = embedder.embed(crops, progress=True)
    thumbs = store.folder / THUMBNAILS
    thumbs.mkdir(exist_ok=True)
    records, start = [], 0
    for track in built:
        count = len(track.embedding_crops())
        thumbnail = f"{THUMBNAILS}/{spec.name}_{track.track_id}.jpg"
        cv2.imwrite(str(store.folder / thumbnail), track.best_crop)
        records.append(
            TrackletRecord(
                camera=spec.name,
                track_id=track.track_id,
                first_frame=track.frames[0],
                last_frame=track.frames[-1],
                start_s=track.timestamps[0],
                end_s=track.timestamps[-1],
                num_boxes=len(track.frames),
                num_crops=len(track.crops),
                embedding=l2_normalize(features[start : start + count].mean(axis=0, keepdims=True))[0],
                thumbnail=thumbnail,
            )
        )
        start += count
    kept_ids = {track.track_id for track in built}
    rows = [row for row in builder.rows if row[1] in kept_ids]
    camera = CameraRecord(
        spec.name,
        spec.source,
        spec.start_time.isoformat() if spec.start_time else None,
        source.fps,
        source.width,
        source.height,
        last_index + 1,
    )
    store.add_camera(camera, records, rows)
    return len(records)


def camera_offsets(cameras: list[CameraRecord]) -> dict[str, float]:
    """Seconds from the earliest camera start to each camera's start (all 0 when no start times are known)."""
    times = {c.name: datetime.fromisoformat(c.start_time) for c in cameras if c.start_time}
    if not times:
        return {c.name: 0.0 for c in cameras}
    origin = min(times.values())
    return {name: (when - origin).total_seconds() for name, when in times.items()}


def foot_tracks(
    store: IndexStore, tracklets: list[TrackletRecord], cameras: set[str], offsets: dict
) -> list[FootTrack | None]:
    """Image foot points over time (shared clock) of each tracklet of the given cameras (None elsewhere)."""
    fps = {camera.name: camera.fps for camera in store.cameras()}
    rows_of = {}
    for camera in cameras:
        for frame, track_id, x1, y1, x2, y2, _ in store.detections(camera):
            rows_of.setdefault((camera, track_id), []).append((frame, x1, y1, x2, y2))
    tracks = []
    for tracklet in tracklets:
        rows = rows_of.get((tracklet.camera, tracklet.track_id))
        if tracklet.camera not in cameras or not rows:
            tracks.append(None)
            continue
        rows = np.array(rows)
        times = rows[:, 0] / fps[tracklet.camera] + offsets[tracklet.camera]
        tracks.append(FootTrack(tracklet.camera, times, foot_points(rows[:, 1:5])))
    return tracks


def associate_store(
    store: IndexStore,
    calibration: Calibration,
    transit: list[TransitWindow] = (),
    grounds: dict[str, GroundCalibration] | None = None,
    refine_grounds: bool = True,
) -> int:
    """Cluster every stored tracklet into global identities; returns the number of identities.

    ``grounds``: ground-plane calibrations of overlapping cameras, adding same-spot / apart evidence;
    with ``refine_grounds`` they are first checked against each other and the ones that disagree are
    re-estimated from the people seen (:mod:`crosscam.associate.ground_refinement`; printed, and kept in
    the index metadata under ``ground_refinement``).
    """
    tracklets = store.tracklets()
    if not tracklets:
        store.set_identities([])
        return 0
    offsets = camera_offsets(store.cameras())
    spans = [TrackletSpan(t.camera, t.start_s + offsets[t.camera], t.end_s + offsets[t.camera]) for t in tracklets]
    embeddings = np.stack([t.embedding for t in tracklets])
    evidence = {}
    if grounds:
        feet = foot_tracks(store, tracklets, set(grounds), offsets)
        if refine_grounds:
            known = [i for i, foot in enumerate(feet) if foot is not None]
            grounds, report = refine_calibrations([feet[i] for i in known], embeddings[known], grounds)
            for line in report:
                print(f"ground plane {line.describe()}")
            store.set_meta(ground_refinement=[line.describe() for line in report])
        tracks = [
            None if foot is None else GroundTrack(foot.times, grounds[foot.camera].image_to_ground(foot.points))
            for foot in feet
        ]
        evidence = dict(zip(("apart", "together"), ground_evidence(tracks, [t.camera for t in tracklets]), strict=True))
    labels = cluster_tracklets(embeddings, spans, calibration.threshold, transit, **evidence)
    assignments = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        centre = l2_normalize(embeddings[members].mean(axis=0, keepdims=True))[0]
        for member in members:
            assignments.append((tracklets[member].id, int(label), float(embeddings[member] @ centre)))
    store.set_identities(assignments)
    return int(labels.max()) + 1
