"""Tracking metrics (HOTA, IDF1, MOTA, ...) computed by TrackEval on MOT files.

The ground truth and the prediction are copied into TrackEval's MOTChallenge folder layout in a temporary
directory and scored with its ``MotChallenge2DBox`` data set (the official preprocessing: distractor classes and
zero-marked boxes are ignored when the ground truth has MOT16/17 class columns) and its metric classes.

Example:
    >>> from crosscam.eval.tracking import evaluate_mot
    >>> scores = evaluate_mot("gt/gt.txt", "out/cam1.txt")  # doctest: +SKIP
    >>> print(scores["HOTA"], scores["IDF1"], scores["MOTA"], scores["IDSW"])  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import numpy as np

from crosscam.errors import CrosscamError
from crosscam.track.mot import read_mot, write_mot

SEQUENCE = "SEQ"
# Reported as percentages: the fraction metrics; counts stay integers.
PERCENT_METRICS = ("HOTA", "DetA", "AssA", "LocA", "IDF1", "IDP", "IDR", "MOTA", "MOTP")
COUNT_METRICS = ("IDSW", "CLR_FP", "CLR_FN", "Frag", "MT", "ML", "GT_IDs", "IDs")
VALID_GT_CLASSES = set(range(1, 13))


def _write_gt(path: Path, rows: np.ndarray) -> bool:
    """Write the ground truth in the 9-column MOT16/17 layout; returns whether its class column is usable."""
    has_classes = bool(len(rows)) and set(np.unique(rows[:, 7]).astype(int)) <= VALID_GT_CLASSES
    if not has_classes:  # MOT15-style ground truth: every box is a pedestrian that counts
        rows = rows.copy()
        rows[:, 6:9] = 1
    path.parent.mkdir(parents=True)
    with open(path, "w") as handle:
        for row in rows:
            handle.write(
                f"{int(row[0])},{int(row[1])},{row[2]:.3f},{row[3]:.3f},{row[4]:.3f},{row[5]:.3f},"
                f"{int(row[6])},{int(row[7])},{row[8]:.5f}\n"
            )
    return has_classes


def evaluate_mot(gt: str | Path | np.ndarray, pred: str | Path | np.ndarray) -> dict[str, float]:
    """HOTA, DetA, AssA, LocA, IDF1, IDP, IDR, MOTA, MOTP (percent) and IDSW, FP, FN, Frag, MT, ML, ID counts.

    ``gt`` and ``pred`` are MOT files or arrays from :func:`crosscam.track.mot.read_mot`.
    """
    import trackeval

    gt_rows = gt if isinstance(gt, np.ndarray) else read_mot(gt)
    pred_rows = pred if isinstance(pred, np.ndarray) else read_mot(pred)
    if len(gt_rows) == 0:
        raise CrosscamError(f"{gt}: ground truth holds no boxes")
    length = int(max(gt_rows[:, 0].max(), pred_rows[:, 0].max() if len(pred_rows) else 1))
    if gt_rows[:, 0].min() < 1 or (len(pred_rows) and pred_rows[:, 0].min() < 1):
        raise CrosscamError("MOT frame numbers start at 1; found a frame < 1")
    with tempfile.TemporaryDirectory(prefix="crosscam-trackeval-") as tmp:
        root = Path(tmp)
        has_classes = _write_gt(root / "gt" / SEQUENCE / "gt" / "gt.txt", gt_rows)
        (root / "gt" / SEQUENCE / "seqinfo.ini").write_text(f"[Sequence]\nname={SEQUENCE}\nseqLength={length}\n")
        (root / "seqmap.txt").write_text(f"name\n{SEQUENCE}\n")
        write_mot(root / "trackers" / "pred" / "data" / f"{SEQUENCE}.txt", pred_rows)
        config = {
            "GT_FOLDER": str(root / "gt"),
            "TRACKERS_FOLDER": str(root / "trackers"),
            "TRACKERS_TO_EVAL": ["pred"],
            "SEQMAP_FILE": str(root / "seqmap.txt"),
            "SKIP_SPLIT_FOL": True,
            "BENCHMARK": "MOT17" if has_classes else "MOT15",
            "PRINT_CONFIG": False,
        }
        metrics = [
            trackeval.metrics.HOTA(),
            trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
            trackeval.metrics.Identity({"PRINT_CONFIG": False}),
            trackeval.metrics.Count(),
        ]
        with contextlib.redirect_stdout(io.StringIO()):
            dataset = trackeval.datasets.MotChallenge2DBox(config)
            raw = dataset.get_raw_seq_data("pred", SEQUENCE)
            data = dataset.get_preprocessed_seq_data(raw, "pedestrian")
            results = {}
            for metric in metrics:
                results.update(metric.eval_sequence(data))
    scores = {}
    for name in PERCENT_METRICS:
        scores[name] = 100.0 * float(np.mean(results[name]))
    for name in COUNT_METRICS:
        scores[name.removeprefix("CLR_")] = int(results[name])
    return scores
