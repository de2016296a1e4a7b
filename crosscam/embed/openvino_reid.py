"""Intel OpenVINO person-reidentification-retail-0277 / 0287 / 0288 (Apache-2.0 IR models).

Input ``N x 3 x 256 x 128`` BGR 0-255 (the normalisation is inside the model),
output 256-d. The model is compiled twice, reshaped to a fixed batch of
:data:`BATCH_SIZE` and to a batch of 1; a last, partial batch runs crop by crop
rather than padded, so one crop (the tracking case) costs one crop. Throughput
stops growing at batch 4 on a 2-core CPU (0288: 26 crops/s at batch 1, 36-40 at
4-32), while a padded single crop would cost the whole batch.
``INFERENCE_PRECISION_HINT=f32`` because the CPU plugin otherwise runs in bf16
on CPUs that support it, which changes the embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import openvino as ov

from crosscam.assets import resolve_file
from crosscam.embed.base import Embedder
from crosscam.embed.preprocess import resize_batch
from crosscam.embed.registry import describes

DIM = 256
INPUT_SIZE = (256, 128)
BATCH_SIZE = 4


class OpenVinoReidEmbedder(Embedder):
    """Any OpenVINO IR taking ``N x 3 x H x W`` BGR 0-255 crops (normalisation inside) to ``N x dim`` features."""

    def __init__(
        self,
        name: str,
        xml_path: str,
        batch_size: int = BATCH_SIZE,
        threads: int = 2,
        dim: int = DIM,
        input_size: tuple[int, int] = INPUT_SIZE,
    ) -> None:
        self.name, self.dim, self.input_size, self.batch_size = name, dim, tuple(input_size), batch_size
        core = ov.Core()
        config = {"INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": threads}
        self.requests = {}
        for batch in {batch_size, 1}:
            model = core.read_model(xml_path)
            model.reshape([batch, 3, *self.input_size])
            self.requests[batch] = core.compile_model(model, "CPU", config).create_infer_request()

    def _infer(self, pixels: np.ndarray) -> np.ndarray:
        return np.array(self.requests[len(pixels)].infer([pixels])[0], dtype=np.float32)

    def _embed_batch(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        pixels = resize_batch(crops, self.input_size).transpose(0, 3, 1, 2).astype(np.float32)
        if len(pixels) == self.batch_size:
            return self._infer(pixels)
        return np.concatenate([self._infer(pixels[index : index + 1]) for index in range(len(pixels))])


def _create(model_id: str, assets_dir: str | None) -> Embedder:
    xml_name = f"person-reidentification-retail-{model_id}"
    resolve_file(f"{xml_name}.bin", assets_dir)  # verify the weights beside the xml too
    return OpenVinoReidEmbedder(f"openvino-{model_id}", str(resolve_file(f"{xml_name}.xml", assets_dir)))


def _assets(model_id: str) -> list[str]:
    return [f"person-reidentification-retail-{model_id}.{suffix}" for suffix in ("xml", "bin")]


@describes(dim=DIM, input_size=INPUT_SIZE, assets=_assets("0277"))
def create_0277(assets_dir: str | None = None) -> Embedder:
    return _create("0277", assets_dir)


@describes(dim=DIM, input_size=INPUT_SIZE, assets=_assets("0287"))
def create_0287(assets_dir: str | None = None) -> Embedder:
    return _create("0287", assets_dir)


@describes(dim=DIM, input_size=INPUT_SIZE, assets=_assets("0288"))
def create_0288(assets_dir: str | None = None) -> Embedder:
    return _create("0288", assets_dir)
