"""``crosscam forget``: erase a person, a camera or everything before a time from a run's index."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from crosscam.errors import CrosscamError

NAME = "forget"
HELP = "erase every trace of an identity, a camera or everything before a time from an index (rows, embeddings, files)"


def _time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time (2026-11-25T08:00:00)") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", metavar="DIR", required=True, type=Path, help="the run folder (crosscam run --out)")
    parser.add_argument("--identity", metavar="N", type=int, help="the global id of the person to erase")
    parser.add_argument("--camera", metavar="NAME", help="erase this camera's tracklets (alone: the whole camera)")
    parser.add_argument("--before", metavar="TIME", type=_time, help="erase tracklets that started before TIME")


def run(args: argparse.Namespace) -> int:
    from crosscam.store.erase import Selection, erase

    selection = Selection(args.identity, args.camera, args.before)
    report = erase(args.index, selection)
    if report.tracklets == 0 and not report.cameras_removed:
        raise CrosscamError(f"forget: nothing in {args.index} matches {selection.describe()}")
    _rewrite_report(args.index)
    print(
        f"erased {selection.describe()}: {report.tracklets} tracklets, {report.boxes} boxes, "
        f"{report.embedding_rows} embedding rows, {report.vectors} vector-index entries, {len(report.files)} files"
    )
    for path in report.files:
        print(f"  removed {path}")
    return 0


def _rewrite_report(folder: Path) -> None:
    """Redraw ``report.html`` and ``timeline.png`` from what remains (when the run wrote a report)."""
    from crosscam.store.index_store import IndexStore
    from crosscam.viz.report import write_report

    if not (folder / "report.html").is_file():
        return
    store = IndexStore.open(folder)
    try:
        meta = store.meta()
        shown = {"embedder": meta.get("embedder", ""), "detector": meta.get("detector", "")}
        threshold = (meta.get("calibration") or {}).get("threshold")
        if threshold is not None:
            shown["merge threshold (cosine, P(same) = 0.5)"] = f"{threshold:.4f}"
        cameras = store.cameras()
        videos = {c.name: f"videos/{c.name}.mp4" for c in cameras if (folder / "videos" / f"{c.name}.mp4").is_file()}
        write_report(store.identities(), cameras, shown, folder, videos)
    finally:
        store.close()
