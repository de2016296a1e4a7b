"""Embedding throughput of every available embedder: crops/s at its batch size, and single-crop latency.

Data: the first ``--crops`` CUHK01 crops (60 x 160 PNG, resized to each model's input).
Protocol: 2 threads for torch / onnxruntime / OpenVINO / OpenCV; one warm-up batch, then
the crops embedded once in batches of the embedder's batch size (crops/s, including the
resize), then ``--singles`` crops one at a time (median ms per crop). Timings on a shared
2-core machine vary 20-50 %: compare rows of one run.

    .venv/bin/python benchmarks/embed_speed.py [--crops 256] [--embedders openvino-0277 hsv-stripes:flip]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from crosscam.assets import resolve_dataset
from crosscam.embed.registry import available_embedders, create_embedder
from crosscam.imageio import read_bgr

THREADS = 2
TORCH_LITE0 = "crosscam-lite0 (PyTorch runtime)"  # the shipped model's slower runtime, for the ratio


def measure(spec: str, crops: list[np.ndarray], singles: int, assets: str | None) -> tuple:
    if spec == TORCH_LITE0:
        from crosscam.embed.trained import create

        embedder = create(runtime="torch")
    else:
        embedder = create_embedder(spec, assets)
    embedder.embed(crops[: embedder.batch_size])  # warm-up
    start = time.perf_counter()
    embedder.embed(crops)
    throughput = len(crops) / (time.perf_counter() - start)
    latencies = []
    for crop in crops[:singles]:
        start = time.perf_counter()
        embedder.embed([crop])
        latencies.append(time.perf_counter() - start)
    return embedder, throughput, 1000 * float(np.median(latencies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", default=None)
    parser.add_argument("--crops", type=int, default=256)
    parser.add_argument("--singles", type=int, default=16)
    parser.add_argument("--embedders", nargs="*", help="specs to time (default: every available embedder)")
    parser.add_argument("--lite0-torch", action="store_true", help="also time crosscam-lite0 on PyTorch")
    args = parser.parse_args()
    cv2.setNumThreads(THREADS)
    specs = args.embedders or [info.name for info in available_embedders(args.assets) if info.available]
    specs += [TORCH_LITE0] if args.lite0_torch else []
    root = resolve_dataset("cuhk01", args.assets)
    crops = [read_bgr(path) for path in sorted(Path(root).glob("*.png"))[: args.crops]]
    print(f"CUHK01, {len(crops)} crops, {THREADS} threads, batch = the embedder's batch size\n")
    print("| embedder | dim | batch | crops/s | ms per single crop |")
    print("|---|---:|---:|---:|---:|")
    for spec in specs:
        embedder, throughput, latency = measure(spec, crops, args.singles, args.assets)
        print(f"| {spec} | {embedder.dim} | {embedder.batch_size} | {throughput:.0f} | {latency:.1f} |", flush=True)


if __name__ == "__main__":
    main()
