"""Does re-estimating batch-norm statistics on the target cameras (AdaBN) help, with and without the LDA head?

Data and models as in ``benchmarks/lda_head_selection.py``: ``cuhk01_val`` of split 0 (285 fitting ids, 200 held-out
ids, view A query / view B gallery) and proxies trained on ``cuhk01_val+cuhk03_pair1``. Per proxy and variant, the
batch-norm running statistics of the trainable stages (``backbone``) and optionally the BNNeck (``+neck``) are
recomputed (cumulative average) on the clean fitting images and their mirror images (``--adapt-on cuhk01``) or on
those plus CUHK03 pair-1's training images (``cuhk01+cuhk03_pair1``); the head (shrinkage 0.9, 192 directions, as
shipped) is then fitted on the fitting ids by :func:`crosscam.reid.train.fit_lda_head`, as training fits it.
Scores are rank-1 / mAP of the plain embeddings, without and with head.

    .venv/bin/python benchmarks/adabn_before_head.py --proxies runs/ab_v_base runs/ab_v_erase0
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from crosscam.assets import resolve_dataset
from crosscam.embed.trained import load_model
from crosscam.eval.reid_metrics import evaluate_features
from crosscam.reid.datasets import load_dataset
from crosscam.reid.models.efficientnet_lite0 import MEAN, STD
from crosscam.reid.models.embedding_net import EmbeddingNet
from crosscam.reid.train import EVAL_BATCH, RELEASE, embed_images, fit_lda_head
from crosscam.reid.transforms import load_images, normalize


@torch.no_grad()
def adapt_batch_norm(model: EmbeddingNet, frozen_stages: int, images: torch.Tensor, with_neck: bool) -> None:
    trainable = model.backbone.blocks[frozen_stages:]
    layers = [m for block in trainable for m in block.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    layers += [model.backbone.bn2, *([model.bnneck] if with_neck else [])]
    model.eval()
    for layer in layers:
        layer.reset_running_stats()
        layer.momentum = None  # cumulative average over all batches
        layer.train()
    both = torch.cat([images, images.flip(3)])
    for start in range(0, len(both), EVAL_BATCH):
        batch = normalize(both[start : start + EVAL_BATCH], MEAN, STD).contiguous(memory_format=torch.channels_last)
        model.bnneck(model.embedding(model.backbone(batch)))
    model.eval()


def score(query: np.ndarray, gallery: np.ndarray, split) -> str:
    metrics = evaluate_features(query, gallery, split.query, split.gallery)
    return f"{metrics.rank1:.1f} / {metrics.mAP:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxies", nargs="+", required=True, help="run directories trained on cuhk01_val")
    parser.add_argument("--adapt-on", choices=["cuhk01", "cuhk01+cuhk03_pair1"], default="cuhk01")
    parser.add_argument("--assets")
    args = parser.parse_args()

    split = load_dataset("cuhk01_val", str(resolve_dataset("cuhk01", args.assets)), 0)
    pids = [s.pid for s in split.train]
    print(f"{split.describe()}; batch norm adapted on {args.adapt_on}; head: shrinkage 0.9, 192 directions")
    print("| proxy | adapted | no head | head |\n|---|---|---:|---:|")
    for run in args.proxies:
        model, metadata = load_model(Path(run) / f"{RELEASE}.safetensors")
        size, frozen_stages = tuple(metadata["config"]["input_size"]), metadata["config"]["frozen_stages"]
        images = {k: load_images([s.path for s in getattr(split, k)], size) for k in ("train", "query", "gallery")}
        adapt_images = images["train"]
        if args.adapt_on == "cuhk01+cuhk03_pair1":
            cuhk03 = load_dataset("cuhk03_pair1", str(resolve_dataset("cuhk03_pair1", args.assets)), 0)
            adapt_images = torch.cat([adapt_images, load_images([s.path for s in cuhk03.train], size)])
        trained_state = {k: v.clone() for k, v in model.state_dict().items()}
        for variant in ("no", "backbone", "backbone+neck"):
            model.projection = None  # the previous variant's head
            model.load_state_dict(trained_state)
            if variant != "no":
                adapt_batch_norm(model, frozen_stages, adapt_images, with_neck=variant.endswith("neck"))
            bare = score(embed_images(model, images["query"]), embed_images(model, images["gallery"]), split)
            fit_lda_head(model, images["train"], pids, 0.9, 192)
            head = score(embed_images(model, images["query"]), embed_images(model, images["gallery"]), split)
            print(f"| {Path(run).name} | {variant} | {bare} | {head} |", flush=True)


if __name__ == "__main__":
    main()
