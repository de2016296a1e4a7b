"""``crosscam-lite0``: the project's own EfficientNet-Lite0 triplet embedding, shipped in the package.

The weights (fp16 safetensors, ``crosscam/weights/crosscam_lite0.safetensors``) and
their metadata json (config, training command, results, a reference embedding)
are written by ``crosscam train``; loading needs no network: the backbone is
built without pretrained weights and the shipped state dict fills it.

Example:
    >>> from crosscam.embed.trained import create
    >>> embedder = create()
    >>> embedder.embed([crop_bgr]).shape  # doctest: +SKIP
    (1, 512)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from crosscam.embed.base import Embedder
from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr
from crosscam.reid.models.efficientnet_lite0 import MEAN, STD
from crosscam.reid.models.embedding_net import EmbeddingNet
from crosscam.reid.transforms import crops_to_uint8, normalize

NAME = "crosscam-lite0"
SHIPPED_WEIGHTS = Path(__file__).parents[1] / "weights" / "crosscam_lite0.safetensors"
# The reference crop whose embedding the metadata stores (relative to the CUHK01 data set root).
REFERENCE_CROP = "0001001.png"
REFERENCE_VALUES = 8


def metadata_path(weights: Path) -> Path:
    return weights.with_suffix(".json")


class TrainedEmbedder(Embedder):
    name = NAME

    def __init__(self, weights: str | Path = SHIPPED_WEIGHTS, batch_size: int = 32) -> None:
        weights = Path(weights)
        if not weights.is_file() or not metadata_path(weights).is_file():
            raise CrosscamError(f"{weights}: trained weights or their .json metadata are missing")
        self.metadata = json.loads(metadata_path(weights).read_text())
        config = self.metadata["config"]
        self.dim = config["embedding_dim"]
        self.input_size = tuple(config["input_size"])
        self.batch_size = batch_size
        self.model = EmbeddingNet(self.dim, pretrained=False)
        state = {
            key: value.float() if value.is_floating_point() else value for key, value in load_file(weights).items()
        }
        self.model.load_state_dict(state, strict=True)
        self.model.eval().to(memory_format=torch.channels_last)

    @torch.inference_mode()
    def _embed_batch(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        batch = normalize(crops_to_uint8(crops, self.input_size), MEAN, STD)
        return self.model(batch.contiguous(memory_format=torch.channels_last)).numpy()


def create(assets_dir: str | None = None) -> Embedder:
    """The shipped embedder (``assets_dir`` is unused: the weights live inside the package)."""
    return TrainedEmbedder()


def save_release(model: EmbeddingNet, config, summary: dict, weights: Path, reference_root: Path | None = None) -> None:
    """Write fp16 inference weights + metadata json (config, results, the reference crop's embedding)."""
    state = {
        key: value.half() if value.is_floating_point() else value
        for key, value in model.state_dict().items()
        if not key.startswith("classifier.")
    }
    save_file({key: value.contiguous() for key, value in state.items()}, str(weights))
    settings = asdict(config)
    metadata = {"name": NAME, "config": settings, "mean": MEAN, "std": STD, "command": config.command, **summary}
    metadata_path(weights).write_text(json.dumps(metadata, indent=2) + "\n")
    root = Path(reference_root or config.data_roots.get("cuhk01", ""))
    if (root / REFERENCE_CROP).is_file():
        embedding = TrainedEmbedder(weights).embed([read_bgr(root / REFERENCE_CROP)])[0]
        metadata["reference"] = {
            "crop": f"cuhk01/{REFERENCE_CROP}",
            "first_values": embedding[:REFERENCE_VALUES].tolist(),
        }
        metadata_path(weights).write_text(json.dumps(metadata, indent=2) + "\n")
