"""The LDA head of a ``crosscam-lite0`` release as a choice: removed, or refitted on the user's labelled crops.

A release's network ends, optionally, in a linear head ``projection.weight`` (``dim x dim``, no bias) applied
to the L2-normalised BNNeck embedding (:class:`~crosscam.reid.models.embedding_net.EmbeddingNet`); the
embedding is the L2-normalised output. The head is shrinkage LDA fitted on labelled crops, so it specialises
the embedding to the cameras of those crops: the shipped one was fitted on CUHK01's.

* :func:`strip_head` writes the same release without the head: the embedding is then the unit BNNeck output.
* :func:`fit_head` writes the release with a head fitted in closed form on other labelled crops: the network
  below the head is unchanged, the existing head (if any) is replaced, and the new embedding of a crop is
  ``unit(W @ unit(b))`` with ``b`` the BNNeck output and ``W`` the LDA directions of the given crops
  (:func:`crosscam.reid.projection.lda_head_weight`; each fitting crop embedded as the mean of itself and its
  mirror image, as training fits its head).

Both write a release like ``crosscam train`` (fp16 weights, metadata json, ONNX export); the metadata's
``lda_head`` says what the head was fitted on, and the stored reference embedding is dropped (it belonged to
the old head).

Example:
    >>> from crosscam.reid.head import fit_head, strip_head
    >>> strip_head(SHIPPED_WEIGHTS, Path("runs/lite0_nohead.safetensors"))  # doctest: +SKIP
    >>> fit_head(SHIPPED_WEIGHTS, samples, Path("runs/lite0_myhead.safetensors"), shrinkage=0.9)  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from safetensors.torch import save_file

from crosscam.errors import CrosscamError
from crosscam.reid.datasets import ReidSample
from crosscam.reid.models.embedding_net import EmbeddingNet

HEAD_KEY = "projection.weight"


def _metadata_path(weights: Path) -> Path:
    return weights.with_suffix(".json")


def _check_output(out: Path) -> None:
    if out.suffix != ".safetensors":
        raise CrosscamError(f"{out}: the release must be a .safetensors file (its .json is written beside it)")


def head_samples(spec: str, assets_dir: str | None = None, split_seed: int = 0) -> list[ReidSample]:
    """Labelled crops named by ``spec``: ``folder:PATH`` (:func:`~crosscam.reid.datasets.load_labelled_crops`)
    or a data set name (its train part, e.g. ``cuhk01``: the train ids of split ``split_seed``)."""
    from crosscam.assets import resolve_dataset
    from crosscam.reid.datasets import ASSET_NAMES, load_dataset, load_labelled_crops

    kind, separator, path = spec.partition(":")
    if separator and kind == "folder":
        return load_labelled_crops(path)
    if spec not in ASSET_NAMES:
        raise CrosscamError(f"head data {spec!r}: expected folder:PATH or one of {', '.join(sorted(ASSET_NAMES))}")
    samples = load_dataset(spec, resolve_dataset(ASSET_NAMES[spec], assets_dir), split_seed).train
    if not samples:
        raise CrosscamError(f"head data {spec!r} has no train part to fit a head on")
    return samples


def write_release(model: EmbeddingNet, metadata: dict, out: Path) -> Path:
    """fp16 inference weights of ``model`` (no identity classifier), ``metadata`` as json and the ONNX export,
    side by side, as ``crosscam train`` writes a release."""
    from crosscam.embed.trained import export_onnx

    _check_output(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {
        key: value.detach().half().contiguous() if value.is_floating_point() else value.contiguous()
        for key, value in model.state_dict().items()
        if not key.startswith("classifier.")
    }
    save_file(state, str(out))
    _metadata_path(out).write_text(json.dumps(metadata, indent=2) + "\n")
    export_onnx(out)  # the release's ONNX file, which the default (OpenVINO) runtime reads
    return out


def _headless(weights: str | Path) -> tuple[EmbeddingNet, dict]:
    from crosscam.embed.trained import load_model

    model, metadata = load_model(weights)
    model.projection = None
    metadata = {key: value for key, value in metadata.items() if key != "reference"}
    return model, metadata


def strip_head(weights: str | Path, out: str | Path) -> Path:
    """Write ``weights`` without its LDA head to ``out``."""
    model, metadata = _headless(weights)
    metadata["lda_head"] = None
    metadata["config"] = {**metadata["config"], "lda_head": None, "lda_data": [], "lda_directions": None}
    metadata["derived_from"] = {"weights": str(weights), "change": "LDA head removed"}
    return write_release(model, metadata, Path(out))


def fit_head(
    weights: str | Path,
    samples: Sequence[ReidSample],
    out: str | Path,
    shrinkage: float = 0.9,
    directions: int | None = None,
    data: str = "",
) -> Path:
    """Write ``weights`` with a new LDA head fitted on the labelled ``samples`` (the old head removed first)."""
    from crosscam.reid.train import fit_lda_head
    from crosscam.reid.transforms import load_images

    if not 0 <= shrinkage <= 1:
        raise CrosscamError(f"shrinkage {shrinkage}: must be between 0 and 1")
    pids = np.array([s.pid for s in samples])
    if len(np.unique(pids)) < 2:
        raise CrosscamError(f"{data or 'the fitting data'}: an LDA head needs labelled crops of at least two people")
    model, metadata = _headless(weights)
    input_size = tuple(metadata["config"]["input_size"])
    images = load_images([s.path for s in samples], input_size, progress=False)
    fit_lda_head(model, images, pids.tolist(), shrinkage, directions)
    metadata["lda_head"] = {
        "shrinkage": shrinkage,
        "directions": directions,
        "data": [data] if data else [],
        "images": len(samples),
        "ids": int(len(np.unique(pids))),
    }
    metadata["config"] = {
        **metadata["config"],
        "lda_head": shrinkage,
        "lda_data": metadata["lda_head"]["data"],
        "lda_directions": directions,
    }
    metadata["derived_from"] = {"weights": str(weights), "change": f"LDA head refitted on {data or 'other crops'}"}
    return write_release(model, metadata, Path(out))
