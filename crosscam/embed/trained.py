"""``crosscam-lite0``: the project's own EfficientNet-Lite0 triplet embedding, shipped in the package.

A release is three files side by side: the weights (``.safetensors``, fp16, for
PyTorch), their metadata (``.json``: config, training command, results, the
embedding of a reference crop) and the network's ONNX export (``.onnx``).
``crosscam train`` writes all three; the release copied to ``crosscam/weights/``
is this embedder. By default the ONNX file runs on OpenVINO, with no PyTorch
installed: it takes BGR 0-255 crops (the normalisation is inside the graph) and
returns the embedding before L2 normalisation. Its weights are stored as fp16
and cast to fp32 inside the graph: batch norm is exported unfolded, so every
stored value is one of the release's fp16 values and the embedding equals
PyTorch's up to fp32 rounding. ``runtime="torch"`` (``crosscam[train]``) builds
the network from the safetensors instead.

Example:
    >>> from crosscam.embed.trained import create
    >>> embedder = create()  # doctest: +SKIP
    >>> embedder.embed([crop_bgr]).shape  # doctest: +SKIP
    (1, 256)
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crosscam.embed.base import Embedder
from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr

if TYPE_CHECKING:
    import onnx

    from crosscam.reid.models.embedding_net import EmbeddingNet

NAME = "crosscam-lite0"
SHIPPED_WEIGHTS = Path(__file__).parents[1] / "weights" / "crosscam_lite0.safetensors"
# The crop whose embedding the metadata stores, relative to the CUHK01 data set root (a regression check).
REFERENCE_CROP = "0001001.png"
REFERENCE_VALUES = 8
RUNTIMES = ("openvino", "torch")
ONNX_INPUT, ONNX_OUTPUT = "images", "embedding"
CHECK_BATCH = 4


def metadata_path(weights: str | Path) -> Path:
    return Path(weights).with_suffix(".json")


def onnx_path(weights: str | Path) -> Path:
    return Path(weights).with_suffix(".onnx")


def read_metadata(weights: str | Path) -> dict:
    if not Path(weights).is_file() or not metadata_path(weights).is_file():
        raise CrosscamError(f"{weights}: trained weights or their .json metadata are missing")
    return json.loads(metadata_path(weights).read_text())


def load_model(weights: str | Path = SHIPPED_WEIGHTS) -> tuple[EmbeddingNet, dict]:
    """The inference network (eval mode, fp32) and its metadata (needs PyTorch)."""
    from safetensors.torch import load_file

    from crosscam.reid.models.embedding_net import EmbeddingNet

    metadata = read_metadata(weights)
    state = {key: value.float() if value.is_floating_point() else value for key, value in load_file(weights).items()}
    model = EmbeddingNet(metadata["config"]["embedding_dim"], pretrained=False, projection="projection.weight" in state)
    model.load_state_dict(state, strict=True)
    return model.eval(), metadata


def create(assets_dir: str | None = None, weights: str | Path = SHIPPED_WEIGHTS, runtime: str = "openvino") -> Embedder:
    """The shipped embedder (``assets_dir`` is unused: the weights live inside the package).

    ``runtime``: "openvino" (default; the release's ONNX file) or "torch" (the safetensors; needs PyTorch).
    """
    if runtime not in RUNTIMES:
        raise CrosscamError(f"unknown runtime {runtime!r}; choose {' or '.join(RUNTIMES)}")
    metadata = read_metadata(weights)
    dim, input_size = metadata["config"]["embedding_dim"], tuple(metadata["config"]["input_size"])
    if runtime == "openvino":
        from crosscam.embed.openvino_reid import OpenVinoReidEmbedder

        if not onnx_path(weights).is_file():
            raise CrosscamError(
                f"{onnx_path(weights)}: the release's ONNX file is missing; write it with "
                f"`crosscam export --weights {weights}`"
            )
        return OpenVinoReidEmbedder(NAME, str(onnx_path(weights)), dim=dim, input_size=input_size)
    from crosscam.embed.effnet import TorchEmbedder

    model, metadata = load_model(weights)
    return TorchEmbedder(NAME, model, dim, input_size, metadata["mean"], metadata["std"])


def store_initializers_fp16(model: onnx.ModelProto) -> int:
    """Store every fp32 initializer that fp16 holds exactly as fp16, cast back to fp32 inside the graph (in place).

    Lossless by construction: a value that fp16 would round stays fp32. Returns how many were converted.
    """
    import onnx
    from onnx import helper, numpy_helper

    graph, casts, kept = model.graph, [], []
    for initializer in graph.initializer:
        values = numpy_helper.to_array(initializer)
        if values.dtype == np.float32 and np.array_equal(values.astype(np.float16).astype(np.float32), values):
            stored = f"{initializer.name}__fp16"
            kept.append(numpy_helper.from_array(values.astype(np.float16), stored))
            casts.append(helper.make_node("Cast", [stored], [initializer.name], to=onnx.TensorProto.FLOAT))
        else:
            kept.append(initializer)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = [*casts, *graph.node]
    del graph.node[:]
    graph.node.extend(nodes)
    return len(casts)


def export_onnx(weights: str | Path = SHIPPED_WEIGHTS, out: str | Path | None = None) -> dict[str, Any]:
    """Write the ONNX file of a release (default: beside ``weights``) and check it on onnxruntime against PyTorch.

    Returns ``path``, ``bytes``, and ``max_abs_diff`` / ``min_cosine`` of the raw embeddings of
    :data:`CHECK_BATCH` random BGR images (needs PyTorch).
    """
    import io

    import onnx
    import onnxruntime
    import torch

    class BgrInput(torch.nn.Module):
        """BGR 0-255 ``N x 3 x H x W`` -> the network's RGB / 255, (x - mean) / std input, inside the graph."""

        def __init__(self, model: torch.nn.Module, mean: list[float], std: list[float]) -> None:
            super().__init__()
            self.model = model
            self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
            self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1))

        def forward(self, bgr: torch.Tensor) -> torch.Tensor:
            return self.model((bgr[:, [2, 1, 0]] / 255 - self.mean) / self.std)

    model, metadata = load_model(weights)
    out = Path(out) if out else onnx_path(weights)
    height, width = metadata["config"]["input_size"]
    network = BgrInput(model, metadata["mean"], metadata["std"]).eval()
    example = torch.rand(CHECK_BATCH, 3, height, width, generator=torch.Generator().manual_seed(0)) * 255
    buffer = io.BytesIO()
    torch.onnx.export(
        network,
        (example[:1],),
        buffer,
        input_names=[ONNX_INPUT],
        output_names=[ONNX_OUTPUT],
        dynamic_axes={ONNX_INPUT: {0: "batch"}, ONNX_OUTPUT: {0: "batch"}},
        training=torch.onnx.TrainingMode.PRESERVE,  # eval-mode batch norm, not folded into the convolutions
        do_constant_folding=False,
        dynamo=False,  # the TorchScript exporter needs no onnxscript
    )
    graph = onnx.load_from_string(buffer.getvalue())
    store_initializers_fp16(graph)
    onnx.checker.check_model(graph)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(graph, str(out))
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (exported,) = session.run(None, {ONNX_INPUT: example.numpy()})
    with torch.inference_mode():
        reference = network(example).numpy()
    cosine = (exported * reference).sum(1) / (np.linalg.norm(exported, axis=1) * np.linalg.norm(reference, axis=1))
    return {
        "path": out,
        "bytes": out.stat().st_size,
        "max_abs_diff": float(np.abs(exported - reference).max()),
        "min_cosine": float(cosine.min()),
    }


def save_release(model: EmbeddingNet, config, summary: dict, weights: Path) -> None:
    """Write a release: fp16 inference weights, metadata json (config, results, the reference crop's embedding)
    and the ONNX export beside them."""
    from safetensors.torch import save_file

    from crosscam.reid.models.efficientnet_lite0 import MEAN, STD

    state = {
        key: value.detach().half() if value.is_floating_point() else value
        for key, value in model.state_dict().items()
        if not key.startswith("classifier.")
    }
    save_file({key: value.contiguous() for key, value in state.items()}, str(weights))
    metadata = {"name": NAME, "config": asdict(config), "mean": MEAN, "std": STD, **summary}
    metadata_path(weights).write_text(json.dumps(metadata, indent=2) + "\n")
    reference = Path(config.data_roots.get("cuhk01", "")) / REFERENCE_CROP
    if reference.is_file():
        embedding = create(weights=weights, runtime="torch").embed([read_bgr(reference)])[0]
        metadata["reference"] = {"crop": f"cuhk01/{REFERENCE_CROP}", "values": embedding[:REFERENCE_VALUES].tolist()}
        metadata_path(weights).write_text(json.dumps(metadata, indent=2) + "\n")
    export_onnx(weights)
