"""Cut the unlabelled distillation crops (``crosscam train --unlabelled DIR``) from the assets' footage.

Sources and rules: :mod:`crosscam.reid.unlabelled` (PETS09 and MOT17 ground-truth boxes, EPFL clips and PRW
frames through the detector; MultiviewX and tracking_dev left out: they are evaluation sets). Writes
``OUT/<source>/*.jpg`` (default ``runs/unlabelled/``, outside version control) and prints the count per source.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/make_unlabelled_crops.py [--out DIR]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from crosscam.assets import resolve_dataset
from crosscam.reid.unlabelled import build_unlabelled_crops

DEFAULT_OUT = Path(__file__).parents[1] / "runs" / "unlabelled"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--detector", default="bytetrack-nano")
    args = parser.parse_args()
    assets = resolve_dataset("pets09_s2l1", args.assets).parents[1]  # verifies the assets and finds their root
    started = time.perf_counter()
    counts = build_unlabelled_crops(assets, args.out, args.detector)
    for source, count in counts.items():
        print(f"{source}: {count} crops")
    print(f"{sum(counts.values())} crops in {args.out} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
