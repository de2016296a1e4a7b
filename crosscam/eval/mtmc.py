"""Multi-camera tracking metrics: IDF1, HOTA, ... over all cameras at once, with TrackEval.

Ground truth: a folder with one MOT ground-truth file per camera, ``<camera>.txt`` (MOTChallenge rows
``frame, id, left, top, width, height, conf, class, visibility``, frame 1-based, conf 0 = not scored), whose ids
are **global**: one person has the same id in every camera. Predictions: the same layout (``crosscam run`` writes
it to ``<run>/mtmc/``, see :mod:`crosscam.export.mtmc`).

Scoring: the cameras are laid end to end as one sequence (camera-name order; each camera's frames shifted by the
lengths of the cameras before it) and scored by :func:`crosscam.eval.tracking.evaluate_mot`. The identity
matching of IDF1 and HOTA is then one-to-one over all cameras: a person whose global id differs between two
cameras is matched in one of them only, and the other camera's boxes count as identity errors, while a per-camera
evaluation would score both as perfect.

Example:
    >>> from crosscam.eval.mtmc import evaluate_mtmc, read_camera_folder
    >>> scores = evaluate_mtmc(read_camera_folder("gt/"), read_camera_folder("out/run/mtmc"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from crosscam.errors import CrosscamError
from crosscam.eval.tracking import evaluate_mot
from crosscam.track.matching import assign, iou_matrix
from crosscam.track.mot import MOT_COLUMNS, read_mot


def read_camera_folder(folder: str | Path) -> dict[str, np.ndarray]:
    """``{camera: MOT rows}`` from the ``<camera>.txt`` files of ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CrosscamError(f"{folder}: no such folder (expected one <camera>.txt MOT file per camera)")
    files = sorted(p for p in folder.glob("*.txt") if p.stem not in ("aicity", "cameras"))
    if not files:
        raise CrosscamError(f"{folder}: holds no <camera>.txt MOT files")
    return {path.stem: read_mot(path) for path in files}


def concatenate(
    gt: Mapping[str, np.ndarray], pred: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Both sides as one sequence: each camera's frames shifted by the frames of the cameras before it.

    Returns the ground truth rows, the predicted rows and each camera's frame offset.
    """
    unknown = sorted(set(pred) - set(gt))
    if unknown:
        raise CrosscamError(f"predictions for cameras without ground truth: {', '.join(unknown)}")
    offsets, start = {}, 0
    parts_gt, parts_pred = [], []
    empty = np.zeros((0, MOT_COLUMNS))
    for camera in sorted(gt):
        camera_gt, camera_pred = gt[camera], pred.get(camera, empty)
        offsets[camera] = start
        for rows, parts in ((camera_gt, parts_gt), (camera_pred, parts_pred)):
            shifted = rows.copy()
            shifted[:, 0] += start
            parts.append(shifted)
        start += int(max(camera_gt[:, 0].max(initial=0), camera_pred[:, 0].max(initial=0)))
    return np.concatenate(parts_gt), np.concatenate(parts_pred), offsets


def people_with_one_id(gt: Mapping[str, np.ndarray], pred: Mapping[str, np.ndarray], min_iou: float = 0.5) -> int:
    """How many people carry one predicted global id in every camera they are scored in.

    A person's id in a camera is the predicted id most often matched to them there (per frame, one-to-one
    matching at IoU >= ``min_iou``); a person never matched in one of their cameras does not count.
    """
    votes: dict[int, dict[str, dict[int, int]]] = {}
    for camera, camera_gt in gt.items():
        camera_gt = camera_gt[camera_gt[:, 6] != 0]
        camera_pred = pred.get(camera, np.zeros((0, MOT_COLUMNS)))
        for person in np.unique(camera_gt[:, 1]).astype(int):
            votes.setdefault(person, {})[camera] = {}
        for frame in np.unique(camera_gt[:, 0]):
            g, p = camera_gt[camera_gt[:, 0] == frame], camera_pred[camera_pred[:, 0] == frame]
            xyxy_g = np.column_stack([g[:, 2:4], g[:, 2:4] + g[:, 4:6]])
            xyxy_p = np.column_stack([p[:, 2:4], p[:, 2:4] + p[:, 4:6]])
            pairs, _, _ = assign(1.0 - iou_matrix(xyxy_g, xyxy_p), 1.0 - min_iou)
            for gi, pi in pairs:
                tally = votes[int(g[gi, 1])][camera]
                tally[int(p[pi, 1])] = tally.get(int(p[pi, 1]), 0) + 1
    count = 0
    for cameras in votes.values():
        if all(cameras.values()):
            count += len({max(tally, key=tally.get) for tally in cameras.values()}) == 1
    return count


def evaluate_mtmc(gt: Mapping[str, np.ndarray], pred: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Multi-camera HOTA, IDF1, MOTA, ... (as :func:`~crosscam.eval.tracking.evaluate_mot`) plus ``people`` (true
    ids), ``identities`` (predicted global ids) and ``one_id`` (:func:`people_with_one_id`)."""
    gt_rows, pred_rows, _ = concatenate(gt, pred)
    scores = evaluate_mot(gt_rows, pred_rows)
    scored = gt_rows[gt_rows[:, 6] != 0]
    scores["people"] = len(np.unique(scored[:, 1]))
    scores["identities"] = len(np.unique(pred_rows[:, 1]))
    scores["one_id"] = people_with_one_id(gt, pred)
    return scores
