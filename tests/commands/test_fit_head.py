import json
import shutil
from pathlib import Path

import pytest

from crosscam.cli import main


@pytest.fixture
def eval_folder(assets_dir: Path, tmp_path: Path) -> Path:
    """6 real CUHK01 people: view A in query/ and train/, view B in gallery/."""
    root = tmp_path / "data"
    for person in range(1, 7):
        for shot in range(1, 5):
            parts = ("query", "train") if shot <= 2 else ("gallery",)
            for part in parts:
                target = root / part / f"p{person}" / f"{'A' if shot <= 2 else 'B'}_{shot}.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(assets_dir / f"data/cuhk01/CUHK01/campus/{person:04d}{shot:03d}.png", target)
    return root


@pytest.mark.slow
def test_fit_head_then_eval_the_new_release(eval_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the OpenVINO conversion of the new release
    out = tmp_path / "mine.safetensors"
    assert main(["fit-head", "--data", f"folder:{eval_folder}", "--directions", "4", "--out", str(out)]) == 0
    assert "on 12 crops of 6 people" in capsys.readouterr().out
    assert json.loads(out.with_suffix(".json").read_text())["lda_head"]["directions"] == 4
    report = tmp_path / "eval.json"
    args = ["eval", "--dataset", "folder", "--data", str(eval_folder), "--embedder-weights", str(out)]
    assert main([*args, "--json", str(report)]) == 0
    scores = json.loads(report.read_text())
    assert scores["embedder"] == f"crosscam-lite0[{out}]" and 0 <= scores["rank1"]["mean"] <= 100


def test_fit_head_needs_data_or_none(capsys):
    with pytest.raises(SystemExit):
        main(["fit-head", "--out", "x.safetensors"])
    assert "one of the arguments --data --none is required" in capsys.readouterr().err


def test_eval_rejects_two_embedders(eval_folder, capsys):
    args = ["eval", "--dataset", "folder", "--data", str(eval_folder), "--embedder", "hsv-stripes"]
    assert main([*args, "--embedder-weights", "x.safetensors"]) == 2
    assert "--embedder and --embedder-weights name two embedders" in capsys.readouterr().err
