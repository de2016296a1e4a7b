"""Cross-domain table: CUHK01 split-0 test, CUHK03 pair-1 val, MultiviewX and tracks, several embedders.

Rows: OSNet x0.25 MSMT17, OpenVINO 0277 (the teacher) and 0288, the shipped crosscam-lite0 (no head since session
13) and the same network with an LDA head fitted on CUHK01 train (``crosscam fit-head --data cuhk01 --shrinkage 0.9
--directions 192``, written to ``runs/cross_domain/``),
plus any release given with ``--release LABEL=FILE`` (e.g. a head refitted by ``crosscam fit-head``, or a newly
trained network). Columns, one run: rank-1 / mAP (percent, non-interpolated mAP, cosine distance) on

* CUHK01 split seed 0 test (486 ids, view A query / view B gallery): crosscam-lite0's in-domain test;
* CUHK03 pair-1 val (100 ids, camera A query / camera B gallery): same campus as CUHK01, never trained on;
* MultiviewX (``--dataset multiviewx``: 26 synthetic people, 6 cameras, every crop a query against the other
  five cameras' crops; :mod:`crosscam.reid.multiviewx`): another domain;
* tracks (``--dataset tracks``: 40 real people of the four tracking_dev sequences, the first third of each track
  against its last third; :mod:`crosscam.reid.track_reid`): real people from other places;

and crops/s (embedding only, decoding excluded, over the 5,818 crops of the four sets, MultiviewX's and tracks'
crops twice as their query and gallery copies, on this machine at the
time of the run: compare rows of one run only; ``benchmarks/embed_speed.py`` measures speed properly).
Features are cached in ``runs/cross_domain/features/`` (keyed by the weights' sha256), so re-runs are cheap.
Each row is the exact protocol of ``crosscam eval --dataset NAME --splits 1 [--embedder-weights FILE]``.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cross_domain_embedders.py``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from crosscam.assets import file_sha256, resolve_dataset
from crosscam.embed.registry import create_embedder
from crosscam.embed.trained import SHIPPED_WEIGHTS, create
from crosscam.eval.reid_metrics import MAP_NOTE, evaluate_features
from crosscam.imageio import read_bgr
from crosscam.reid.datasets import ASSET_NAMES, ReidSplit, load_dataset
from crosscam.reid.head import fit_head, head_samples

RUNS = Path(__file__).parents[1] / "runs" / "cross_domain"
DATASETS = {
    "cuhk01": "CUHK01 split-0 test",
    "cuhk03_pair1": "CUHK03 pair-1 val",
    "multiviewx": "MultiviewX",
    "tracks": "tracks (real people over time)",
}
EMBEDDERS = ("osnet-x0.25-msmt17", "openvino-0277", "openvino-0288")


def splits(assets_dir: str | None) -> dict[str, ReidSplit]:
    return {name: load_dataset(name, resolve_dataset(ASSET_NAMES[name], assets_dir), 0) for name in DATASETS}


def releases(extra: list[str], assets_dir: str | None) -> dict[str, Path]:
    """Label -> crosscam-lite0 release: the shipped one, it with a CUHK01 head, and ``--release LABEL=FILE``."""
    with_head = RUNS / "crosscam_lite0_cuhk01_head.safetensors"
    if not with_head.is_file() or with_head.stat().st_mtime < SHIPPED_WEIGHTS.stat().st_mtime:
        fit_head(SHIPPED_WEIGHTS, head_samples("cuhk01", assets_dir), with_head, 0.9, 192, data="cuhk01")
    found = {
        "crosscam-lite0 (shipped, no head)": SHIPPED_WEIGHTS,
        "crosscam-lite0 + CUHK01 LDA head": with_head,
    }
    for item in extra:
        label, _, path = item.partition("=")
        found[label] = Path(path)
    return found


def features(label: str, key: str, build, crops: list[np.ndarray], paths: list[str]) -> tuple[np.ndarray, float]:
    """Embeddings of ``crops`` and crops/s, cached under ``key`` (the embedder's name or its weights' sha256)."""
    cache = RUNS / "features" / f"{key}.npz"
    if cache.is_file():
        stored = np.load(cache)
        if stored["paths"].tolist() == paths:
            return stored["features"], float(stored["crops_per_s"])
    embedder = build()
    print(f"embedding {len(crops)} crops with {label}", flush=True)
    start = time.perf_counter()
    embedded = embedder.embed(crops, progress=True)
    speed = len(crops) / (time.perf_counter() - start)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, features=embedded, crops_per_s=speed, paths=np.array(paths))
    return embedded, speed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", default=None)
    parser.add_argument("--release", action="append", default=[], metavar="LABEL=FILE", help="more releases")
    parser.add_argument("--out", type=Path, default=RUNS / "table.md", help="markdown table file")
    args = parser.parse_args()

    data = splits(args.assets)
    samples = sorted(
        {s.path: s for split in data.values() for s in (*split.query, *split.gallery)}.values(),
        key=lambda s: str(s.path),
    )
    paths = [str(s.path) for s in samples]
    row_of = {path: index for index, path in enumerate(paths)}
    crops = [read_bgr(s.path) for s in samples]

    candidates = [(name, name, lambda name=name: create_embedder(name, args.assets)) for name in EMBEDDERS]
    for label, weights in releases(args.release, args.assets).items():
        key = f"crosscam-lite0-{file_sha256(weights)[:16]}"
        candidates.append((label, key, lambda weights=weights: create(weights=weights)))

    header = " | ".join(f"{title} r1 / mAP" for title in DATASETS.values())
    lines = [
        f"Percent; {MAP_NOTE}; cosine distance; crops/s: embedding only, this machine, one run.",
        "",
        f"| embedder | {header} | crops/s |",
        "|---|" + "---:|" * (len(DATASETS) + 1),
    ]
    for label, key, build in candidates:
        embedded, speed = features(label, key, build, crops, paths)
        cells = []
        for split in data.values():
            query = embedded[[row_of[str(s.path)] for s in split.query]]
            gallery = embedded[[row_of[str(s.path)] for s in split.gallery]]
            metrics = evaluate_features(query, gallery, split.query, split.gallery)
            cells.append(f"{metrics.rank1:.1f} / {metrics.mAP:.1f}")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {speed:.0f} |")
        print(lines[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
