"""Train the EfficientNet-Lite0 embedding network with batch-hard triplet loss on a CPU.

With a ``teacher`` (an embedder spec such as ``openvino-0277:flip``) the student's
BNNeck embedding also learns to point where the teacher's embedding of the same
(un-augmented) image points: a cosine distillation loss. The teacher embeds the
training images once, before the first epoch, into ``RUN_DIR/teacher.npy``.
With ``unlabelled`` folders of person crops (no identities), every step adds
``unlabelled_batch`` of them to the PK batch: they enter only the distillation
losses, and their teacher embeddings (``RUN_DIR/teacher_unlabelled.npy``) join
the bank of the bank loss, so it ranks against a bank from several domains.

The whole training set is decoded once into memory (uint8 at the input size),
batches are P identities x K images, and augmentation runs on tensors, so a
step costs only the forward/backward pass. With ``cache_frozen`` the frozen
stages' output is computed once per image (and its mirror image) and the
augmentation moves after them (:class:`~crosscam.reid.transforms.FrozenFeatureAugment`):
half of a step's time was that forward pass through the frozen stages. Every epoch writes ``RUN_DIR/last.pt``
(model, optimiser, scheduler, epoch, RNG states) and appends one line to
``RUN_DIR/log.jsonl``; ``resume=True`` continues from it exactly. The end of a
run writes the shippable fp16 weights ``RUN_DIR/crosscam_lite0.safetensors`` + ``.json``.

Example:
    >>> from crosscam.reid.train import TrainConfig, train
    >>> config = TrainConfig(datasets=["cuhk01", "cuhk03_pair1"], data_roots=..., out="runs/user")  # doctest: +SKIP
    >>> train(config)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from crosscam.embed.base import l2_normalize
from crosscam.errors import CrosscamError
from crosscam.eval.reid_metrics import evaluate_features
from crosscam.reid.datasets import IMAGE_SUFFIXES, ReidSample, ReidSplit, load_dataset
from crosscam.reid.losses import bank_distillation_loss, batch_hard_triplet_loss
from crosscam.reid.models.efficientnet_lite0 import MEAN, STD
from crosscam.reid.models.embedding_net import EmbeddingNet
from crosscam.reid.projection import lda_head_weight
from crosscam.reid.samplers import PKSampler
from crosscam.reid.transforms import (
    BatchAugment,
    FrozenFeatureAugment,
    camera_degraded,
    colour_jittered,
    load_images,
    normalize,
    pick_copies,
)

# Named recipes. "user": what the user described (Adam 1e-3, triplet only, 15 epochs) plus warm-up and one
# step decay. "strong": adds a label-smoothed identity loss on the BNNeck classifier, lower lr, cosine decay.
# "distill": "strong" at the user's lr, plus distillation from the OpenVINO 0277 embedding (256-d, so the
# student's is too): a cosine loss to the teacher's embedding of the same image and a bank loss to the teacher's
# similarities to every training image.
PRESETS: dict[str, dict] = {
    "user": {"lr": 1e-3, "schedule": "step", "id_loss_weight": 0.0},
    "strong": {"lr": 3.5e-4, "schedule": "cosine", "id_loss_weight": 1.0},
    "distill": {
        "lr": 1e-3,
        "schedule": "cosine",
        "id_loss_weight": 1.0,
        "teacher": "openvino-0277:flip",
        "distill_weight": 4.0,
        "bank_weight": 1.0,
        "embedding_dim": 256,
    },
}
TEACHER_CACHE = "teacher.npy"
UNLABELLED_TEACHER_CACHE = "teacher_unlabelled.npy"
HEAD_FOLDER = "folder:"  # --lda-data folder:PATH: labelled crops outside the training data
CHECKPOINT = "last.pt"
LOG = "log.jsonl"
RELEASE = "crosscam_lite0"
EVAL_BATCH = 64
FROZEN_PAD_CELLS = 1  # --cache-frozen: pad-and-crop range, in cells of the frozen stages' output


def _option(default, help: str, **cli) -> object:
    """A TrainConfig field with its ``crosscam train`` help text (and argparse settings: flag, choices, metavar,
    cli=False for fields the command fills itself); the command's options are generated from these."""
    factory = {"default_factory": default} if callable(default) else {"default": default}
    return field(**factory, metadata={"help": help, **cli})


@dataclass
class TrainConfig:
    datasets: list[str] = field(
        metadata={
            "help": "training data set (repeatable, or joined with '+'): cuhk01, cuhk01_val, cuhk03_pair1, "
            "market1501, folder",
            "flag": "--dataset",
            "required": True,
        }
    )
    data_roots: dict[str, str] = field(metadata={"cli": False})
    out: str = field(metadata={"help": "run directory (checkpoint, log.jsonl, released weights)", "required": True})
    val: str | None = _option(None, "data set whose query/gallery is evaluated after every epoch")
    test: str | None = _option(None, "data set whose query/gallery is evaluated once at the end")
    split_seed: int = _option(0, "CUHK01 train/test split seed")
    preset: str = _option(
        "user",
        "user (Adam 1e-3, triplet), strong (+ identity loss, cosine) or distill (strong + OpenVINO 0277 teacher)",
        choices=list(PRESETS),
    )
    epochs: int = _option(15, "training epochs (passes over the labelled images)")
    lr: float = _option(1e-3, "Adam learning rate")
    schedule: str = _option(
        "step",
        "'step': x0.1 after --step-epoch; 'cosine': to 0 at the end; both after a linear warm-up",
        choices=["step", "cosine"],
    )
    warmup_epochs: float = _option(1.0, "epochs of linear learning-rate warm-up from 0.1x")
    step_epoch: int = _option(10, "epoch after which the step schedule multiplies lr by 0.1")
    weight_decay: float = _option(5e-4, "Adam weight decay")
    margin: float = _option(0.3, "batch-hard triplet margin")
    id_loss_weight: float = _option(0.0, "weight of the label-smoothed identity loss")
    label_smoothing: float = _option(0.1, "label smoothing of the identity loss")
    teacher: str | None = _option(None, "embedder spec to distil from (e.g. openvino-0277:flip)")
    distill_weight: float = _option(0.0, "weight of the cosine distillation loss")
    bank_weight: float = _option(
        0.0, "weight of the distillation of the teacher's similarities to every training image (needs a teacher)"
    )
    bank_temperature: float = _option(0.07, "softmax temperature of --bank-weight's similarities")
    embedding_dim: int = _option(512, "embedding dimension (the teacher's, when distilling)")
    input_size: tuple[int, int] = _option((256, 128), "input height and width", metavar=("H", "W"))
    p: int = _option(16, "identities per batch")
    k: int = _option(4, "images per identity in a batch")
    sampler: str = _option(
        "padded",
        "PK batches: 'padded' tops each identity up to a multiple of K every epoch; 'stream' visits each image "
        "once per epoch on average, so an epoch has fewer batches",
        choices=["padded", "stream"],
    )
    frozen_stages: int = _option(3, "freeze the stem and this many MBConv stages (0-7)")
    cache_frozen: bool = _option(
        False, "compute the frozen stages once per image and augment their output (about 2x faster steps)"
    )
    erase_p: float = _option(0.5, "probability of random erasing per training image")
    colour_jitter: float = _option(
        0.0,
        "with --cache-frozen: probability that a step sees an image's colour-jittered copy (brightness, contrast, "
        "saturation 0.3, hue 0.05, 10 %% gray; one copy per image, cached); the teacher's target stays the "
        "original's",
    )
    degrade: float = _option(
        0.0,
        "with --cache-frozen: probability that a step sees an image's camera-degraded copy (downscaled to "
        "1/1.5-1/3 and back p 0.5, blurred p 0.3, JPEG quality 30-90 p 0.5; one copy per image, cached; drawn "
        "after --colour-jitter's copy, so it wins when both are drawn); the teacher's target stays the original's",
    )
    source_repeats: dict[str, int] = _option(
        dict,
        "pass N times over this training data set's images per epoch (weights a small source up)",
        flag="--repeat",
        metavar="NAME=N",
    )
    unlabelled: list[str] = _option(
        list,
        "folder of unlabelled person crops (any depth; repeatable): each step adds --unlabelled-batch of them, "
        "used only by the distillation losses (needs a teacher); their teacher embeddings join the bank",
        metavar="DIR",
    )
    unlabelled_batch: int = _option(32, "unlabelled crops per step (with --unlabelled)")
    lda_head: float | None = _option(
        None,
        "after the last epoch, fit shrinkage LDA on the training embeddings and make it the last layer",
        metavar="SHRINKAGE",
    )
    lda_data: list[str] = _option(
        list,
        "what the LDA head is fitted on: training data set(s) or folder:PATH of labelled crops "
        "(<person>/<camera>_<name>.jpg); repeatable or joined with '+'; default: all training data",
    )
    lda_directions: int | None = _option(None, "discriminant directions the LDA head keeps (default: all)", metavar="N")
    seed: int = _option(0, "random seed (initialisation, sampling, augmentation)")
    max_ids: int | None = _option(None, "use only the first N identities of each data set (smoke runs)")
    threads: int = _option(2, "torch threads")
    command: str = field(default="", metadata={"cli": False})

    @classmethod
    def from_preset(cls, preset: str, **overrides) -> TrainConfig:
        if preset not in PRESETS:
            raise CrosscamError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        values = {**PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}}
        return cls(preset=preset, **values)


def training_samples(
    splits: list[ReidSplit], max_ids: int | None = None
) -> tuple[list[ReidSample], list[int], list[int]]:
    """Concatenated training samples, contiguous labels (sources' identities stay disjoint) and each sample's
    source (index into ``splits``)."""
    samples, labels, sources, label_of = [], [], [], {}
    for source, split in enumerate(splits):
        kept = sorted({s.pid for s in split.train})[:max_ids]
        kept_set = set(kept)
        for sample in split.train:
            if sample.pid in kept_set:
                key = (source, sample.pid)
                label_of.setdefault(key, len(label_of))
                samples.append(sample)
                labels.append(label_of[key])
                sources.append(source)
    if not samples:
        raise CrosscamError("no training images in " + ", ".join(s.name for s in splits))
    return samples, labels, sources


def lr_factor(config: TrainConfig, step: int, steps_per_epoch: int) -> float:
    """Multiplier of the base learning rate at optimiser step ``step``."""
    epoch = step / steps_per_epoch
    if epoch < config.warmup_epochs:
        return 0.1 + 0.9 * epoch / config.warmup_epochs
    if config.schedule == "cosine":
        progress = (epoch - config.warmup_epochs) / max(config.epochs - config.warmup_epochs, 1e-9)
        return 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    return 0.1 if epoch >= config.step_epoch else 1.0


@torch.inference_mode()
def embed_images(model: EmbeddingNet, images: torch.Tensor) -> np.ndarray:
    """BNNeck embeddings of uint8 images (L2-normalised), in eval mode."""
    model.eval()
    chunks = []
    for start in range(0, len(images), EVAL_BATCH):
        batch = normalize(images[start : start + EVAL_BATCH], MEAN, STD).contiguous(memory_format=torch.channels_last)
        chunks.append(F.normalize(model(batch), dim=1))
    return torch.cat(chunks).numpy()


def evaluate_split(model: EmbeddingNet, split: ReidSplit, input_size: tuple[int, int]) -> dict[str, float]:
    query = embed_images(model, load_images([s.path for s in split.query], input_size, progress=False))
    gallery = embed_images(model, load_images([s.path for s in split.gallery], input_size, progress=False))
    metrics = evaluate_features(query, gallery, split.query, split.gallery)
    return {"rank1": round(metrics.rank1, 2), "mAP": round(metrics.mAP, 2)}


def teacher_embeddings(
    config: TrainConfig, samples: list[ReidSample], assets_dir: str | None, cache_name: str = TEACHER_CACHE
) -> torch.Tensor:
    """The teacher's unit-norm embedding of every training image, cached in the run directory for resumes."""
    from crosscam.embed.registry import create_embedder
    from crosscam.reid.features import embed_samples

    cache = Path(config.out) / cache_name
    if cache.is_file():
        embeddings = np.load(cache)
    else:
        teacher = create_embedder(config.teacher, assets_dir)
        print(f"teacher {teacher.name}: embedding {len(samples)} images of {cache_name} once")
        embeddings = embed_samples(teacher, samples)
        np.save(cache, embeddings)
    if embeddings.shape != (len(samples), config.embedding_dim):
        raise CrosscamError(
            f"{cache}: teacher embeddings are {embeddings.shape[0]} x {embeddings.shape[1]}, the student needs "
            f"{len(samples)} x {config.embedding_dim} (set --embedding-dim to the teacher's dimension)"
        )
    return torch.from_numpy(embeddings)


def unlabelled_samples(folders: list[str]) -> list[ReidSample]:
    """Every image under the unlabelled folders (sorted, any depth), as samples with pid -1."""
    samples = []
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            raise CrosscamError(f"{root}: no such directory (--unlabelled crops)")
        paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if not paths:
            raise CrosscamError(f"{root}: no image files (--unlabelled crops)")
        samples += [ReidSample(path, -1, -1) for path in paths]
    return samples


def check_held_out(unlabelled: list[ReidSample], splits: list[ReidSplit]) -> None:
    """A one-line error when an unlabelled crop is a query or gallery image of a validation or test split."""
    if not unlabelled:
        return
    paths = {s.path.resolve() for s in unlabelled}
    for split in splits:
        for sample in (*split.query, *split.gallery):
            if sample.path.resolve() in paths:
                raise CrosscamError(f"{sample.path}: an --unlabelled crop is an evaluation image of {split.name}")


def unlabelled_batches(count: int, batch: int, steps: int, seed: int, epoch: int) -> list[list[int]]:
    """``steps`` batches of ``batch`` indices into ``count`` unlabelled crops: shuffled passes, seeded per epoch
    (so a resumed run draws the same), each crop drawn about equally often."""
    rng = np.random.default_rng([seed, epoch])
    passes = -(-steps * batch // count)
    order = np.concatenate([rng.permutation(count) for _ in range(passes)])
    return [order[i * batch : (i + 1) * batch].tolist() for i in range(steps)]


def head_fit_data(
    config: TrainConfig, samples: list[ReidSample], labels: list[int], sources: list[int], images: torch.Tensor
) -> tuple[torch.Tensor, list[int], list[str]]:
    """Images and labels the LDA head is fitted on: the chosen training sources' images, plus the labelled crops
    of every ``folder:PATH`` entry (their ids kept apart from the training ids); and the data names."""
    from crosscam.reid.datasets import load_labelled_crops

    names = config.lda_data or config.datasets
    chosen = [i for i, source in enumerate(sources) if config.datasets[source] in names]
    parts, fit_labels = [images[chosen]], [labels[i] for i in chosen]
    for name in names:
        if name.startswith(HEAD_FOLDER):
            crops = load_labelled_crops(name[len(HEAD_FOLDER) :])
            parts.append(load_images([s.path for s in crops], config.input_size, progress=False))
            offset = max([*labels, *fit_labels]) + 1
            fit_labels += [offset + s.pid for s in crops]
    return torch.cat(parts), fit_labels, names


def fit_lda_head(
    model: EmbeddingNet, images: torch.Tensor, labels: list[int], shrinkage: float, directions: int | None = None
) -> None:
    """Fit the LDA head on the un-augmented images' embeddings (each the mean of the image and its mirror image,
    as ``:flip`` embeds) and install it as the network's last layer."""
    embeddings = l2_normalize(embed_images(model, images) + embed_images(model, images.flip(3)))
    model.set_projection(torch.from_numpy(lda_head_weight(embeddings, np.asarray(labels), shrinkage, directions)))


def frozen_feature_cache(
    model: EmbeddingNet, images: torch.Tensor, pad_cells: int, progress: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """fp16 frozen-stage features of every image and of its mirror image, padded by ``pad_cells`` cells' worth of
    pixels (zeros after normalisation, as :class:`~crosscam.reid.transforms.BatchAugment` pads)."""
    if not model.frozen_stages:
        raise CrosscamError("caching the frozen stages needs frozen stages (--frozen-stages 1 or more)")
    model.eval()
    stride = images.shape[-1] // model.frozen_features(normalize(images[:1], MEAN, STD)).shape[-1]
    pad = pad_cells * stride
    caches = []
    for mirrored in (False, True):
        chunks = []
        starts = range(0, len(images), EVAL_BATCH)
        desc = f"frozen stages{' (mirrored)' if mirrored else ''}"
        for start in tqdm(starts, desc=desc, unit="batch", leave=False, disable=not progress):
            batch = normalize(images[start : start + EVAL_BATCH], MEAN, STD)
            batch = F.pad(batch.flip(3) if mirrored else batch, (pad, pad, pad, pad))
            chunks.append(model.frozen_features(batch.contiguous(memory_format=torch.channels_last)).half())
        caches.append(torch.cat(chunks))
    return caches[0], caches[1]


def _save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: an interrupt never leaves a half-written last.pt


# Settings a resumed run may change: ``epochs`` (extend or stop early), what happens after the last epoch, and
# where the run directory lives (a copied run resumes).
_RESUMABLE_CHANGES = {"command", "out", "val", "test", "threads", "epochs", "lda_head", "lda_data", "lda_directions"}


def _config_key(config: TrainConfig) -> dict:
    """The settings a resumed run must share with the checkpoint."""
    return {k: v for k, v in asdict(config).items() if k not in _RESUMABLE_CHANGES}


def _changed_settings(saved: dict, config: TrainConfig) -> list[str]:
    """Settings of ``config`` that differ from a checkpoint's; a setting newer than the checkpoint counts as
    unchanged while it keeps its default."""
    defaults = _config_key(TrainConfig(datasets=[], data_roots={}, out=""))
    return [k for k, v in _config_key(config).items() if saved.get(k, defaults[k]) != v]


def train(config: TrainConfig, resume: bool = False, progress: bool = True, assets_dir: str | None = None) -> dict:
    """Run (or resume) training; returns the summary written to the release json.

    ``assets_dir`` locates the teacher's weights (only used with ``config.teacher``).
    """
    torch.set_num_threads(config.threads)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    splits = [load_dataset(name, config.data_roots[name], config.split_seed) for name in config.datasets]
    samples, labels, sources = training_samples(splits, config.max_ids)
    num_ids = max(labels) + 1
    unknown = set(config.source_repeats) - set(config.datasets)
    if unknown:
        raise CrosscamError(f"--repeat names {', '.join(sorted(unknown))}, not a training data set")
    unknown = {n for n in config.lda_data if not n.startswith(HEAD_FOLDER)} - set(config.datasets)
    if unknown:
        raise CrosscamError(f"--lda-data names {', '.join(sorted(unknown))}, not a training data set or folder:PATH")
    if not 0 <= config.colour_jitter <= 1 or (config.colour_jitter and not config.cache_frozen):
        raise CrosscamError(f"--colour-jitter {config.colour_jitter}: a probability, and it needs --cache-frozen")
    if not 0 <= config.degrade <= 1 or (config.degrade and not config.cache_frozen):
        raise CrosscamError(f"--degrade {config.degrade}: a probability, and it needs --cache-frozen")
    unlabelled = unlabelled_samples(config.unlabelled)
    if unlabelled and not config.teacher:
        raise CrosscamError("--unlabelled crops only feed the distillation losses: give a teacher (--teacher)")
    if unlabelled and config.unlabelled_batch < 1:
        raise CrosscamError(f"--unlabelled-batch {config.unlabelled_batch}: must be at least 1")
    if unlabelled:
        evaluated = [load_dataset(n, config.data_roots[n], config.split_seed) for n in (config.val, config.test) if n]
        check_held_out(unlabelled, evaluated)
    passes = [config.source_repeats.get(name, 1) for name in config.datasets]
    repeats = {label: passes[source] for label, source in zip(labels, sources, strict=True)}
    sampler = PKSampler(labels, config.p, config.k, seed=config.seed, repeats=repeats, mode=config.sampler)
    steps_per_epoch = len(sampler)  # the schedule's epoch length: epoch 0's batches
    print(
        f"training on {len(samples)} images of {num_ids} ids ({', '.join(s.describe() for s in splits)}); "
        f"{steps_per_epoch} PK batches of {config.p}x{config.k} per epoch"
        + (f", each + {config.unlabelled_batch} of {len(unlabelled)} unlabelled crops" if unlabelled else "")
    )

    torch.manual_seed(config.seed)
    model = EmbeddingNet(
        config.embedding_dim, num_classes=num_ids if config.id_loss_weight else 0, frozen_stages=config.frozen_stages
    ).to(memory_format=torch.channels_last)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(config, step, steps_per_epoch))
    augment_rng = torch.Generator().manual_seed(config.seed)
    start_epoch = 0
    checkpoint_path = out / CHECKPOINT
    if resume:
        if not checkpoint_path.is_file():
            raise CrosscamError(f"{checkpoint_path}: no checkpoint to resume from")
        state = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
        changed = _changed_settings(state["config"], config)
        if changed:
            raise CrosscamError(
                f"{checkpoint_path}: saved with different settings ({', '.join(changed)}); resume with the same options"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        augment_rng.set_state(state["augment_rng"])
        start_epoch = state["epoch"]
        print(f"resumed {checkpoint_path} after epoch {start_epoch}")

    teacher = teacher_embeddings(config, samples, assets_dir) if config.teacher else None
    images = load_images([s.path for s in samples], config.input_size, progress=progress)
    if unlabelled:  # rows after the labelled ones in the images, the frozen cache and the teacher bank
        teacher = torch.cat([teacher, teacher_embeddings(config, unlabelled, assets_dir, UNLABELLED_TEACHER_CACHE)])
        images = torch.cat([images, load_images([s.path for s in unlabelled], config.input_size, progress=progress)])
    targets = torch.tensor(labels)
    val_split = load_dataset(config.val, config.data_roots[config.val], config.split_seed) if config.val else None
    augment = BatchAugment(erase_p=config.erase_p)
    frozen_cache, cache_seconds = None, 0.0
    if config.cache_frozen and start_epoch < config.epochs:
        started = time.perf_counter()
        frozen_cache = frozen_feature_cache(model, images, FROZEN_PAD_CELLS, progress)
        copy_caches = [  # the cached copies' frozen features, in the order a step draws them
            (p, frozen_feature_cache(model, make_copy(images, config.seed), FROZEN_PAD_CELLS, progress))
            for p, make_copy in ((config.colour_jitter, colour_jittered), (config.degrade, camera_degraded))
            if p > 0
        ]
        cache_seconds = time.perf_counter() - started
        print(f"frozen stages of {len(images)} images and their mirror images computed in {cache_seconds:.0f} s")
        feature_augment = FrozenFeatureAugment(pad_cells=FROZEN_PAD_CELLS, erase_p=config.erase_p)
    id_loss = torch.nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    for epoch in range(start_epoch, config.epochs):
        model.train()
        started = time.perf_counter()
        totals: dict[str, float] = defaultdict(float)
        batches = sampler.batches(epoch)  # "stream" epochs differ by a few batches from epoch 0's count
        extra = (
            unlabelled_batches(len(unlabelled), config.unlabelled_batch, len(batches), config.seed, epoch)
            if unlabelled
            else [[] for _ in batches]
        )
        bar = tqdm(
            batches,
            desc=f"epoch {epoch + 1}/{config.epochs}",
            unit="batch",
            disable=not progress,
            leave=False,
        )
        for batch_indices, unlabelled_indices in zip(bar, extra, strict=True):
            labelled = len(batch_indices)
            index = torch.tensor(batch_indices + [len(samples) + i for i in unlabelled_indices], dtype=torch.long)
            if frozen_cache is not None:
                plain, mirrored = frozen_cache[0][index], frozen_cache[1][index]
                for p, copy_cache in copy_caches:  # a copy's features for some samples
                    copies = (copy_cache[0][index], copy_cache[1][index])
                    plain, mirrored = pick_copies((plain, mirrored), copies, p, augment_rng)
                batch = feature_augment(plain, mirrored, augment_rng)
                forward = model.forward_from_frozen
            else:
                batch, forward = augment(normalize(images[index], MEAN, STD), augment_rng), model
            feature, embedding, logits = forward(batch.contiguous(memory_format=torch.channels_last))
            # On unit-norm features: unnormalised batch-hard triplet at Adam lr 1e-3 collapsed (val rank-1 fell
            # from 5 to 3 % in two epochs, loss -> margin) because shrinking every feature was the easiest descent.
            terms = dict.fromkeys(("triplet", "id", "distill", "bank"), torch.zeros(()))
            pids = targets[index[:labelled]]
            terms["triplet"] = batch_hard_triplet_loss(F.normalize(feature[:labelled], dim=1), pids, config.margin)
            if logits is not None:
                terms["id"] = id_loss(logits[:labelled], pids)
            if teacher is not None:
                student = F.normalize(embedding, dim=1)
                terms["distill"] = (1 - (student * teacher[index]).sum(dim=1)).mean()
                if config.bank_weight:
                    terms["bank"] = bank_distillation_loss(student, teacher[index], teacher, config.bank_temperature)
            loss = (
                terms["triplet"]
                + config.id_loss_weight * terms["id"]
                + config.distill_weight * terms["distill"]
                + config.bank_weight * terms["bank"]
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            for key, value in {"loss": loss, **terms}.items():
                totals[key] += value.item()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        seconds = time.perf_counter() - started
        record = {
            "epoch": epoch + 1,
            **{k: round(v / len(batches), 4) for k, v in totals.items()},
            "lr": optimizer.param_groups[0]["lr"],
            "seconds": round(seconds, 1),
            "images_per_s": round(len(batches) * config.p * config.k / seconds, 1),
        }
        _save_checkpoint(
            checkpoint_path,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "epoch": epoch + 1,
                "torch_rng": torch.get_rng_state(),
                "augment_rng": augment_rng.get_state(),
                "config": _config_key(config),
            },
        )
        if val_split is not None:
            record.update({f"val_{k}": v for k, v in evaluate_split(model, val_split, config.input_size).items()})
        with open(out / LOG, "a") as log:
            log.write(json.dumps(record) + "\n")
        print(" ".join(f"{k}={v}" for k, v in record.items()), flush=True)

    lda_summary = {}
    if config.lda_head is not None:
        fit_images, fit_labels, fit_names = head_fit_data(config, samples, labels, sources, images)
        fit_lda_head(model, fit_images, fit_labels, config.lda_head, config.lda_directions)
        print(
            f"LDA head (shrinkage {config.lda_head}, {config.lda_directions or 'all'} directions) fitted on "
            f"{len(fit_labels)} images of {'+'.join(fit_names)}"
        )
        lda_summary = {
            "shrinkage": config.lda_head,
            "directions": config.lda_directions,
            "data": fit_names,
            "images": len(fit_labels),
        }
        if val_split is not None:
            lda_summary["val"] = evaluate_split(model, val_split, config.input_size)
    log_lines = [json.loads(line) for line in (out / LOG).read_text().splitlines()]
    summary = {
        "epochs": config.epochs,
        "train_images": len(samples),
        "unlabelled_images": len(unlabelled),
        "train_ids": num_ids,
        "train_minutes": round(sum(r["seconds"] for r in log_lines) / 60, 1),
        "frozen_cache_minutes": round(cache_seconds / 60, 1),  # of this process (a resume computes it again)
        "last_epoch": log_lines[-1],
        **({"lda_head": lda_summary} if lda_summary else {}),
    }
    if config.test:
        test_split = load_dataset(config.test, config.data_roots[config.test], config.split_seed)
        summary["test"] = {
            "dataset": config.test,
            "split_seed": config.split_seed,
            **evaluate_split(model, test_split, config.input_size),
        }
        print(f"test {test_split.describe()}: {summary['test']}", flush=True)
    from crosscam.embed.trained import save_release

    save_release(model, config, summary, out / f"{RELEASE}.safetensors")
    return summary
