"""``crosscam eval``: re-identification accuracy of an embedder on a data set, with ranked-list pictures.

CUHK01 is evaluated over ``--splits`` random 486-id test splits (default 10,
seeds ``--split-seed`` onwards); its images are embedded once and each split
is evaluated on a subset. Scores are in percent, mean ± std over the splits;
mAP is non-interpolated. ``--rerank`` adds k-reciprocal re-ranked scores
(transductive, reported separately). ``--learn-projection`` adds the scores
after camera centring + LDA learned on each split's train ids
(:mod:`crosscam.reid.projection`; inductive, reported separately); with both,
the projected features are re-ranked as well. ``--rerank-k1/-k2/-lambda`` set
the re-ranking (the defaults are the paper's Market-1501 values; with two
gallery images per person, CUHK01 needs a much smaller k1).

Example:
    crosscam eval --dataset cuhk01 --embedder openvino-0277 --flip --rerank --json runs/eval.json --vis runs/vis
    crosscam eval --dataset cuhk01 --embedder "openvino-0277*0.6+openvino-0287*0.4" --flip --learn-projection
    crosscam eval --dataset cuhk01 --embedder "openvino-0277*0.6+openvino-0287*0.4" --flip --learn-projection \
        --rerank --rerank-k1 3 --rerank-k2 1
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from crosscam.commands.embed import add_data_arguments, embedder_spec, resolve_data

NAME = "eval"
HELP = "evaluate an embedder on a re-identification data set (CMC, mAP, mINP; optional re-ranking and pictures)"
DEFAULT_CUHK01_SPLITS = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_arguments(parser)
    parser.add_argument(
        "--embedder-weights",
        metavar="FILE",
        help="evaluate this crosscam-lite0 release (.safetensors + .json, e.g. from crosscam train or fit-head)",
    )
    parser.add_argument("--rerank", action="store_true", help="also report k-reciprocal re-ranking (transductive)")
    parser.add_argument("--rerank-k1", type=int, default=20, help="re-ranking k1: k-reciprocal set size (default 20)")
    parser.add_argument("--rerank-k2", type=int, default=6, help="re-ranking k2: query expansion size (default 6)")
    parser.add_argument(
        "--rerank-lambda", type=float, default=0.3, help="re-ranking weight of the original distance (default 0.3)"
    )
    parser.add_argument(
        "--learn-projection",
        action="store_true",
        help="also report scores after camera centring + LDA learned on each split's train ids (inductive)",
    )
    parser.add_argument(
        "--shrinkage", type=float, default=0.9, help="LDA covariance shrinkage of --learn-projection (default 0.9)"
    )
    parser.add_argument("--splits", type=int, help=f"number of CUHK01 splits (default {DEFAULT_CUHK01_SPLITS}; 1 else)")
    parser.add_argument("--split-seed", type=int, default=0, help="seed of the first split (default 0)")
    parser.add_argument("--json", metavar="FILE", help="write the scores as JSON")
    parser.add_argument("--vis", metavar="DIR", help="write ranked-list PNGs of the first split here")
    parser.add_argument("--vis-mode", choices=("random", "worst", "best"), default="random", help="which queries")
    parser.add_argument("--vis-queries", type=int, default=8, help="queries to draw (default 8)")
    parser.add_argument("--top-k", type=int, default=10, help="gallery matches per query in the pictures")


def _table(rows: dict[str, dict]) -> str:
    lines = [
        "| ranking | rank-1 | rank-5 | rank-10 | mAP | mINP |",
        "|---|---|---|---|---|---|",
    ]
    for label, summary in rows.items():
        cells = [
            f"{summary[m]['mean']:.1f} ± {summary[m]['std']:.1f}" for m in ("rank1", "rank5", "rank10", "mAP", "mINP")
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _scores(results: list, attribute: str) -> dict:
    from crosscam.eval.reid_splits import summarize

    metrics = [getattr(result, attribute) for result in results]
    return {
        **summarize(metrics),
        "per_split": [{"seed": r.seed, **getattr(r, attribute).as_dict()} for r in results],
        "num_valid_queries": [m.num_valid_queries for m in metrics],
    }


def _leaf_embedders(embedder) -> list:
    """The embedders inside flip / fusion wrappers."""
    if hasattr(embedder, "inner"):
        return _leaf_embedders(embedder.inner)
    if hasattr(embedder, "parts"):
        return [leaf for part, _ in embedder.parts for leaf in _leaf_embedders(part)]
    return [embedder]


def training_config(leaf, weights: str | None = None) -> dict:
    """The training configuration of a trained embedder (empty for off-the-shelf models); ``weights``: the release
    a ``crosscam-lite0`` leaf was built from (default: the shipped one)."""
    if hasattr(leaf, "metadata"):
        return leaf.metadata.get("config", {})
    if leaf.name == "crosscam-lite0":
        from crosscam.embed.trained import SHIPPED_WEIGHTS, metadata_path

        return json.loads(metadata_path(Path(weights or SHIPPED_WEIGHTS)).read_text()).get("config", {})
    return {}


def training_overlap(embedder, dataset: str, seeds: list[int], weights: str | None = None) -> list[str]:
    """Warnings for models trained on this data set's train split of a different seed (test ids seen in training)."""
    warnings = []
    for leaf in _leaf_embedders(embedder):
        config = training_config(leaf, weights)
        trained_seed = config.get("split_seed")
        if dataset in config.get("datasets", []) and any(seed != trained_seed for seed in seeds):
            warnings.append(
                f"{leaf.name} was trained on {dataset} split seed {trained_seed}: other seeds' test ids were in its "
                f"training data, so only --splits 1 --split-seed {trained_seed} is a fair test"
            )
    return warnings


def _rerank_params(args: argparse.Namespace):
    from crosscam.errors import CrosscamError
    from crosscam.eval.rerank import RerankParams

    if not args.rerank:
        return None
    if args.rerank_k1 < 1 or args.rerank_k2 < 1 or not 0 <= args.rerank_lambda <= 1:
        raise CrosscamError(
            f"--rerank-k1 {args.rerank_k1} / --rerank-k2 {args.rerank_k2} / --rerank-lambda {args.rerank_lambda}: "
            "k1 and k2 must be at least 1 and lambda between 0 and 1"
        )
    return RerankParams(args.rerank_k1, args.rerank_k2, args.rerank_lambda)


def _write_pictures(args, features, samples, split, rerank) -> list[Path]:
    from crosscam.eval.reid_metrics import cosine_distance
    from crosscam.eval.reid_splits import rows_of
    from crosscam.eval.rerank import rerank_features
    from crosscam.viz.ranked_list import save_ranked_lists

    query, gallery = features[rows_of(samples, split.query)], features[rows_of(samples, split.gallery)]
    common = dict(mode=args.vis_mode, num_queries=args.vis_queries, top_k=args.top_k, seed=args.split_seed)
    written = save_ranked_lists(args.vis, split.query, split.gallery, cosine_distance(query, gallery), **common)
    if rerank is not None:
        reranked = rerank_features(query, gallery, rerank.k1, rerank.k2, rerank.lambda_value)
        written += save_ranked_lists(
            args.vis, split.query, split.gallery, reranked, similarity=False, prefix="reranked", **common
        )
    return written


def _embedder(args: argparse.Namespace) -> tuple[str, object]:
    """(spec as reported, embedder): ``--embedder-weights`` builds crosscam-lite0 from that release."""
    from crosscam.embed.registry import create_embedder

    if not args.embedder_weights:
        spec = embedder_spec(args.embedder, args.flip, args.assets)
        return spec, create_embedder(spec, args.assets)
    from crosscam.embed.compose import FlipEmbedder
    from crosscam.embed.trained import create
    from crosscam.errors import CrosscamError

    if args.embedder:
        raise CrosscamError("--embedder and --embedder-weights name two embedders; give one")
    embedder = create(weights=args.embedder_weights)
    spec = f"crosscam-lite0[{args.embedder_weights}]{':flip' if args.flip else ''}"
    return spec, FlipEmbedder(embedder) if args.flip else embedder


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from crosscam.errors import CrosscamError
    from crosscam.eval.reid_metrics import MAP_NOTE
    from crosscam.eval.reid_splits import evaluate_splits, split_samples, split_seeds
    from crosscam.reid.projection import CameraCenteredLDA

    root = resolve_data(args.dataset, args.data, args.assets)
    num_splits = args.splits or (DEFAULT_CUHK01_SPLITS if args.dataset == "cuhk01" else 1)
    seeds = split_seeds(args.dataset, args.split_seed, num_splits)
    if not 0 <= args.shrinkage <= 1:
        raise CrosscamError(f"--shrinkage {args.shrinkage}: must be between 0 and 1")
    rerank = _rerank_params(args)
    samples, splits = split_samples(args.dataset, root, seeds, include_train=args.learn_projection)
    spec, embedder = _embedder(args)
    print(f"{splits[0].describe()}; {len(seeds)} split(s), seeds {seeds[0]}-{seeds[-1]}")
    warnings = training_overlap(embedder, args.dataset, seeds, args.embedder_weights)
    for warning in warnings:
        print(f"WARNING: {warning}")
    parts = "query, gallery and train" if args.learn_projection else "query and gallery"
    print(f"embedding {len(samples)} images ({parts} of all splits, once) with {spec}")
    from crosscam.reid.features import embed_timed

    features, crops_per_second = embed_timed(embedder, samples)

    projection = (lambda: CameraCenteredLDA(shrinkage=args.shrinkage)) if args.learn_projection else None
    results = []
    for seed, split in tqdm(list(zip(seeds, splits, strict=True)), desc="evaluate splits", unit="split", leave=False):
        results += evaluate_splits(features, samples, [split], [seed], rerank=rerank, projection=projection)
    report = {
        "dataset": args.dataset,
        "data": str(root),
        "embedder": spec,
        "flip": args.flip,
        "rerank": rerank.describe() if rerank else None,
        "learn_projection": args.learn_projection,
        "seeds": seeds,
        "crops_per_second": crops_per_second,
        "map_definition": MAP_NOTE,
        "units": "percent",
        "warnings": warnings,
        **_scores(results, "plain"),
    }
    rows = {"plain (cosine)": report}
    if rerank:
        report["reranked"] = _scores(results, "reranked")
        rows[f"k-reciprocal re-ranked ({rerank.describe()}; transductive)"] = report["reranked"]
    if args.learn_projection:
        report["projected"] = {"shrinkage": args.shrinkage, **_scores(results, "projected")}
        projected_label = f"camera centring + LDA (shrinkage {args.shrinkage:g}) learned on each split's train ids"
        rows[projected_label] = report["projected"]
        if rerank:
            report["projected_reranked"] = _scores(results, "projected_reranked")
            rows[f"{projected_label}, then re-ranked ({rerank.describe()}; transductive)"] = report[
                "projected_reranked"
            ]

    print(f"\n{args.dataset}, {spec}: percent, mean ± std over {len(seeds)} split(s); {MAP_NOTE}")
    print(_table(rows))
    print(f"embedding speed: {crops_per_second:.1f} crops/s ({len(samples)} crops, decoding excluded)")
    if args.json:
        json_path = Path(args.json)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {json_path}")
    if args.vis:
        for path in _write_pictures(args, features, samples, splits[0], rerank):
            print(f"wrote {path}")
    return 0
