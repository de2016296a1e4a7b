"""``crosscam export``: write a ``crosscam-lite0`` release's ONNX file, checked against PyTorch.

The graph takes ``images`` (``N x 3 x H x W`` float32 BGR 0-255, H x W from the
metadata json; the normalisation is inside) with a dynamic batch and returns
``embedding`` (``N x dim``, not yet L2-normalised). This is the file the
torch-free embedder runs (see :mod:`crosscam.embed.trained`); ``crosscam train``
writes it with every release, and without arguments this command regenerates the
shipped one, ``crosscam/weights/crosscam_lite0.onnx``. Needs ``crosscam[train]``.

Example:
    crosscam export
    crosscam export --weights runs/my_run/crosscam_lite0.safetensors --out runs/crosscam_lite0.onnx
"""

from __future__ import annotations

import argparse

NAME = "export"
HELP = "write the ONNX file of a crosscam-lite0 release (default: the shipped one) and check it against PyTorch"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", help="safetensors written by crosscam train (default: the shipped weights)")
    parser.add_argument("--out", help="ONNX file to write (default: beside the weights, same name, .onnx)")


def run(args: argparse.Namespace) -> int:
    from crosscam.embed.trained import CHECK_BATCH, SHIPPED_WEIGHTS, export_onnx

    check = export_onnx(args.weights or SHIPPED_WEIGHTS, args.out)
    print(
        f"wrote {check['path']} ({check['bytes'] / 1e6:.1f} MB); onnxruntime vs PyTorch on {CHECK_BATCH} inputs: "
        f"max abs diff {check['max_abs_diff']:.2e}, min cosine {check['min_cosine']:.6f}"
    )
    return 0
