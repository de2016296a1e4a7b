"""Tracking metrics (HOTA, IDF1, MOTA, ...) computed by TrackEval on MOT files.

The ground truth and the prediction are copied into TrackEval's MOTChallenge folder layout in a temporary
directory and scored with its ``MotChallenge2DBox`` data set and its metric classes, under one of the two
MOTChallenge rule sets (:func:`ground_truth_rules`):

- **MOT16** (MOT16/17/20 ground truth, whose column 8 holds classes 1-12): boxes with conf 0 (column 7) and
  non-pedestrian classes are not scored, and predictions that match a distractor (person on vehicle, static
  person, distractor, reflection) are removed before scoring;
- **MOT15** (no usable class column): every box is a pedestrian and boxes with conf 0 (column 7) are ignored.

Column 7, the ignore flag, is kept as the ground truth gives it in both cases.

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
VALID_GT_CLASSES = set(range(1, 13))  # MOT16's class numbers (1 pedestrian ... 12 reflection)


def ground_truth_rules(rows: np.ndarray) -> str:
    """``"MOT16"`` when column 8 of the ground truth holds MOT16 class numbers (1-12) throughout, else ``"MOT15"``."""
    if len(rows) and set(np.unique(rows[:, 7]).astype(int)) <= VALID_GT_CLASSES:
        return "MOT16"
    return "MOT15"


def _write_gt(path: Path, rows: np.ndarray, rules: str) -> None:
    """Write the ground truth in the 9-column MOT16 layout that TrackEval reads."""
    if rules == "MOT15":  # no class column: class 1 (pedestrian), visibility 1; column 7 (conf / ignore) kept
        rows = rows.copy()
        rows[:, 7:9] = 1
    path.parent.mkdir(parents=True)
    with open(path, "w") as handle:
        for row in rows:
            handle.write(
                f"{int(row[0])},{int(row[1])},{row[2]:.3f},{row[3]:.3f},{row[4]:.3f},{row[5]:.3f},"
                f"{int(row[6])},{int(row[7])},{row[8]:.5f}\n"
            )


def evaluate_mot(gt: str | Path | np.ndarray, pred: str | Path | np.ndarray) -> dict[str, float]:
    """HOTA, DetA, AssA, LocA, IDF1, IDP, IDR, MOTA, MOTP (percent) and IDSW, FP, FN, Frag, MT, ML, ID counts.

    ``gt`` and ``pred`` are MOT files or arrays from :func:`crosscam.track.mot.read_mot`; the rule set is
    :func:`ground_truth_rules` of ``gt``.
    """
    import trackeval

    gt_rows = gt if isinstance(gt, np.ndarray) else read_mot(gt)
    pred_rows = pred if isinstance(pred, np.ndarray) else read_mot(pred)
    if len(gt_rows) == 0:
        raise CrosscamError(f"{gt if not isinstance(gt, np.ndarray) else 'ground truth'}: holds no boxes")
    length = int(max(gt_rows[:, 0].max(), pred_rows[:, 0].max() if len(pred_rows) else 1))
    if gt_rows[:, 0].min() < 1 or (len(pred_rows) and pred_rows[:, 0].min() < 1):
        raise CrosscamError("MOT frame numbers start at 1; found a frame < 1")
    rules = ground_truth_rules(gt_rows)
    with tempfile.TemporaryDirectory(prefix="crosscam-trackeval-") as tmp:
        root = Path(tmp)
        _write_gt(root / "gt" / SEQUENCE / "gt" / "gt.txt", gt_rows, rules)
        (root / "gt" / SEQUENCE / "seqinfo.ini").write_text(f"[Sequence]\nname={SEQUENCE}\nseqLength={length}\n")
        (root / "seqmap.txt").write_text(f"name\n{SEQUENCE}\n")
        write_mot(root / "trackers" / "pred" / "data" / f"{SEQUENCE}.txt", pred_rows)
        config = {
            "GT_FOLDER": str(root / "gt"),
            "TRACKERS_FOLDER": str(root / "trackers"),
            "TRACKERS_TO_EVAL": ["pred"],
            "SEQMAP_FILE": str(root / "seqmap.txt"),
            "SKIP_SPLIT_FOL": True,
            "BENCHMARK": "MOT16" if rules == "MOT16" else "MOT15",
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
