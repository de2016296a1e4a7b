"""The shipped crosscam-lite0 weights: they load offline, reproduce their stored embedding and export to ONNX."""

import json

import numpy as np
import pytest

from crosscam.commands.export import export_onnx
from crosscam.embed.trained import REFERENCE_CROP, SHIPPED_WEIGHTS, create, metadata_path
from crosscam.imageio import read_bgr


@pytest.fixture(scope="module")
def metadata() -> dict:
    return json.loads(metadata_path(SHIPPED_WEIGHTS).read_text())


def test_shipped_weights_reproduce_the_stored_embedding(assets_dir, metadata):
    embedder = create()
    crop = read_bgr(assets_dir / "data/cuhk01/CUHK01/campus" / REFERENCE_CROP)
    embedding = embedder.embed([crop])
    stored = metadata["reference"]["values"]
    assert embedding.shape == (1, metadata["config"]["embedding_dim"])
    np.testing.assert_allclose(embedding[0, : len(stored)], stored, atol=1e-4)


def test_metadata_records_how_the_weights_were_made(metadata):
    assert metadata["config"]["command"].startswith("crosscam train")
    assert metadata["config"]["split_seed"] == 0 and "cuhk01" in metadata["config"]["datasets"]
    assert metadata["test"]["dataset"] == "cuhk01" and metadata["test"]["rank1"] > 25  # ImageNet-only features: 12.4


def test_onnx_export_matches_pytorch(tmp_path):
    check = export_onnx(None, tmp_path / "crosscam_lite0.onnx")
    assert check["max_abs_diff"] < 1e-3 and check["min_cosine"] > 0.9999
