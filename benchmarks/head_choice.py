"""Which LDA head (if any) to ship on the crosscam-lite0 network: a choice that needs no training.

The head is shrinkage LDA on the network's unit BNNeck embedding, ``embedding = unit(W @ unit(b))``
(:mod:`crosscam.reid.head`). This fits ``W`` exactly as ``crosscam fit-head`` / ``crosscam train --lda-head`` do
(:func:`crosscam.reid.projection.lda_head_weight` on the flip-averaged embeddings of the fitting crops) for each
setting of the grid, applies it to the headless network's embeddings of the evaluation sets and scores them:

* fitting data: CUHK01 split-0 train (485 ids, the shipped head's), CUHK03 pair-1 train (743 ids), or both;
* shrinkage 0.5 / 0.9; directions 64 / 128 / 192 / all.

Columns as ``benchmarks/cross_domain_embedders.py`` (rank-1 / mAP, percent): CUHK01 split-0 test, CUHK03 pair-1
val (in the cameras of CUHK03 train, so not cross-domain for a head fitted on it) and MultiviewX cross-camera
(the only other domain here). Embeddings come from the headless release on OpenVINO (the default runtime), cached
in ``runs/cross_domain/features/``; fitting crops are embedded with and without a mirror flip.

Run (after ``benchmarks/cross_domain_embedders.py``, which writes the headless release):
``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/head_choice.py``
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from crosscam.assets import file_sha256, resolve_dataset
from crosscam.embed.base import l2_normalize
from crosscam.embed.compose import FlipEmbedder
from crosscam.embed.trained import SHIPPED_WEIGHTS, create
from crosscam.eval.reid_metrics import evaluate_features
from crosscam.imageio import read_bgr
from crosscam.reid.datasets import ASSET_NAMES, load_dataset
from crosscam.reid.head import strip_head
from crosscam.reid.projection import lda_head_weight

RUNS = Path(__file__).parents[1] / "runs" / "cross_domain"
EVAL_SETS = ("cuhk01", "cuhk03_pair1", "multiviewx")
FIT_SETS = {"cuhk01": ("cuhk01",), "cuhk03_pair1": ("cuhk03_pair1",), "cuhk01+cuhk03_pair1": ("cuhk01", "cuhk03_pair1")}
SHRINKAGES = (0.5, 0.9)
DIRECTIONS = (64, 128, 192, None)


def cached(name: str, embedder, samples) -> np.ndarray:
    """Unit embeddings of ``samples`` (cached by ``name``)."""
    cache = RUNS / "features" / f"{name}.npz"
    paths = [str(s.path) for s in samples]
    if cache.is_file() and np.load(cache)["paths"].tolist() == paths:
        return np.load(cache)["features"]
    print(f"embedding {len(samples)} crops for {name}", flush=True)
    features = embedder.embed([read_bgr(s.path) for s in samples], progress=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, features=features, paths=np.array(paths))
    return features


def scores(features: np.ndarray, split) -> str:
    count = len(split.query)
    metrics = evaluate_features(features[:count], features[count:], split.query, split.gallery)
    return f"{metrics.rank1:.1f} / {metrics.mAP:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", default=None)
    parser.add_argument("--out", type=Path, default=RUNS / "head_choice.md")
    args = parser.parse_args()
    headless = RUNS / "crosscam_lite0_nohead.safetensors"
    if not headless.is_file():
        strip_head(SHIPPED_WEIGHTS, headless)
    key = file_sha256(headless)[:16]
    embedder = create(weights=headless)
    splits = {name: load_dataset(name, resolve_dataset(ASSET_NAMES[name], args.assets), 0) for name in ASSET_NAMES}
    evaluation = {
        name: cached(f"heads-{key}-{name}-eval", embedder, [*splits[name].query, *splits[name].gallery])
        for name in EVAL_SETS
    }
    fitting = {
        name: cached(f"heads-{key}-{name}-train-flip", FlipEmbedder(embedder), splits[name].train)
        for name in ("cuhk01", "cuhk03_pair1")
    }
    labels = {name: np.array([s.pid for s in splits[name].train]) for name in fitting}
    labels["cuhk03_pair1"] = labels["cuhk03_pair1"] + labels["cuhk01"].max() + 1  # keep the two sources' ids apart

    lines = [
        "| head fitted on | shrinkage | directions | " + " | ".join(f"{n} r1 / mAP" for n in EVAL_SETS) + " |",
        "|---|---:|---:|" + "---:|" * len(EVAL_SETS),
        "| none (unit BNNeck) | - | - | " + " | ".join(scores(evaluation[n], splits[n]) for n in EVAL_SETS) + " |",
    ]
    print("\n".join(lines), flush=True)
    for (data, sources), shrinkage, directions in itertools.product(FIT_SETS.items(), SHRINKAGES, DIRECTIONS):
        features = np.concatenate([fitting[s] for s in sources])
        weight = lda_head_weight(features, np.concatenate([labels[s] for s in sources]), shrinkage, directions)
        cells = [scores(l2_normalize(evaluation[n] @ weight.T), splits[n]) for n in EVAL_SETS]
        lines.append(f"| {data} | {shrinkage} | {directions or 'all'} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
