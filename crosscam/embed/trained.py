"""``crosscam-lite0``: the project's own EfficientNet-Lite0 triplet embedding, shipped in the package.

``crosscam train`` writes the weights (fp16 safetensors, a few MB) and a metadata
json beside them (config, training command, results, the embedding of a
reference crop); the release copied to ``crosscam/weights/`` is this embedder.
Loading needs no network: the backbone is built without pretrained weights and
the shipped state dict (fp16 -> fp32) fills it.

Example:
    >>> from crosscam.embed.trained import create
    >>> embedder = create()  # doctest: +SKIP
    >>> embedder.embed([crop_bgr]).shape  # doctest: +SKIP
    (1, 512)
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

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
    model = EmbeddingNet(metadata["config"]["embedding_dim"], pretrained=False)
    state = {key: value.float() if value.is_floating_point() else value for key, value in load_file(weights).items()}
    model.load_state_dict(state, strict=True)
    return model.eval(), metadata


def create(assets_dir: str | None = None, weights: str | Path = SHIPPED_WEIGHTS) -> Embedder:
    """The shipped embedder (``assets_dir`` is unused: the weights live inside the package)."""
    model, metadata = load_model(weights)
    config = metadata["config"]
    return TorchEmbedder(NAME, model, config["embedding_dim"], tuple(config["input_size"]), MEAN, STD)


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
        embedding = create(weights=weights).embed([read_bgr(reference)])[0]
        metadata["reference"] = {"crop": f"cuhk01/{REFERENCE_CROP}", "values": embedding[:REFERENCE_VALUES].tolist()}
        metadata_path(weights).write_text(json.dumps(metadata, indent=2) + "\n")
