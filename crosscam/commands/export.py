"""``crosscam export``: the trained ``crosscam-lite0`` embedding network as ONNX, checked against PyTorch.

The graph takes ``images`` (``N x 3 x H x W`` float32, RGB / 255 then mean = std = 0.5,
H x W from the metadata json) with a dynamic batch and returns ``embedding``
(``N x dim``, BNNeck output, not yet L2-normalised).

Example:
    crosscam export --out runs/crosscam_lite0.onnx
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "export"
HELP = "export the trained crosscam-lite0 embedder to ONNX and check onnxruntime against PyTorch"
CHECK_BATCH = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="ONNX file to write")
    parser.add_argument("--weights", help="safetensors written by crosscam train (default: the shipped weights)")


def export_onnx(weights: str | Path | None, out: str | Path) -> dict[str, float]:
    """Write the ONNX model; returns ``max_abs_diff`` and ``min_cosine`` of onnxruntime vs PyTorch on a test batch."""
    import numpy as np
    import onnxruntime
    import torch

    from crosscam.embed.trained import SHIPPED_WEIGHTS, load_model

    model, metadata = load_model(weights or SHIPPED_WEIGHTS)
    height, width = metadata["config"]["input_size"]
    example = torch.rand(CHECK_BATCH, 3, height, width, generator=torch.Generator().manual_seed(0)) * 2 - 1
    torch.onnx.export(
        model,
        (example[:1],),
        str(out),
        input_names=["images"],
        output_names=["embedding"],
        dynamic_axes={"images": {0: "batch"}, "embedding": {0: "batch"}},
        dynamo=False,  # the TorchScript exporter needs no onnxscript
    )
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {"images": example.numpy()})
    with torch.inference_mode():
        torch_out = model(example).numpy()
    cosine = (onnx_out * torch_out).sum(1) / (np.linalg.norm(onnx_out, axis=1) * np.linalg.norm(torch_out, axis=1))
    return {"max_abs_diff": float(np.abs(onnx_out - torch_out).max()), "min_cosine": float(cosine.min())}


def run(args: argparse.Namespace) -> int:
    check = export_onnx(args.weights, args.out)
    print(
        f"wrote {args.out}; onnxruntime vs PyTorch on {CHECK_BATCH} inputs: "
        f"max abs diff {check['max_abs_diff']:.2e}, min cosine {check['min_cosine']:.6f}"
    )
    return 0
