"""``crosscam eval-mtmc``: multi-camera IDF1 / HOTA of a run's global ids against ground truth (TrackEval)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "eval-mtmc"
HELP = "score a run's multi-camera tracks (global ids) against per-camera ground truth with TrackEval"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gt",
        required=True,
        type=Path,
        help="folder with one MOT ground-truth file per camera, <camera>.txt, whose ids are global (one person, "
        "one id in every camera)",
    )
    parser.add_argument(
        "--run", required=True, type=Path, help="run folder (its mtmc/<camera>.txt files) or such an mtmc folder"
    )


def run(args: argparse.Namespace) -> int:
    from crosscam.eval.mtmc import evaluate_mtmc, read_camera_folder
    from crosscam.eval.tracking import evaluate_mot

    gt = read_camera_folder(args.gt)
    pred = read_camera_folder(args.run / "mtmc" if (args.run / "mtmc").is_dir() else args.run)
    columns = ("HOTA", "AssA", "IDF1", "IDP", "IDR", "MOTA", "IDSW", "IDs", "GT_IDs")
    print("| cameras | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for camera in sorted(gt):
        if camera in pred:
            scores = evaluate_mot(gt[camera], pred[camera])
            cells = [f"{scores[c]:.1f}" if isinstance(scores[c], float) else str(scores[c]) for c in columns]
            print(f"| {camera} | " + " | ".join(cells) + " |")
        else:
            print(f"| {camera} | no predictions |" + " |" * (len(columns) - 1))
    scores = evaluate_mtmc(gt, pred)
    cells = [f"{scores[c]:.1f}" if isinstance(scores[c], float) else str(scores[c]) for c in columns]
    print(f"| **all {len(gt)} cameras** | " + " | ".join(f"**{c}**" for c in cells) + " |")
    print(
        f"\n{scores['identities']} global ids for {scores['people']} people; {scores['one_id']} of "
        f"{scores['people']} people carry one global id in every camera they appear in"
    )
    return 0
