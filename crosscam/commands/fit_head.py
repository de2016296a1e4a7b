"""``crosscam fit-head``: fit the LDA head of a crosscam-lite0 release to your own labelled crops (or remove it).

The head is the release's last linear layer (shrinkage LDA, :mod:`crosscam.reid.head`); the network below it is
unchanged. ``--data folder:PATH`` reads ``PATH/<person>/<camera>_<name>.jpg`` (or ``PATH/train/...`` when that
exists); a data set name (``cuhk01``, ``cuhk03_pair1``) uses its train part. ``--none`` writes the release
without a head. Evaluate the result with ``crosscam eval --embedder-weights OUT``.

Example:
    crosscam fit-head --data folder:my_site_crops --out runs/lite0_my_site.safetensors
    crosscam fit-head --none --out runs/lite0_nohead.safetensors
    crosscam eval --dataset folder --data my_site_test --embedder-weights runs/lite0_my_site.safetensors
"""

from __future__ import annotations

import argparse

NAME = "fit-head"
HELP = "fit the LDA head of a crosscam-lite0 release on labelled crops (folder:PATH or a data set), or remove it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--embedder-weights",
        metavar="FILE",
        help="release to start from (.safetensors with its .json; default: the shipped crosscam-lite0)",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--data", metavar="SPEC", help="labelled crops: folder:PATH, cuhk01 or cuhk03_pair1")
    target.add_argument("--none", action="store_true", help="write the release without any head")
    parser.add_argument("--shrinkage", type=float, default=0.9, help="LDA covariance shrinkage (default 0.9)")
    parser.add_argument("--directions", type=int, help="discriminant directions to keep (default: all)")
    parser.add_argument("--split-seed", type=int, default=0, help="CUHK01 split whose train ids are used")
    parser.add_argument("--out", required=True, metavar="FILE.safetensors", help="the new release")


def run(args: argparse.Namespace) -> int:
    from crosscam.embed.trained import SHIPPED_WEIGHTS
    from crosscam.reid.head import fit_head, head_samples, strip_head

    weights = args.embedder_weights or SHIPPED_WEIGHTS
    if args.none:
        print(f"wrote {strip_head(weights, args.out)}: {weights} without its LDA head")
        return 0
    samples = head_samples(args.data, args.assets, args.split_seed)
    ids = len({s.pid for s in samples})
    print(f"fitting the LDA head on {len(samples)} crops of {ids} people ({args.data})")
    out = fit_head(weights, samples, args.out, args.shrinkage, args.directions, data=args.data)
    print(f"wrote {out}")
    return 0
