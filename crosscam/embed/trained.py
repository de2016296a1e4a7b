"""``crosscam-lite0``: the project's own EfficientNet-Lite0 triplet embedding, shipped in the package.

``crosscam train`` writes the weights (fp16 safetensors, a few MB) and a metadata
json beside them (config, training command, results, the embedding of a
reference crop); the release copied to ``crosscam/weights/`` is this embedder.
Loading needs no network: the backbone is built without pretrained weights and
the shipped state dict (fp16 -> fp32) fills it. By default the network runs on
OpenVINO, which is several times faster than PyTorch on a CPU with the same
embeddings: the first use converts it to an OpenVINO IR (BGR 0-255 in,
normalisation inside) cached under ``$XDG_CACHE_HOME/crosscam/openvino/``,
keyed by the weights' sha256 (fp32: fp16 storage would round the weights that
batch norm is folded into).

Example:
    >>> from crosscam.embed.trained import create
    >>> embedder = create()  # doctest: +SKIP
    >>> embedder.embed([crop_bgr]).shape  # doctest: +SKIP
    (1, 256)
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from crosscam.embed.base import Embedder
from crosscam.embed.effnet import TorchEmbedder
from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr
from crosscam.reid.models.efficientnet_lite0 import MEAN, STD
from crosscam.reid.models.embedding_net import EmbeddingNet

NAME = "crosscam-lite0"
SHIPPED_WEIGHTS = Path(__file__).parents[1] / "weights" / "crosscam_lite0.safetensors"
# The crop whose embedding the metadata stores, relative to the CUHK01 data set root (a regression check).
REFERENCE_CROP = "0001001.png"
REFERENCE_VALUES = 8


def metadata_path(weights: Path) -> Path:
    return Path(weights).with_suffix(".json")


def load_model(weights: str | Path = SHIPPED_WEIGHTS) -> tuple[EmbeddingNet, dict]:
    """The inference network (eval mode, fp32) and its metadata."""
    weights = Path(weights)
    if not weights.is_file() or not metadata_path(weights).is_file():
        raise CrosscamError(f"{weights}: trained weights or their .json metadata are missing")
    metadata = json.loads(metadata_path(weights).read_text())
    state = {key: value.float() if value.is_floating_point() else value for key, value in load_file(weights).items()}
    model = EmbeddingNet(metadata["config"]["embedding_dim"], pretrained=False, projection="projection.weight" in state)
    model.load_state_dict(state, strict=True)
    return model.eval(), metadata


def openvino_cache(weights: str | Path) -> Path:
    """The cached OpenVINO IR (.xml) of ``weights``, converted on first use."""
    from crosscam.assets import file_sha256

    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    xml = cache_home / "crosscam" / "openvino" / f"{NAME}-{file_sha256(Path(weights))[:16]}.xml"
    if not xml.is_file():
        xml.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=xml.parent) as scratch:
            written = save_openvino(weights, Path(scratch) / xml.name)
            os.replace(written.with_suffix(".bin"), xml.with_suffix(".bin"))
            os.replace(written, xml)  # the .xml last: its presence means the pair is complete
    return xml


def create(assets_dir: str | None = None, weights: str | Path = SHIPPED_WEIGHTS, runtime: str = "openvino") -> Embedder:
    """The shipped embedder (``assets_dir`` is unused: the weights live inside the package).

    ``runtime``: "openvino" (default; the cached IR of the weights) or "torch".
    """
    if runtime not in ("openvino", "torch"):
        raise CrosscamError(f"unknown runtime {runtime!r}; choose openvino or torch")
    if runtime == "openvino":
        from crosscam.embed.openvino_reid import OpenVinoReidEmbedder

        if not Path(weights).is_file() or not metadata_path(Path(weights)).is_file():
            raise CrosscamError(f"{weights}: trained weights or their .json metadata are missing")
        config = json.loads(metadata_path(Path(weights)).read_text())["config"]
        return OpenVinoReidEmbedder(
            NAME, str(openvino_cache(weights)), dim=config["embedding_dim"], input_size=tuple(config["input_size"])
        )
    model, metadata = load_model(weights)
    config = metadata["config"]
    return TorchEmbedder(NAME, model, config["embedding_dim"], tuple(config["input_size"]), MEAN, STD)


class _BgrInput(torch.nn.Module):
    """BGR 0-255 ``N x 3 x H x W`` -> the network's RGB / 255, (x - mean) / std input, inside the exported graph."""

    def __init__(self, model: EmbeddingNet) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

    def forward(self, bgr: torch.Tensor) -> torch.Tensor:
        return self.model((bgr[:, [2, 1, 0]] / 255 - self.mean) / self.std)


def save_openvino(weights: str | Path, xml: Path) -> Path:
    """Write the OpenVINO IR (fp32) of a release (``weights`` .safetensors + .json) to ``xml`` (+ .bin)."""
    import openvino as ov

    model, metadata = load_model(weights)
    height, width = metadata["config"]["input_size"]
    with torch.inference_mode():
        converted = ov.convert_model(_BgrInput(model).eval(), example_input=torch.zeros(1, 3, height, width))
    converted.reshape([-1, 3, height, width])
    ov.save_model(converted, str(xml), compress_to_fp16=False)
    return xml


def save_release(model: EmbeddingNet, config, summary: dict, weights: Path) -> None:
    """Write fp16 inference weights + metadata json (config, results, the reference crop's embedding)."""
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
