"""The shipped crosscam-lite0 release: it loads offline, reproduces its stored embedding without PyTorch, and its ONNX
file is the export of its weights."""

import json
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from crosscam.embed.trained import (
    REFERENCE_CROP,
    SHIPPED_WEIGHTS,
    create,
    export_onnx,
    metadata_path,
    onnx_path,
    store_initializers_fp16,
)
from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr

TORCH_FREE_REFERENCE = """
import json, sys
from crosscam.embed.trained import SHIPPED_WEIGHTS, create, metadata_path
from crosscam.imageio import read_bgr
embedding = create().embed([read_bgr(sys.argv[1])])[0]
blocked = [name for name in ("torch", "torchvision", "timm", "safetensors") if name in sys.modules]
print(json.dumps({"values": embedding.tolist(), "imported": blocked}))
"""


@pytest.fixture(scope="module")
def metadata() -> dict:
    return json.loads(metadata_path(SHIPPED_WEIGHTS).read_text())


@pytest.fixture(scope="module")
def cuhk01_crops(assets_dir) -> list[np.ndarray]:
    return [read_bgr(assets_dir / "data/cuhk01/CUHK01/campus" / f"{n:04d}001.png") for n in range(1, 9)]


def test_shipped_release_reproduces_the_stored_embedding_without_torch(assets_dir, metadata):
    crop = assets_dir / "data/cuhk01/CUHK01/campus" / REFERENCE_CROP
    result = subprocess.run(
        [sys.executable, "-c", TORCH_FREE_REFERENCE, str(crop)], capture_output=True, text=True, check=True
    )
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer["imported"] == []  # the default (OpenVINO) path runs the ONNX file; PyTorch is never loaded
    stored = metadata["reference"]["values"]  # written by save_release with the PyTorch network
    assert len(answer["values"]) == metadata["config"]["embedding_dim"]
    np.testing.assert_allclose(answer["values"][: len(stored)], stored, atol=1e-5)


def test_metadata_records_how_the_weights_were_made(metadata):
    assert metadata["config"]["command"].startswith("crosscam train")
    assert metadata["config"]["split_seed"] == 0 and "cuhk01" in metadata["config"]["datasets"]
    assert metadata["test"]["dataset"] == "cuhk01" and metadata["test"]["rank1"] > 25  # ImageNet-only features: 12.4


@pytest.mark.slow
def test_shipped_onnx_is_the_export_of_the_shipped_weights(tmp_path, cuhk01_crops):
    check = export_onnx(SHIPPED_WEIGHTS, tmp_path / "crosscam_lite0.onnx")
    assert check["max_abs_diff"] < 1e-5 and check["min_cosine"] > 0.99999
    shipped, fresh = onnx.load(str(onnx_path(SHIPPED_WEIGHTS))), onnx.load(str(check["path"]))
    fp32_bytes = 4 * sum(numpy_helper.to_array(i).size for i in fresh.graph.initializer)
    assert check["bytes"] < 0.55 * fp32_bytes  # the weights are stored as fp16
    assert {i.name: i.raw_data for i in shipped.graph.initializer} == {
        i.name: i.raw_data for i in fresh.graph.initializer
    }
    copy = tmp_path / "copy.safetensors"  # a release whose .onnx is the fresh export embeds like the shipped one
    shutil.copy(SHIPPED_WEIGHTS, copy)
    shutil.copy(metadata_path(SHIPPED_WEIGHTS), metadata_path(copy))
    shutil.copy(check["path"], onnx_path(copy))
    np.testing.assert_array_equal(create(weights=copy).embed(cuhk01_crops), create().embed(cuhk01_crops))


@pytest.mark.slow
def test_openvino_runtime_gives_the_pytorch_embeddings(cuhk01_crops):
    fast, reference = create(), create(runtime="torch")
    assert fast.dim == reference.dim and fast.input_size == reference.input_size
    np.testing.assert_allclose(fast.embed(cuhk01_crops), reference.embed(cuhk01_crops), atol=1e-5)
    np.testing.assert_allclose(fast.embed(cuhk01_crops[:1]), reference.embed(cuhk01_crops[:1]), atol=1e-5)


def test_fp16_storage_converts_only_values_fp16_holds_exactly():
    from onnx import helper

    exact, inexact = np.array([0.5, -2.0, 1024.0], np.float32), np.array([0.1, 1.0], np.float32)
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"])],
        "g",
        [],
        [helper.make_tensor_value_info("sum", onnx.TensorProto.FLOAT, [3])],
        [numpy_helper.from_array(exact, "a"), numpy_helper.from_array(np.resize(inexact, 3), "b")],
    )
    model = helper.make_model(graph)
    assert store_initializers_fp16(model) == 1
    stored = {i.name: numpy_helper.to_array(i).dtype for i in model.graph.initializer}
    assert stored == {"a__fp16": np.float16, "b": np.float32}
    assert model.graph.node[0].op_type == "Cast" and model.graph.node[0].output == ["a"]
    onnx.checker.check_model(model)


def test_bad_release_and_runtime_are_one_line_errors(tmp_path):
    with pytest.raises(CrosscamError, match="trained weights or their .json metadata are missing"):
        create(weights=tmp_path / "missing.safetensors")
    with pytest.raises(CrosscamError, match="unknown runtime 'cuda'"):
        create(runtime="cuda")
    release = tmp_path / "no_onnx.safetensors"
    shutil.copy(SHIPPED_WEIGHTS, release)
    shutil.copy(metadata_path(SHIPPED_WEIGHTS), metadata_path(release))
    with pytest.raises(CrosscamError, match=r"no_onnx.onnx: the release's ONNX file is missing; .*crosscam export"):
        create(weights=release)
