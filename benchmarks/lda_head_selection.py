"""Choose the LDA head's settings (``crosscam train --lda-head S --lda-directions N``) without the test ids.

Data: ``cuhk01_val`` of split ``--split-seed``: the split's 485 CUHK01 train ids cut into 285 fitting ids and
200 held-out ids (view A query, view B gallery). Models: ``--proxies``, releases trained on
``cuhk01_val+cuhk03_pair1`` (so they never saw the 200 held-out ids, as the shipped model never saw the test
ids). Protocol: each proxy embeds the crops (plain and mirrored); the head is fitted as training fits it
(:func:`crosscam.reid.projection.lda_head_weight` on the flip-averaged embeddings of the 285 fitting ids)
and the held-out ids are ranked by cosine of the plain projected embeddings. The table gives rank-1 / mAP
per proxy for every setting; the choice maximises the proxies' mean of (rank-1 + mAP) / 2.

    .venv/bin/python benchmarks/lda_head_selection.py --proxies runs/ab_v_base runs/ab_v_erase0
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from crosscam.assets import resolve_dataset
from crosscam.embed.base import l2_normalize
from crosscam.embed.trained import create
from crosscam.eval.reid_metrics import evaluate_features
from crosscam.imageio import read_bgr
from crosscam.reid.datasets import load_dataset
from crosscam.reid.projection import lda_head_weight
from crosscam.reid.train import RELEASE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxies", nargs="+", required=True, help="run directories trained on cuhk01_val")
    parser.add_argument("--shrinkages", type=float, nargs="+", default=[0.3, 0.5, 0.7, 0.9])
    parser.add_argument("--directions", type=int, nargs="+", default=[32, 64, 96, 128, 192, 256])
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--assets")
    args = parser.parse_args()

    split = load_dataset("cuhk01_val", str(resolve_dataset("cuhk01", args.assets)), args.split_seed)
    parts = {name: getattr(split, name) for name in ("train", "query", "gallery")}
    crops = {name: [read_bgr(s.path) for s in samples] for name, samples in parts.items()}
    pids = np.array([s.pid for s in split.train])
    scores: dict[tuple, list[tuple[float, float]]] = {}
    for run in args.proxies:
        embedder = create(weights=Path(run) / f"{RELEASE}.safetensors")
        plain = {name: embedder.embed(images) for name, images in crops.items()}
        mirrored = embedder.embed([np.ascontiguousarray(c[:, ::-1]) for c in crops["train"]])
        fitting = l2_normalize(plain["train"] + mirrored)
        metrics = evaluate_features(plain["query"], plain["gallery"], split.query, split.gallery)
        scores.setdefault(("no head", "-"), []).append((metrics.rank1, metrics.mAP))
        for shrinkage in args.shrinkages:
            for directions in args.directions:
                weight = lda_head_weight(fitting, pids, shrinkage, directions)
                query, gallery = l2_normalize(plain["query"] @ weight.T), l2_normalize(plain["gallery"] @ weight.T)
                metrics = evaluate_features(query, gallery, split.query, split.gallery)
                scores.setdefault((shrinkage, directions), []).append((metrics.rank1, metrics.mAP))

    print(f"{split.describe()}; plain embeddings, rank-1 / mAP per proxy ({', '.join(args.proxies)})")
    print("| shrinkage | directions | " + " | ".join(Path(r).name for r in args.proxies) + " | mean (r1 + mAP) / 2 |")
    print("|---:|---:|" + "---:|" * (len(args.proxies) + 1))
    mean = {key: float(np.mean([(r1 + ap) / 2 for r1, ap in values])) for key, values in scores.items()}
    for (shrinkage, directions), values in scores.items():
        cells = " | ".join(f"{r1:.1f} / {ap:.1f}" for r1, ap in values)
        print(f"| {shrinkage} | {directions} | {cells} | {mean[(shrinkage, directions)]:.2f} |")
    best = max((key for key in mean if key[1] != "-"), key=mean.get)
    print(f"choice: --lda-head {best[0]} --lda-directions {best[1]}")


if __name__ == "__main__":
    main()
