import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from crosscam.cli import main
from crosscam.commands.embed import embedder_spec

ASSETS = Path(os.environ.get("CROSSCAM_ASSETS", Path(__file__).parents[2] / "../shared/assets"))
CUHK01 = ASSETS / "data/cuhk01/CUHK01/campus"


@pytest.fixture(scope="module")
def folder_data(tmp_path_factory) -> Path:
    """12 real CUHK01 people in the plain-folder layout: view A in query/, view B in gallery/."""
    if not CUHK01.is_dir():
        pytest.skip(f"{CUHK01} not found")
    root = tmp_path_factory.mktemp("folder_data")
    for person in range(1, 13):
        for shot in range(1, 5):
            part, camera = ("query", "viewA") if shot <= 2 else ("gallery", "viewB")
            target = root / part / f"p{person:04d}" / f"{camera}_{shot}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(CUHK01 / f"{person:04d}{shot:03d}.png", target)
    return root


def test_embed_writes_the_documented_arrays(folder_data, tmp_path):
    out = tmp_path / "features.npz"
    args = ["embed", "--dataset", "folder", "--data", str(folder_data), "--embedder", "hsv-stripes", "--out", str(out)]
    assert main(args) == 0
    stored = np.load(out)
    assert stored["features"].shape == (48, 768) and stored["features"].dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(stored["features"], axis=1), 1, rtol=1e-5)
    assert stored["is_query"].sum() == 24 and len(set(stored["pids"].tolist())) == 12
    query_cams = set(stored["camids"][stored["is_query"]].tolist())
    assert query_cams.isdisjoint(stored["camids"][~stored["is_query"]].tolist())
    assert all(Path(path).is_file() for path in stored["paths"])


def test_eval_prints_table_writes_json_and_pictures(folder_data, tmp_path, capsys):
    json_path, vis = tmp_path / "scores.json", tmp_path / "vis"
    args = ["eval", "--dataset", "folder", "--data", str(folder_data), "--embedder", "hsv-stripes", "--rerank"]
    assert main([*args, "--json", str(json_path), "--vis", str(vis), "--vis-queries", "3", "--top-k", "4"]) == 0
    printed = capsys.readouterr().out
    assert "mAP: non-interpolated AP" in printed and "crops/s" in printed and "re-ranked" in printed
    report = json.loads(json_path.read_text())
    for key in ("rank1", "rank5", "rank10", "mAP", "mINP"):
        assert 0 <= report[key]["mean"] <= 100 and report[key]["std"] == 0  # one split
        assert 0 <= report["reranked"][key]["mean"] <= 100
    assert report["rank1"]["mean"] <= report["rank5"]["mean"] <= report["rank10"]["mean"]
    assert report["per_split"][0]["mAP"] == pytest.approx(report["mAP"]["mean"])
    assert report["embedder"] == "hsv-stripes" and report["seeds"] == [0]
    assert sorted(p.name for p in vis.iterdir()) == ["ranked_random_01.png", "reranked_random_01.png"]


def test_flip_adds_the_suffix_to_every_fusion_part():
    assert embedder_spec("a", True, None) == "a:flip"
    assert embedder_spec("a*0.6+b:flip*0.4", True, None) == "a:flip*0.6+b:flip*0.4"
    assert embedder_spec("a*0.6+b*0.4", False, None) == "a*0.6+b*0.4"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--dataset", "cuhk01", "--data", "/nonexistent/cuhk01"], "/nonexistent/cuhk01: no such directory"),
        (["--dataset", "market1501"], "--data DIR is required"),
        (["--dataset", "cuhk03_pair1", "--splits", "3"], "applies to cuhk01 only"),
        (["--embedder", "no-such-model"], "unknown embedder 'no-such-model'"),
        (["--dataset", "cuhk01", "--rerank", "--rerank-k1", "0"], "k1 and k2 must be at least 1"),
    ],
)
def test_eval_bad_inputs_are_one_line_errors(extra, message, capsys):
    assert main(["eval", "--assets", str(ASSETS), *extra]) == 2
    error = capsys.readouterr().err
    assert error.startswith("crosscam: error:") and message in error and error.count("\n") == 1


def test_eval_learned_projection_is_fitted_on_the_train_folder(folder_data, tmp_path, capsys):
    data = tmp_path / "with_train"
    shutil.copytree(folder_data, data)
    for person in range(13, 41):  # 28 further CUHK01 people as labelled training data
        for shot in range(1, 5):
            target = data / "train" / f"p{person:04d}" / f"{'viewA' if shot <= 2 else 'viewB'}_{shot}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(CUHK01 / f"{person:04d}{shot:03d}.png", target)
    json_path = tmp_path / "scores.json"
    args = ["eval", "--dataset", "folder", "--data", str(data), "--embedder", "hsv-stripes", "--learn-projection"]
    rerank = ["--rerank", "--rerank-k1", "3", "--rerank-k2", "1"]
    assert main([*args, *rerank, "--shrinkage", "0.5", "--json", str(json_path)]) == 0
    printed = capsys.readouterr().out
    assert "camera centring + LDA (shrinkage 0.5) learned on each split's train ids" in printed
    assert "then re-ranked (k1=3, k2=1, lambda=0.3; transductive)" in printed
    report = json.loads(json_path.read_text())
    assert report["projected"]["shrinkage"] == 0.5 and report["rerank"] == "k1=3, k2=1, lambda=0.3"
    assert 0 <= report["projected_reranked"]["mAP"]["mean"] <= 100
    assert report["projected"]["rank1"]["mean"] <= report["projected"]["rank5"]["mean"]
    assert report["projected"]["per_split"][0]["mAP"] == pytest.approx(report["projected"]["mAP"]["mean"])


def test_eval_learned_projection_without_train_images_is_a_one_line_error(folder_data, capsys):
    args = [
        "eval",
        "--dataset",
        "folder",
        "--data",
        str(folder_data),
        "--embedder",
        "hsv-stripes",
        "--learn-projection",
    ]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "no train images to learn a projection from" in error and error.count("\n") == 1


@pytest.mark.slow
def test_eval_on_multiviewx_scores_cross_camera_matches(tmp_path, monkeypatch):
    """The MultiviewX crops are cut once into the cache; each of them is a query against the other cameras."""
    if not (ASSETS / "data/multiviewx_sample").is_dir():
        pytest.skip("MultiviewX sample not found")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    report = tmp_path / "mvx.json"
    args = ["--assets", str(ASSETS), "eval", "--dataset", "multiviewx", "--embedder", "hsv-stripes"]
    assert main([*args, "--json", str(report)]) == 0
    scores = json.loads(report.read_text())
    assert scores["num_valid_queries"] == [1069] and 0 < scores["rank1"]["mean"] < 100
    assert (tmp_path / "cache/crosscam/multiviewx_reid").is_dir()
