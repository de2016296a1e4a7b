"""``crosscam calibrate``: fit similarity -> match probability for an embedder on labelled pairs.

Fit sets and held-out sets are ``DATASET/PART`` (parts: train, test = query + gallery).
The defaults never touch data the shipped ReID models were trained on for the
held-out numbers: fit on CUHK03 pair-1 train and CUHK01 train ids (split 0),
report reliability on CUHK01 test ids (split 0) and CUHK03 pair-1 val.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "calibrate"
HELP = "calibrate an embedder's similarity into a match probability on labelled pairs"
DEFAULT_FIT = ["cuhk03_pair1/train", "cuhk01/train"]
DEFAULT_HELDOUT = ["cuhk01/test", "cuhk03_pair1/test"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--embedder", default=None, help="embedder spec (default: the default embedder)")
    parser.add_argument("--fit", nargs="+", default=DEFAULT_FIT, metavar="DATASET/PART")
    parser.add_argument("--heldout", nargs="+", default=DEFAULT_HELDOUT, metavar="DATASET/PART")
    parser.add_argument("--split-seed", type=int, default=0, help="CUHK01 split whose train/test ids are used")
    parser.add_argument("--out", type=Path, default=None, help="JSON to write (default: the package's calibration)")


def _pairs(specs: list[str], embedder, assets_dir, split_seed: int):
    import numpy as np

    from crosscam.assets import resolve_dataset
    from crosscam.associate.calibration import cross_camera_pairs, tracklet_embeddings
    from crosscam.errors import CrosscamError
    from crosscam.reid.datasets import load_dataset
    from crosscam.reid.features import embed_samples

    similarities, labels = [], []
    for spec in specs:
        dataset, _, part = spec.partition("/")
        if part not in ("train", "test"):
            raise CrosscamError(f"{spec!r}: expected DATASET/train or DATASET/test")
        split = load_dataset(dataset, resolve_dataset(dataset, assets_dir), split_seed=split_seed)
        samples = split.train if part == "train" else [*split.query, *split.gallery]
        features = embed_samples(embedder, samples)
        s, same = cross_camera_pairs(*tracklet_embeddings(features, samples))
        similarities.append(s)
        labels.append(same)
    return np.concatenate(similarities), np.concatenate(labels)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from crosscam.associate.calibration import (
        calibration_path,
        expected_calibration_error,
        fit_calibration,
        reliability_table,
    )
    from crosscam.embed.registry import create_embedder, default_embedder_name

    name = args.embedder or default_embedder_name(args.assets)
    embedder = create_embedder(name, args.assets)
    fit_s, fit_same = _pairs(args.fit, embedder, args.assets, args.split_seed)
    fitted_on = [f"{spec} (split seed {args.split_seed})" for spec in args.fit]
    calibration = fit_calibration(name, fit_s, fit_same, fitted_on=fitted_on)
    held_s, held_same = _pairs(args.heldout, embedder, args.assets, args.split_seed)
    rows = reliability_table(calibration, held_s, held_same)
    calibration = replace(calibration, reliability=rows)
    out = args.out or calibration_path(name)
    calibration.save(out)
    print(f"embedder {name}: P(same) = sigmoid({calibration.slope:.3f} * cosine + {calibration.intercept:.3f})")
    counts = f"{calibration.num_positive} same / {calibration.num_negative} different pairs"
    print(f"fitted on {', '.join(args.fit)}: {counts}")
    print(f"threshold (P = 0.5): cosine {calibration.threshold:.4f}")
    print(f"\nreliability on held-out {', '.join(args.heldout)} (even prior odds: negatives subsampled to positives)\n")
    print("| predicted bin | pairs | mean predicted | observed match rate |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row['bin']} | {row['pairs']} | {row['mean_predicted']:.3f} | {row['observed_rate']:.3f} |")
    print(f"\nexpected calibration error: {expected_calibration_error(rows):.3f}")
    print(f"wrote {out}")
    return 0
