"""A few real training steps on 8 CUHK01 identities (64 x 32 input, one 8 x 4 batch per epoch, so they stay fast)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr
from crosscam.reid.datasets import load_dataset
from crosscam.reid.losses import batch_hard_triplet_loss
from crosscam.reid.models.efficientnet_lite0 import MEAN, STD
from crosscam.reid.models.embedding_net import EmbeddingNet
from crosscam.reid.train import (
    CHECKPOINT,
    LOG,
    TEACHER_CACHE,
    UNLABELLED_TEACHER_CACHE,
    TrainConfig,
    train,
    training_samples,
    unlabelled_batches,
)
from crosscam.reid.transforms import load_images, normalize

SIZE = (64, 32)


@pytest.fixture(scope="module")
def cuhk01_root(assets_dir: Path) -> str:
    return str(assets_dir / "data/cuhk01/CUHK01/campus")


def small_config(root: str, out: Path, epochs: int, warmup_epochs: float = 1.0, **overrides) -> TrainConfig:
    return TrainConfig.from_preset(
        "user",
        datasets=["cuhk01"],
        data_roots={"cuhk01": root},
        out=str(out),
        epochs=epochs,
        max_ids=8,
        p=8,
        k=4,
        warmup_epochs=warmup_epochs,
        **{"embedding_dim": 64, "input_size": SIZE, **overrides},
    )


def fixed_batch_loss(model: EmbeddingNet, images: torch.Tensor, pids: torch.Tensor) -> float:
    """Triplet loss of the un-augmented training images (features in train mode, as the optimiser sees them)."""
    model.train()
    with torch.no_grad():
        feature, _, _ = model(normalize(images, MEAN, STD))
    return float(batch_hard_triplet_loss(F.normalize(feature, dim=1), pids))


def test_training_steps_lower_the_loss(cuhk01_root, tmp_path):
    config = small_config(cuhk01_root, tmp_path, epochs=8, warmup_epochs=0.0)
    samples, labels, _ = training_samples([load_dataset("cuhk01", cuhk01_root)], max_ids=8)
    images, pids = load_images([s.path for s in samples], SIZE, progress=False), torch.tensor(labels)
    torch.manual_seed(config.seed)
    model = EmbeddingNet(config.embedding_dim, frozen_stages=config.frozen_stages)  # the run's starting point
    before = fixed_batch_loss(model, images, pids)

    train(config, progress=False)

    model.load_state_dict(torch.load(tmp_path / CHECKPOINT, weights_only=False)["model"])
    assert fixed_batch_loss(model, images, pids) < 0.9 * before
    assert len((tmp_path / LOG).read_text().splitlines()) == 8
    release = json.loads((tmp_path / "crosscam_lite0.json").read_text())
    assert release["train_ids"] == 8 and release["config"]["input_size"] == list(SIZE)


def test_resume_continues_from_the_same_state(cuhk01_root, tmp_path):
    train(small_config(cuhk01_root, tmp_path / "straight", epochs=2), progress=False)
    train(small_config(cuhk01_root, tmp_path / "resumed", epochs=1), progress=False)
    train(small_config(cuhk01_root, tmp_path / "resumed", epochs=2), resume=True, progress=False)

    def last(run: str) -> tuple[dict, dict]:
        state = torch.load(tmp_path / run / CHECKPOINT, weights_only=False)
        return state["model"], json.loads((tmp_path / run / LOG).read_text().splitlines()[-1])

    (straight_model, straight_log), (resumed_model, resumed_log) = last("straight"), last("resumed")
    assert straight_log["loss"] == resumed_log["loss"]
    for key, value in straight_model.items():
        assert torch.equal(value, resumed_model[key]), key


def test_distillation_pulls_the_student_towards_the_teacher(cuhk01_root, tmp_path):
    """The colour-histogram embedder as a (fast) teacher: the cosine and the bank distillation losses fall, the
    teacher's cache is reused."""
    config = small_config(
        cuhk01_root,
        tmp_path,
        epochs=6,
        warmup_epochs=0.0,
        teacher="hsv-stripes",
        distill_weight=1.0,
        bank_weight=1.0,
        embedding_dim=768,
    )
    train(config, progress=False)
    log = [json.loads(line) for line in (tmp_path / LOG).read_text().splitlines()]
    assert log[-1]["distill"] < 0.92 * log[0]["distill"]
    assert log[-1]["bank"] < 0.92 * log[0]["bank"]
    assert (tmp_path / TEACHER_CACHE).stat().st_size > 32 * 768 * 4  # 32 images x 768 float32

    mismatched = small_config(cuhk01_root, tmp_path, epochs=7, teacher="hsv-stripes", distill_weight=1.0)
    with pytest.raises(CrosscamError, match="set --embedding-dim to the teacher's dimension"):
        train(mismatched, resume=False, progress=False)


def test_forward_from_frozen_features_is_the_forward_pass():
    torch.manual_seed(0)
    model = EmbeddingNet(32, frozen_stages=3, pretrained=False).train()
    images = torch.randn(4, 3, *SIZE)
    direct = model(images)[1]
    split = model.forward_from_frozen(model.frozen_features(images))[1]
    torch.testing.assert_close(direct, split)


def test_training_on_cached_frozen_features_lowers_the_loss(cuhk01_root, tmp_path):
    """At 128 x 64 (a 16 x 8 frozen map): one-cell shifts on the 8 x 4 map of 64 x 32 are a quarter of its width."""
    size = (128, 64)
    config = small_config(cuhk01_root, tmp_path, epochs=8, warmup_epochs=0.0, cache_frozen=True, input_size=size)
    samples, labels, _ = training_samples([load_dataset("cuhk01", cuhk01_root)], max_ids=8)
    images, pids = load_images([s.path for s in samples], size, progress=False), torch.tensor(labels)
    torch.manual_seed(config.seed)
    before = fixed_batch_loss(EmbeddingNet(config.embedding_dim, frozen_stages=config.frozen_stages), images, pids)

    summary = train(config, progress=False)

    model = EmbeddingNet(config.embedding_dim, frozen_stages=config.frozen_stages)
    model.load_state_dict(torch.load(tmp_path / CHECKPOINT, weights_only=False)["model"])
    assert fixed_batch_loss(model, images, pids) < 0.9 * before
    assert summary["frozen_cache_minutes"] >= 0


def test_caching_needs_frozen_stages(cuhk01_root, tmp_path):
    config = small_config(cuhk01_root, tmp_path, epochs=1, cache_frozen=True, frozen_stages=0)
    with pytest.raises(CrosscamError, match="needs frozen stages"):
        train(config, progress=False)


def test_colour_and_degraded_copies_train_the_network_and_need_the_cache(cuhk01_root, tmp_path):
    with pytest.raises(CrosscamError, match="needs --cache-frozen"):
        train(small_config(cuhk01_root, tmp_path / "pixels", epochs=1, colour_jitter=0.5), progress=False)
    with pytest.raises(CrosscamError, match="--degrade 0.5: a probability, and it needs --cache-frozen"):
        train(small_config(cuhk01_root, tmp_path / "pixels", epochs=1, degrade=0.5), progress=False)
    weights = {}
    for jitter, degrade in ((0.0, 0.0), (0.5, 0.0), (0.0, 0.5)):
        out = tmp_path / f"jitter_{jitter}_{degrade}"
        options = {"colour_jitter": jitter, "degrade": degrade}
        config = small_config(cuhk01_root, out, epochs=2, cache_frozen=True, **options)
        train(config, progress=False)
        weights[jitter, degrade] = torch.load(out / CHECKPOINT, weights_only=False)["model"]
    plain = weights[0.0, 0.0]
    trained = [name for name, value in plain.items() if value.is_floating_point() and "head" not in name]
    assert any(not torch.equal(plain[name], weights[0.5, 0.0][name]) for name in trained)
    assert any(not torch.equal(plain[name], weights[0.0, 0.5][name]) for name in trained)


def identity_margin(embeddings: np.ndarray, pids: np.ndarray) -> float:
    """Mean cosine between images of one identity minus mean cosine between images of different identities."""
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    cosine, same = unit @ unit.T, pids[:, None] == pids[None, :]
    np.fill_diagonal(same, False)
    different = pids[:, None] != pids[None, :]
    return float(cosine[same].mean() - cosine[different].mean())


def test_lda_head_is_fitted_after_the_last_epoch_and_shipped(cuhk01_root, tmp_path):
    """A finished run resumed with --lda-head trains no further epoch; the head separates the training identities
    better and travels in the release."""
    from crosscam.embed.trained import create, load_model

    train(small_config(cuhk01_root, tmp_path, epochs=2), progress=False)
    release = tmp_path / "crosscam_lite0.safetensors"
    samples, labels, _ = training_samples([load_dataset("cuhk01", cuhk01_root)], max_ids=8)
    crops = [read_bgr(s.path) for s in samples]
    before = create(weights=release, runtime="torch").embed(crops)

    summary = train(small_config(cuhk01_root, tmp_path, epochs=2, lda_head=0.5), resume=True, progress=False)

    assert len((tmp_path / LOG).read_text().splitlines()) == 2
    assert summary["lda_head"] == {"shrinkage": 0.5, "directions": None, "data": ["cuhk01"], "images": len(samples)}
    model, _ = load_model(release)
    assert model.projection is not None
    after = create(weights=release, runtime="torch").embed(crops)
    pids = np.array(labels)
    assert identity_margin(after, pids) > identity_margin(before, pids) + 0.1
    with pytest.raises(CrosscamError, match="--lda-data names cuhk03_pair1"):
        train(small_config(cuhk01_root, tmp_path, epochs=2, lda_head=0.5, lda_data=["cuhk03_pair1"]), resume=True)


@pytest.mark.slow
def test_a_folder_of_labelled_crops_joins_the_lda_head_fit(cuhk01_root, tmp_path):
    train(small_config(cuhk01_root, tmp_path, epochs=1), progress=False)
    folder = tmp_path / "site"
    for person in (30, 31, 32):
        for shot in (1, 3):
            target = folder / f"p{person}" / f"cam{shot}_0.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((Path(cuhk01_root) / f"{person:04d}{shot:03d}.png").read_bytes())
    config = small_config(cuhk01_root, tmp_path, epochs=1, lda_head=0.5, lda_data=["cuhk01", f"folder:{folder}"])
    summary = train(config, resume=True, progress=False)
    assert summary["lda_head"]["images"] == 32 + 6 and summary["lda_head"]["data"][-1] == f"folder:{folder}"
    only_folder = small_config(cuhk01_root, tmp_path, epochs=1, lda_head=0.5, lda_data=[f"folder:{folder}"])
    assert train(only_folder, resume=True, progress=False)["lda_head"]["images"] == 6


@pytest.mark.slow
def test_unlabelled_crops_feed_the_distillation_losses_and_the_bank(cuhk01_root, tmp_path):
    """12 crops of people outside the 8 training ids, with the colour-histogram teacher: they are embedded by the
    teacher once (their own cache), counted in the release, and the distillation losses still fall."""
    unlabelled = tmp_path / "unlabelled" / "source"
    unlabelled.mkdir(parents=True)
    for person in range(40, 46):
        for shot in (1, 3):
            (unlabelled / f"{person}_{shot}.png").write_bytes(
                (Path(cuhk01_root) / f"{person:04d}{shot:03d}.png").read_bytes()
            )
    common = dict(warmup_epochs=0.0, teacher="hsv-stripes", distill_weight=1.0, bank_weight=1.0, embedding_dim=768)
    config = small_config(
        cuhk01_root, tmp_path / "run", epochs=6, unlabelled=[str(tmp_path / "unlabelled")], unlabelled_batch=8, **common
    )
    summary = train(config, progress=False)
    assert summary["unlabelled_images"] == 12 and summary["train_images"] == 32
    assert np.load(tmp_path / "run" / UNLABELLED_TEACHER_CACHE).shape == (12, 768)
    log = [json.loads(line) for line in (tmp_path / "run" / LOG).read_text().splitlines()]
    assert log[-1]["distill"] < 0.92 * log[0]["distill"] and log[-1]["bank"] < 0.92 * log[0]["bank"]
    no_teacher = small_config(cuhk01_root, tmp_path / "x", epochs=1, unlabelled=[str(tmp_path / "unlabelled")])
    with pytest.raises(CrosscamError, match="give a teacher"):
        train(no_teacher, progress=False)
    with pytest.raises(CrosscamError, match="no such directory"):
        train(small_config(cuhk01_root, tmp_path / "x", epochs=1, unlabelled=[str(tmp_path / "nope")]), progress=False)


def test_unlabelled_batches_are_seeded_per_epoch_and_cover_the_crops_evenly():
    first = unlabelled_batches(10, 4, steps=5, seed=0, epoch=0)
    assert first == unlabelled_batches(10, 4, steps=5, seed=0, epoch=0)
    assert first != unlabelled_batches(10, 4, steps=5, seed=0, epoch=1)
    counts = np.bincount(np.concatenate(first), minlength=10)
    assert [len(batch) for batch in first] == [4] * 5 and counts.min() == counts.max() == 2


def test_unlabelled_crops_may_not_be_evaluation_images(cuhk01_root, tmp_path):
    config = small_config(
        cuhk01_root, tmp_path, epochs=1, unlabelled=[cuhk01_root], teacher="hsv-stripes", val="cuhk01"
    )
    with pytest.raises(CrosscamError, match="an --unlabelled crop is an evaluation image of cuhk01"):
        train(config, progress=False)
