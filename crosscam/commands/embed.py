"""``crosscam embed``: export query and gallery embeddings of a data set to an .npz file.

The file holds ``features`` (float32 N x D, unit rows), ``pids``, ``camids``,
``paths`` and ``is_query`` (train images are not included), plus ``embedder``.

Example:
    crosscam embed --dataset cuhk01 --embedder openvino-0277 --flip --out runs/cuhk01_0277.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crosscam.errors import CrosscamError

NAME = "embed"
HELP = "export query/gallery embeddings of a re-identification data set to .npz"


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``embed`` and ``eval``: data set, data folder, embedder, flip TTA."""
    from crosscam.reid.datasets import LOADERS

    parser.add_argument("--dataset", default="cuhk01", choices=sorted(LOADERS), help="data set layout (cuhk01)")
    parser.add_argument("--data", metavar="DIR", help="data set folder (default: the copy in the assets)")
    parser.add_argument("--embedder", help="embedder spec: NAME, NAME:flip or A*0.6+B*0.4 (default: best available)")
    parser.add_argument("--flip", action="store_true", help="horizontal-flip test-time augmentation")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_arguments(parser)
    parser.add_argument("--out", metavar="FILE.npz", required=True, help="output file")
    parser.add_argument("--split-seed", type=int, default=0, help="split seed (CUHK01 only; default 0)")


def resolve_data(dataset: str, data: str | None, assets_dir: str | None) -> Path:
    """``--data`` or, when absent, the data set's folder in the assets."""
    from crosscam.assets import resolve_dataset
    from crosscam.reid.datasets import ASSET_NAMES

    if data:
        return Path(data)
    if dataset not in ASSET_NAMES:
        raise CrosscamError(f"--data DIR is required for dataset {dataset!r} (it is not among the assets)")
    return resolve_dataset(ASSET_NAMES[dataset], assets_dir)


def embedder_spec(embedder: str | None, flip: bool, assets_dir: str | None) -> str:
    """The registry spec: ``--embedder`` (or the default) with ``:flip`` added to every part when ``--flip``."""
    from crosscam.embed.registry import default_embedder_name

    spec = embedder or default_embedder_name(assets_dir)
    if not flip:
        return spec
    parts = []
    for part in spec.split("+"):
        name, star, weight = part.strip().partition("*")
        parts.append(f"{name if name.endswith(':flip') else name + ':flip'}{star}{weight}")
    return "+".join(parts)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from crosscam.embed.registry import create_embedder
    from crosscam.reid.datasets import load_dataset

    out = Path(args.out)
    if out.suffix != ".npz":
        raise CrosscamError(f"{out}: output must be an .npz file")
    split = load_dataset(args.dataset, resolve_data(args.dataset, args.data, args.assets), split_seed=args.split_seed)
    spec = embedder_spec(args.embedder, args.flip, args.assets)
    embedder = create_embedder(spec, args.assets)
    samples = [*split.query, *split.gallery]
    print(f"{split.describe()}; embedding {len(samples)} query+gallery images with {spec}")
    from crosscam.reid.features import embed_timed

    features, crops_per_second = embed_timed(embedder, samples)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        out,
        features=features,
        pids=np.array([s.pid for s in samples], dtype=np.int64),
        camids=np.array([s.camid for s in samples], dtype=np.int64),
        paths=np.array([str(s.path) for s in samples]),
        is_query=np.arange(len(samples)) < len(split.query),
        embedder=np.array(spec),
    )
    print(f"wrote {out}: {features.shape[0]} x {features.shape[1]} features ({crops_per_second:.1f} crops/s)")
    return 0
