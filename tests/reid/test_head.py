"""The LDA head as a choice: removed, or refitted on a small labelled folder, on the shipped release."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from crosscam.embed.base import l2_normalize
from crosscam.embed.trained import SHIPPED_WEIGHTS, create
from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr
from crosscam.reid.datasets import load_labelled_crops
from crosscam.reid.head import HEAD_KEY, fit_head, head_samples, strip_head

PEOPLE = 8


@pytest.fixture(scope="module")
def labelled_folder(assets_dir: Path, tmp_path_factory) -> Path:
    """8 real CUHK01 people, 4 crops each, as <person>/<camera>_<name>.png."""
    root = tmp_path_factory.mktemp("labelled")
    for person in range(1, PEOPLE + 1):
        for shot in range(1, 5):
            target = root / f"p{person}" / f"{'A' if shot <= 2 else 'B'}_{shot}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(assets_dir / f"data/cuhk01/CUHK01/campus/{person:04d}{shot:03d}.png", target)
    return root


def _embed(weights: Path, samples) -> np.ndarray:
    return create(weights=weights, runtime="torch").embed([read_bgr(s.path) for s in samples])


def _separation(features: np.ndarray, pids: np.ndarray) -> float:
    """Mean cosine to the same person's crops minus mean cosine to other people's (higher: better separated)."""
    similarity = features @ features.T
    same = pids[:, None] == pids[None, :]
    np.fill_diagonal(same, False)
    other = pids[:, None] != pids[None, :]
    return float(similarity[same].mean() - similarity[other].mean())


@pytest.mark.slow
def test_a_head_fitted_on_a_folder_is_the_lda_of_its_crops_on_the_headless_embedding(labelled_folder, tmp_path):
    samples = head_samples(f"folder:{labelled_folder}")
    assert len(samples) == 4 * PEOPLE and len({s.pid for s in samples}) == PEOPLE
    headless = strip_head(SHIPPED_WEIGHTS, tmp_path / "nohead.safetensors")
    fitted = fit_head(SHIPPED_WEIGHTS, samples, tmp_path / "mine.safetensors", 0.5, data=f"folder:{labelled_folder}")
    # The shipped release has no head (session 13: it must not specialise to CUHK01's cameras).
    assert HEAD_KEY not in load_file(SHIPPED_WEIGHTS) and HEAD_KEY not in load_file(headless)
    weight = load_file(fitted)[HEAD_KEY].astype(np.float32)
    assert np.count_nonzero(np.abs(weight).sum(axis=1)) == PEOPLE - 1  # LDA: at most classes - 1 directions
    base, mine = _embed(headless, samples), _embed(fitted, samples)
    # As documented: the new embedding is unit(W @ unit(BNNeck)), the headless embedding being unit(BNNeck).
    np.testing.assert_allclose(mine, l2_normalize(base @ weight.T), atol=2e-3)
    pids = np.array([s.pid for s in samples])
    assert _separation(mine, pids) > _separation(base, pids)
    metadata = json.loads(fitted.with_suffix(".json").read_text())
    assert metadata["lda_head"]["data"] == [f"folder:{labelled_folder}"] and metadata["lda_head"]["images"] == 32
    assert "reference" not in metadata and metadata["config"]["lda_head"] == 0.5


def test_labelled_crops_read_a_train_subfolder_when_there_is_one(tmp_path, write_images):
    write_images(tmp_path, ["train/ann/cam1_0.jpg", "train/bob/cam2_0.jpg", "query/ann/cam1_1.jpg"])
    samples = load_labelled_crops(tmp_path)
    assert sorted(s.path.name for s in samples) == ["cam1_0.jpg", "cam2_0.jpg"]
    assert sorted((s.pid, s.camid) for s in samples) == [(0, 0), (1, 1)]


def test_head_data_errors_are_one_line(tmp_path, write_images):
    with pytest.raises(CrosscamError, match="expected folder:PATH"):
        head_samples("market")
    with pytest.raises(CrosscamError, match="no such directory"):
        head_samples(f"folder:{tmp_path / 'missing'}")
    write_images(tmp_path / "one", ["ann/cam1_0.jpg", "ann/cam2_0.jpg"])
    with pytest.raises(CrosscamError, match="at least two people"):
        fit_head(SHIPPED_WEIGHTS, head_samples(f"folder:{tmp_path / 'one'}"), tmp_path / "x.safetensors")
    with pytest.raises(CrosscamError, match="must be a .safetensors"):
        strip_head(SHIPPED_WEIGHTS, tmp_path / "x.pt")
