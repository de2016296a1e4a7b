"""``crosscam train``: train the EfficientNet-Lite0 triplet embedding (see crosscam.reid.train)."""

from __future__ import annotations

import argparse
import shlex
import sys

NAME = "train"
HELP = "train the EfficientNet-Lite0 re-identification embedding (batch-hard triplet, PK batches) on CPU"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        action="append",
        required=True,
        help="training data set (repeatable, or joined with '+'): cuhk01, cuhk03_pair1, market1501, folder",
    )
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="data set root (default: from the assets directory)",
    )
    parser.add_argument("--out", required=True, help="run directory (checkpoint, log.jsonl, released weights)")
    parser.add_argument("--val", help="data set whose query/gallery is evaluated after every epoch")
    parser.add_argument("--test", help="data set whose query/gallery is evaluated once at the end")
    parser.add_argument("--split-seed", type=int, default=0, help="CUHK01 train/test split seed")
    parser.add_argument(
        "--preset",
        default="user",
        help="user (Adam 1e-3, triplet), strong (+ identity loss, cosine) or distill (strong + OpenVINO 0277 teacher)",
    )
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--schedule", choices=["step", "cosine"])
    parser.add_argument("--warmup-epochs", type=float)
    parser.add_argument("--step-epoch", type=int, help="epoch after which the step schedule multiplies lr by 0.1")
    parser.add_argument("--weight-decay", type=float)
    parser.add_argument("--margin", type=float)
    parser.add_argument("--id-loss-weight", type=float)
    parser.add_argument("--teacher", help="embedder spec to distil from (e.g. openvino-0277:flip)")
    parser.add_argument("--distill-weight", type=float, help="weight of the cosine distillation loss")
    parser.add_argument(
        "--bank-weight",
        type=float,
        help="weight of the distillation of the teacher's similarities to every training image (needs a teacher)",
    )
    parser.add_argument("--bank-temperature", type=float, help="softmax temperature of --bank-weight's similarities")
    parser.add_argument("--embedding-dim", type=int)
    parser.add_argument("--input-size", type=int, nargs=2, metavar=("H", "W"))
    parser.add_argument("--p", type=int, help="identities per batch")
    parser.add_argument("--k", type=int, help="images per identity in a batch")
    parser.add_argument(
        "--sampler",
        choices=["padded", "stream"],
        help="PK batches: 'padded' tops each identity up to a multiple of K every epoch (default); "
        "'stream' visits each image once per epoch on average, so an epoch has fewer batches",
    )
    parser.add_argument("--frozen-stages", type=int, help="freeze the stem and this many MBConv stages (0-7)")
    parser.add_argument(
        "--cache-frozen",
        action="store_true",
        default=None,
        help="compute the frozen stages once per image and augment their output (about 2x faster steps)",
    )
    parser.add_argument(
        "--repeat",
        action="append",
        default=[],
        metavar="NAME=N",
        help="pass N times over this training data set's images per epoch (weights a small source up)",
    )
    parser.add_argument("--erase-p", type=float, help="probability of random erasing per training image (0.5)")
    parser.add_argument(
        "--lda-head",
        type=float,
        metavar="SHRINKAGE",
        help="after the last epoch, fit shrinkage LDA on the training embeddings and make it the last layer",
    )
    parser.add_argument(
        "--lda-data",
        action="append",
        default=[],
        help="training data set(s) the LDA head is fitted on (repeatable, or joined with '+'; default: all)",
    )
    parser.add_argument(
        "--lda-directions", type=int, metavar="N", help="discriminant directions the LDA head keeps (default: all)"
    )
    parser.add_argument("--seed", type=int)
    parser.add_argument("--max-ids", type=int, help="use only the first N identities of each data set (smoke runs)")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    parser.add_argument("--no-progress", action="store_true")


def _repeats(items: list[str]) -> dict[str, int]:
    from crosscam.errors import CrosscamError

    repeats = {}
    for item in items:
        name, _, count = item.partition("=")
        if not count.isdigit() or int(count) < 1:
            raise CrosscamError(f"--repeat {item!r}: expected NAME=N with N a whole number >= 1")
        repeats[name] = int(count)
    return repeats


def run(args: argparse.Namespace) -> int:
    from crosscam.assets import resolve_dataset
    from crosscam.errors import CrosscamError
    from crosscam.reid.datasets import ASSET_NAMES
    from crosscam.reid.train import TrainConfig, train

    datasets = [name for value in args.dataset for name in value.split("+")]
    roots = dict(item.split("=", 1) for item in args.data)
    for name in {*datasets, args.val, args.test} - {None}:
        if name not in roots:
            if name not in ASSET_NAMES:
                raise CrosscamError(f"data set {name!r} is not in the assets directory; give --data {name}=DIR")
            roots[name] = str(resolve_dataset(ASSET_NAMES[name], args.assets))
    overrides = {
        key: getattr(args, key)
        for key in (
            "epochs",
            "lr",
            "schedule",
            "warmup_epochs",
            "weight_decay",
            "margin",
            "id_loss_weight",
            "teacher",
            "distill_weight",
            "bank_weight",
            "bank_temperature",
            "embedding_dim",
            "p",
            "k",
            "sampler",
            "frozen_stages",
            "cache_frozen",
            "erase_p",
            "lda_head",
            "lda_directions",
            "seed",
            "max_ids",
            "threads",
        )
    }
    overrides["source_repeats"] = _repeats(args.repeat) or None
    overrides["lda_data"] = [name for value in args.lda_data for name in value.split("+")] or None
    overrides["input_size"] = tuple(args.input_size) if args.input_size else None
    config = TrainConfig.from_preset(
        args.preset,
        datasets=datasets,
        data_roots=roots,
        out=args.out,
        val=args.val,
        test=args.test,
        split_seed=args.split_seed,
        command="crosscam " + shlex.join(sys.argv[1:]),
        **overrides,
    )
    train(config, resume=args.resume, progress=not args.no_progress, assets_dir=args.assets)
    return 0
