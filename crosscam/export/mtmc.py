"""Multi-camera tracks with global ids, in the MOTChallenge and AI City Challenge layouts.

``write_mtmc(folder, boxes, identities)`` writes into ``folder``:

- ``<camera>.txt`` per camera: MOTChallenge rows ``frame, global id, left, top, width, height, score, -1, -1, -1``
  (frame 1-based), i.e. the camera's tracked boxes with each track's id replaced by its identity's global id.
  These files are what ``crosscam eval-mtmc`` scores;
- ``aicity.txt``: the AI City Challenge multi-camera layout, one line per box,
  ``camera_id obj_id frame_id xmin ymin width height xworld yworld`` separated by spaces, frame 1-based, with the
  box's foot point on the ground plane for calibrated cameras and ``-1 -1`` otherwise; camera ids are numbers
  1..N in camera-name order, listed in ``cameras.txt`` (``camera_id name``).

Tracks that belong to no identity (too short to be kept as tracklets) are left out of every file.

Example:
    >>> from crosscam.export.mtmc import write_mtmc
    >>> files = write_mtmc(run_folder / "mtmc", boxes_per_camera, identities)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from crosscam.associate.ground_plane import GroundCalibration
from crosscam.errors import CrosscamError
from crosscam.track.mot import write_mot
from crosscam.types import Identity, TrackedBoxes

AICITY_FILE = "aicity.txt"
CAMERAS_FILE = "cameras.txt"


def global_ids(identities: Sequence[Identity]) -> dict[tuple[str, int], int]:
    """``(camera, track id) -> global id`` of every tracklet of the identities."""
    out: dict[tuple[str, int], int] = {}
    for identity in identities:
        for tracklet in identity.tracklets:
            if out.setdefault(tracklet.key, identity.global_id) != identity.global_id:
                raise CrosscamError(f"track {tracklet.key} belongs to two identities")
    return out


def with_global_ids(boxes: TrackedBoxes, ids: Mapping[tuple[str, int], int]) -> tuple[TrackedBoxes, np.ndarray]:
    """The boxes of tracks that have a global id, and those ids (one per box)."""
    known = np.array([(boxes.camera, int(t)) in ids for t in boxes.track_id], dtype=bool)
    kept = boxes[known].sorted()
    return kept, np.array([ids[(boxes.camera, int(t))] for t in kept.track_id], dtype=np.int64)


def aicity_rows(camera_id: int, boxes: TrackedBoxes, ids: np.ndarray, ground: GroundCalibration | None) -> np.ndarray:
    """``N x 9`` AI City rows of one camera: camera id, global id, frame (1-based), box, ground x, y (or -1)."""
    world = np.full((len(boxes), 2), -1.0)
    if ground is not None and len(boxes):
        world = ground.image_to_ground(boxes.foot_points().astype(np.float64))
    mot = boxes.to_mot(ids)
    return np.column_stack([np.full(len(boxes), camera_id), ids, mot[:, 0], mot[:, 2:6], world])


def write_mtmc(
    folder: str | Path,
    boxes: Sequence[TrackedBoxes],
    identities: Sequence[Identity],
    grounds: Mapping[str, GroundCalibration] | None = None,
) -> dict[str, Path]:
    """Write the per-camera MOT files, ``aicity.txt`` and ``cameras.txt``; returns {name: path} of what was written.

    ``boxes`` holds one :class:`TrackedBoxes` per camera; ``grounds`` the ground-plane calibration of the
    cameras that have one.
    """
    folder = Path(folder)
    names = [b.camera for b in boxes]
    if len(set(names)) != len(names):
        raise CrosscamError(f"{folder}: cameras given twice: {sorted(n for n in set(names) if names.count(n) > 1)}")
    ids = global_ids(identities)
    grounds = grounds or {}
    folder.mkdir(parents=True, exist_ok=True)
    written, aicity, legend = {}, [], []
    for camera_id, camera_boxes in enumerate(sorted(boxes, key=lambda b: b.camera), start=1):
        kept, kept_ids = with_global_ids(camera_boxes, ids)
        path = folder / f"{camera_boxes.camera}.txt"
        write_mot(path, kept.to_mot(kept_ids))
        written[camera_boxes.camera] = path
        aicity.append(aicity_rows(camera_id, kept, kept_ids, grounds.get(camera_boxes.camera)))
        legend.append(f"{camera_id} {camera_boxes.camera}\n")
    rows = np.concatenate(aicity) if aicity else np.zeros((0, 9))
    with open(folder / AICITY_FILE, "w") as handle:
        for row in rows:
            handle.write(
                f"{int(row[0])} {int(row[1])} {int(row[2])} {row[3]:.2f} {row[4]:.2f} {row[5]:.2f} {row[6]:.2f} "
                f"{row[7]:.3f} {row[8]:.3f}\n"
            )
    (folder / CAMERAS_FILE).write_text("".join(legend))
    written[AICITY_FILE], written[CAMERAS_FILE] = folder / AICITY_FILE, folder / CAMERAS_FILE
    return written
