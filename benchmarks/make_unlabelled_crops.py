"""Cut the unlabelled distillation crops (``crosscam train --unlabelled DIR``) from the assets' footage.

Sources and rules: :mod:`crosscam.reid.unlabelled` (PETS09 and MOT17 ground-truth boxes, EPFL clips and PRW
frames through the detector; MultiviewX and tracking_dev left out: they are evaluation sets). Writes
``OUT/<source>/*.jpg`` (default ``runs/unlabelled/``, outside version control) and prints the count per source.

``--mixed N`` instead writes N blends (:func:`crosscam.reid.unlabelled.build_mixed_crops`) of two images drawn from
the labelled training images (CUHK01 split-0 train ids, CUHK03 pair-1 labeled_train) and the crops of ``--out``
into ``--mixed-out`` (default ``runs/mixed/``); no CUHK01 test or CUHK03 val image is ever drawn. ``--mixed-crop A``
first cuts each of the two images to a random window of at least A of its area.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/make_unlabelled_crops.py [--out DIR] [--mixed N]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from crosscam.assets import resolve_dataset
from crosscam.reid.datasets import ASSET_NAMES, load_dataset
from crosscam.reid.unlabelled import build_mixed_crops, build_unlabelled_crops

DEFAULT_OUT = Path(__file__).parents[1] / "runs" / "unlabelled"
MIXED_OUT = Path(__file__).parents[1] / "runs" / "mixed"


def mixing_pool(assets: str | None, unlabelled: Path) -> list[Path]:
    """The training images of the distill recipe (split seed 0) and the unlabelled crops, sorted."""
    paths = [
        s.path
        for name in ("cuhk01", "cuhk03_pair1")
        for s in load_dataset(name, resolve_dataset(ASSET_NAMES[name], assets), 0).train
    ]
    return sorted(paths) + sorted(unlabelled.rglob("*.jpg"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--detector", default="bytetrack-nano")
    parser.add_argument("--mixed", type=int, default=0, help="write this many blends instead (needs --out's crops)")
    parser.add_argument("--mixed-out", type=Path, default=MIXED_OUT)
    parser.add_argument(
        "--mixed-crop", type=float, default=None, metavar="MIN_AREA", help="cut each image to a random window first"
    )
    args = parser.parse_args()
    if args.mixed:
        pool = mixing_pool(args.assets, args.out)
        started = time.perf_counter()
        build_mixed_crops(pool, args.mixed_out, args.mixed, min_area=args.mixed_crop)
        print(f"{args.mixed} blends of {len(pool)} images in {args.mixed_out} ({time.perf_counter() - started:.0f} s)")
        return
    assets = resolve_dataset("pets09_s2l1", args.assets).parents[1]  # verifies the assets and finds their root
    started = time.perf_counter()
    counts = build_unlabelled_crops(assets, args.out, args.detector)
    for source, count in counts.items():
        print(f"{source}: {count} crops")
    print(f"{sum(counts.values())} crops in {args.out} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
