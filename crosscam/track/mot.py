"""MOTChallenge text format: ``frame, id, left, top, width, height, score, -1, -1, -1`` (frame and id 1-based)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crosscam.detect.base import Detections
from crosscam.errors import CrosscamError

MOT_COLUMNS = 10


def mot_rows(frame_index: int, detections: Detections) -> np.ndarray:
    """MOT rows (``N x 10``) of one frame's tracked boxes; ``frame_index`` is 0-based and written 1-based."""
    if detections.tracker_id is None:
        raise ValueError("detections carry no tracker_id")
    rows = np.full((len(detections), MOT_COLUMNS), -1.0)
    rows[:, 0] = frame_index + 1
    rows[:, 1] = detections.tracker_id
    rows[:, 2:4] = detections.xyxy[:, :2]
    rows[:, 4:6] = detections.xyxy[:, 2:] - detections.xyxy[:, :2]
    rows[:, 6] = detections.confidence
    return rows


def write_mot(path: str | Path, rows: np.ndarray) -> None:
    """Write MOT rows sorted by frame then id."""
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, MOT_COLUMNS)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        for row in rows:
            handle.write(
                f"{int(row[0])},{int(row[1])},{row[2]:.2f},{row[3]:.2f},{row[4]:.2f},{row[5]:.2f},"
                f"{row[6]:.4g},{row[7]:g},{row[8]:g},{row[9]:g}\n"
            )


def read_mot(path: str | Path) -> np.ndarray:
    """MOT rows as a float64 ``N x 10`` array (short rows padded with -1); errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise CrosscamError(f"{path}: no such MOT file")
    try:
        text = path.read_text()
    except UnicodeDecodeError as error:
        raise CrosscamError(f"{path}: not a text MOT file (byte {error.start} is not UTF-8)") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            values = [float(value) for value in line.replace(" ", "").split(",")]
        except ValueError:
            raise CrosscamError(
                f"{path}:{number}: not a MOT row (numbers separated by commas): {line[:60]!r}"
            ) from None
        if not 6 <= len(values) <= MOT_COLUMNS:
            raise CrosscamError(f"{path}:{number}: MOT rows have 6 to 10 columns, found {len(values)}")
        rows.append(values + [-1.0] * (MOT_COLUMNS - len(values)))
    return np.asarray(rows, dtype=np.float64).reshape(-1, MOT_COLUMNS)


def detections_by_frame(rows: np.ndarray) -> dict[int, Detections]:
    """Group MOT rows into tracked :class:`Detections` per 1-based frame number."""
    grouped = {}
    for frame in np.unique(rows[:, 0]).astype(int):
        block = rows[rows[:, 0] == frame]
        xyxy = np.concatenate([block[:, 2:4], block[:, 2:4] + block[:, 4:6]], axis=1)
        grouped[int(frame)] = Detections(xyxy, block[:, 6], block[:, 1].astype(np.int64))
    return grouped
