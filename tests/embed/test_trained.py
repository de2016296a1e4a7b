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


def test_openvino_runtime_gives_the_pytorch_embeddings(assets_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    crops = [read_bgr(assets_dir / "data/cuhk01/CUHK01/campus" / f"{n:04d}001.png") for n in range(1, 9)]
    fast, reference = create(), create(runtime="torch")
    cached = sorted(p.name for p in (tmp_path / "crosscam" / "openvino").iterdir())
    assert len(cached) == 2 and cached[0].endswith(".bin") and cached[1].endswith(".xml")  # no scratch left behind
    assert fast.dim == reference.dim and fast.input_size == reference.input_size
    np.testing.assert_allclose(fast.embed(crops), reference.embed(crops), atol=1e-5)
    np.testing.assert_allclose(create().embed(crops[:1]), reference.embed(crops[:1]), atol=1e-5)  # from the cache


def test_bad_weights_and_runtime_are_one_line_errors(tmp_path):
    from crosscam.errors import CrosscamError

    with pytest.raises(CrosscamError, match="trained weights or their .json metadata are missing"):
        create(weights=tmp_path / "missing.safetensors")
    with pytest.raises(CrosscamError, match="unknown runtime 'cuda'"):
        create(runtime="cuda")
