"""Seconds per training step of ``crosscam train --cache-frozen`` for several network settings, in one run.

A step is what a cached-frozen training step computes after the cache lookup: ``forward_from_frozen`` on a 64-image
PK batch (16 ids x 4), batch-hard triplet + identity loss, backward, Adam. The settings are measured round-robin
(``--repeats`` rounds of ``--steps`` steps each, after two warm-up steps), so machine drift hits them alike; the
table gives the median seconds per step, images/s and the minutes that 15 epochs of 166 batches (the shipped
recipe's epoch) would take at that speed. Compare rows of one run only: timings on these machines vary 20-50 %
from run to run.

    .venv/bin/python benchmarks/train_step_speed.py --frozen-stages 3 4 --input-sizes 256x128 224x112 --nchw --compile
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from crosscam.reid.losses import batch_hard_triplet_loss
from crosscam.reid.models.embedding_net import EmbeddingNet

IDS, PER_ID, CLASSES, EPOCH_BATCHES, EPOCHS = 16, 4, 1228, 166, 15


def make_step(frozen_stages: int, size: tuple[int, int], channels_last: bool, compiled: bool):
    torch.manual_seed(0)
    net = EmbeddingNet(256, num_classes=CLASSES, frozen_stages=frozen_stages, pretrained=False).train()
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    frozen = net.frozen_features(torch.randn(IDS * PER_ID, 3, *size)).contiguous(memory_format=memory_format)
    targets = torch.arange(IDS).repeat_interleave(PER_ID)
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)
    forward = torch.compile(net.forward_from_frozen) if compiled else net.forward_from_frozen

    def step() -> None:
        feature, _, logits = forward(frozen)
        loss = batch_hard_triplet_loss(F.normalize(feature, dim=1), targets, 0.3) + F.cross_entropy(logits, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frozen-stages", type=int, nargs="+", default=[3, 4])
    parser.add_argument("--input-sizes", nargs="+", default=["256x128"], help="HxW")
    parser.add_argument("--nchw", action="store_true", help="also measure NCHW memory format (default channels_last)")
    parser.add_argument("--compile", action="store_true", help="also measure torch.compile (first step compiles)")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    settings = []
    for size_text in args.input_sizes:
        size = tuple(int(v) for v in size_text.split("x"))
        for frozen in args.frozen_stages:
            settings.append((frozen, size, True, False))
            if args.nchw:
                settings.append((frozen, size, False, False))
            if args.compile:
                settings.append((frozen, size, True, True))
    steps = {}
    for setting in settings:
        steps[setting] = make_step(*setting)
        for _ in range(2):  # warm-up (and compilation)
            steps[setting]()
    seconds: dict[tuple, list[float]] = {s: [] for s in settings}
    for _ in range(args.repeats):
        for setting in settings:
            started = time.perf_counter()
            for _ in range(args.steps):
                steps[setting]()
            seconds[setting].append((time.perf_counter() - started) / args.steps)

    print(f"{args.threads} threads, batch {IDS}x{PER_ID}, median of {args.repeats} rounds of {args.steps} steps")
    print("| frozen stages | input | memory format | compiled | s / step | images/s | min for 15 epochs |")
    print("|---:|---|---|---|---:|---:|---:|")
    for (frozen, size, channels_last, compiled), values in seconds.items():
        step_s = statistics.median(values)
        print(
            f"| {frozen} | {size[0]}x{size[1]} | {'channels_last' if channels_last else 'NCHW'} | "
            f"{'yes' if compiled else 'no'} | {step_s:.2f} | {IDS * PER_ID / step_s:.1f} | "
            f"{step_s * EPOCH_BATCHES * EPOCHS / 60:.0f} |"
        )


if __name__ == "__main__":
    main()
