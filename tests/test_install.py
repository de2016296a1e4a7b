"""The package as a user installs it: the wheel built from this tree, installed (not editable, core only) into a fresh
virtual environment by pip from PyPI, runs the main job on the two EPFL clips without PyTorch; commands that need an
extra say which one."""

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest

from crosscam.cli import missing_extra

REPO = Path(__file__).parents[1]
WHEEL_SOURCES = ("pyproject.toml", "README.md", "crosscam")
# Files the package reads at run time; an editable install hides their absence from the wheel.
RUNTIME_FILES = (
    "crosscam/assets.json",
    "crosscam/associate/calibrations/openvino-0277.json",
    "crosscam/associate/calibrations/crosscam-lite0.json",
    "crosscam/weights/crosscam_lite0.json",
    "crosscam/weights/crosscam_lite0.onnx",
)
TORCH_BLOCKED = "import sys; sys.modules['torch'] = None; from crosscam.cli import main; sys.exit(main(sys.argv[1:]))"


def build_wheel(folder: Path) -> Path:
    """Build the wheel from a copy of the package sources (the build writes egg-info and build/ next to them)."""
    source = folder / "src"
    source.mkdir()
    for name in WHEEL_SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(REPO / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(folder / "dist"), str(source)], check=True
    )
    (wheel,) = (folder / "dist").glob("crosscam-*.whl")
    return wheel


def clean_env() -> dict[str, str]:
    """This environment without the dev venv on any path, so the fresh venv sees only what it installed."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.setdefault("OMP_NUM_THREADS", "2")
    return env


def identities_by_camera(csv_path: Path) -> dict[str, set[str]]:
    cameras: dict[str, set[str]] = defaultdict(set)
    with open(csv_path, newline="") as handle:
        for row in csv.DictReader(handle):
            cameras[row["global_id"]].add(row["camera"])
    return dict(cameras)


def test_a_missing_extra_is_named():
    assert missing_extra(ModuleNotFoundError("No module named 'torch.nn'", name="torch.nn")) == "train"
    assert missing_extra(ModuleNotFoundError("No module named 'trackeval'", name="trackeval")) == "eval"
    assert missing_extra(ModuleNotFoundError("No module named 'yaml'", name="yaml")) is None


@pytest.mark.parametrize("command", [["export"], ["train", "--dataset", "cuhk01", "--out", "never_written"]])
def test_torch_commands_without_torch_are_a_one_line_error(command, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", TORCH_BLOCKED, *command], capture_output=True, text=True, cwd=REPO, env=clean_env()
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"crosscam: error: `crosscam {command[0]}` needs torch, which the core install leaves out: "
        "pip install 'crosscam[train]'"
    ]
    assert not (REPO / "never_written").exists()


@pytest.mark.slow
def test_core_wheel_in_a_fresh_venv_runs_the_epfl_pair_without_torch(tmp_path, assets_dir):
    wheel = build_wheel(tmp_path)
    assert set(RUNTIME_FILES) <= set(zipfile.ZipFile(wheel).namelist())

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env, python, crosscam = clean_env(), venv / "bin/python", venv / "bin/crosscam"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir", str(wheel)],
        check=True,
        env=env,
        timeout=1500,
    )
    probe = "import importlib.util as u, crosscam; print(u.find_spec('torch') is None, crosscam.__file__)"
    no_torch, location = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=True, env=env, cwd=tmp_path
    ).stdout.split()
    assert no_torch == "True" and Path(location).is_relative_to(venv)  # the installed copy, not this tree

    epfl = assets_dir / "data/epfl_lab_2cam"
    cameras = [
        "--camera",
        f"lab_a={epfl / 'Double1.mp4'}@2026-11-25T08:00:00",
        "--camera",
        f"lab_b={epfl / 'Single1.mp4'}@2026-11-25T08:00:05",
    ]
    for embedder in ([], ["--embedder", "crosscam-lite0"]):  # the default (the assets' best), the shipped ONNX model
        out = tmp_path / f"out{len(embedder)}"
        command = [str(crosscam), "run", "--assets", str(assets_dir), "--fresh", "--out", str(out), *embedder, *cameras]
        subprocess.run(command, check=True, env=env, cwd=tmp_path, timeout=600)
        identities = identities_by_camera(out / "identities.csv")
        # The two men of Double1.mp4 are two people; the man of Single1.mp4 is one of them.
        assert sorted(map(sorted, identities.values())) == [["lab_a"], ["lab_a", "lab_b"]], embedder

    for command in (["export"], ["train", "--dataset", "cuhk01", "--out", str(tmp_path / "train")]):
        result = subprocess.run([str(crosscam), *command], capture_output=True, text=True, env=env, cwd=tmp_path)
        assert result.returncode == 2 and "pip install 'crosscam[train]'" in result.stderr, result.stderr
