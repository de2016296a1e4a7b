"""``crosscam eval-track``: HOTA, IDF1, MOTA and ID switches of a MOT file against ground truth (TrackEval)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "eval-track"
HELP = "score tracks (MOT file) against ground truth with TrackEval: HOTA, IDF1, MOTA, ID switches"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gt",
        required=True,
        type=Path,
        help="ground-truth MOT file (e.g. gt/gt.txt); column 7 = 0 marks boxes that are not scored; with MOT16 "
        "classes in column 8, distractors are handled as MOTChallenge does",
    )
    parser.add_argument("--pred", required=True, type=Path, nargs="+", help="predicted MOT file(s)")


def run(args: argparse.Namespace) -> int:
    from crosscam.eval.tracking import evaluate_mot, ground_truth_rules
    from crosscam.track.mot import read_mot

    gt = read_mot(args.gt)
    columns = ("HOTA", "DetA", "AssA", "IDF1", "MOTA", "IDSW", "FP", "FN", "IDs", "GT_IDs")
    print("| tracks | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for pred in args.pred:
        scores = evaluate_mot(gt, read_mot(pred))
        cells = [f"{scores[c]:.1f}" if isinstance(scores[c], float) else str(scores[c]) for c in columns]
        print(f"| {pred} | " + " | ".join(cells) + " |")
    print(f"\nscored with TrackEval under the {ground_truth_rules(gt)} rules ({args.gt})")
    return 0
