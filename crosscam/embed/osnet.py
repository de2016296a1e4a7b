"""OSNet x0.25 trained on MSMT17 (torchreid export), run with onnxruntime.

Input ``N x 3 x 256 x 128``, RGB / 255 with ImageNet mean / std; output 512-d.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
import onnxruntime as ort

from crosscam.assets import resolve_file
from crosscam.embed.base import Embedder
from crosscam.embed.preprocess import resize_batch, to_nchw_float
from crosscam.embed.registry import describes

NAME = "osnet-x0.25-msmt17"
ASSET = "osnet_x0_25_msmt17"
DIM = 512
INPUT_SIZE = (256, 128)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def make_batch_dim_symbolic(model: onnx.ModelProto, dim_name: str = "batch") -> onnx.ModelProto:
    """Turn a fixed first dimension of every graph input and output into a symbolic one (in place), so batches run."""
    for value in [*model.graph.input, *model.graph.output]:
        first = value.type.tensor_type.shape.dim[0]
        if not first.dim_param:
            first.dim_param = dim_name
    return model


class OnnxEmbedder(Embedder):
    """An ONNX model mapping ``N x 3 x h x w`` (RGB / 255, then mean / std) to ``N x dim`` features."""

    def __init__(
        self,
        name: str,
        model: onnx.ModelProto,
        dim: int,
        input_size: tuple[int, int],
        mean: Sequence[float],
        std: Sequence[float],
        batch_size: int = 32,
        threads: int = 2,
    ) -> None:
        self.name, self.dim, self.input_size, self.batch_size = name, dim, input_size, batch_size
        self.mean, self.std = mean, std
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        # Idle worker threads sleep rather than spin, so they do not steal the cores the detector waits for.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.inter_op_num_threads = 1
        serialized = make_batch_dim_symbolic(model).SerializeToString()
        self.session = ort.InferenceSession(serialized, options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def _embed_batch(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        pixels = to_nchw_float(resize_batch(crops, self.input_size), self.mean, self.std)
        return self.session.run(None, {self.input_name: pixels})[0]


@describes(dim=DIM, input_size=INPUT_SIZE, assets=[ASSET])
def create(assets_dir: str | None = None) -> Embedder:
    model = onnx.load(str(resolve_file(ASSET, assets_dir)))
    return OnnxEmbedder(NAME, model, DIM, INPUT_SIZE, IMAGENET_MEAN, IMAGENET_STD)
