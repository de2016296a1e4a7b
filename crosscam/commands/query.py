"""``crosscam query``: where else did this person appear? Rank a run's identities and tracklets by a query crop.

Example:
    crosscam query person.jpg --index out/epfl --top 5 --json hits.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "query"
HELP = "rank the identities and tracklets of a run by similarity to a person crop"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=Path, help="a crop of the person to look for")
    parser.add_argument("--index", type=Path, required=True, metavar="DIR", help="run folder made by `crosscam run`")
    parser.add_argument("--top", type=int, default=5, metavar="K", help="how many results to show (default 5)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the ranking as JSON")
    parser.add_argument(
        "--picture", type=Path, metavar="FILE.png", help="where to draw the result (default: DIR/query_<image>.png)"
    )
    parser.add_argument("--no-blur", action="store_true", help="do not blur faces in the picture (default: blurred)")


def run(args: argparse.Namespace) -> int:
    import json

    from crosscam.imageio import read_bgr
    from crosscam.query import result_json, search_index
    from crosscam.store.manifest import record_outputs
    from crosscam.viz.query_result import draw_query_result

    result = search_index(args.index, args.image, args.assets, top=args.top)
    print(f"query {args.image} against {args.index} ({result.embedder}); P(same) assumes even prior odds")
    print("\n| rank | person | best P(same) | best cosine | camera | track | time (s) |")
    print("|---:|---:|---:|---:|---|---:|---|")
    for rank, hit in enumerate(result.identities[: args.top], start=1):
        best = hit.best.tracklet
        print(
            f"| {rank} | {hit.global_id} | {hit.probability:.3f} | {hit.similarity:.3f} | {best.camera} | "
            f"{best.track_id} | {best.start:.1f}–{best.end:.1f} |"
        )
    picture = args.picture or args.index / f"query_{args.image.stem}.png"
    draw_query_result(read_bgr(args.image), result.tracklets[: args.top], args.index, picture, not args.no_blur)
    if args.index.resolve() in picture.resolve().parents:  # crosscam's file: `run --fresh` may delete it
        record_outputs(args.index, [picture])
    print(f"\nwrote {picture}")
    if args.json:
        args.json.write_text(json.dumps(result_json(result), indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0
