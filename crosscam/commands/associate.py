"""``crosscam associate``: re-associate a run's stored tracklets with other settings, without re-processing footage.

Identities keep the numbers they had (:mod:`crosscam.associate.incremental`); merges and splits of old
identities are printed and recorded in the index. The investigators' corrections made in ``crosscam serve`` are
kept (must-links together, cannot-links apart: :mod:`crosscam.associate.constraints`) and exported to
``corrections.json``. ``identities.json`` / ``.csv``, the ``mtmc/`` files, the report and the videos are written
again.

Example:
    crosscam associate --index out/site --threshold 0.6 --transit lobby:street:5:120
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "associate"
HELP = "re-associate a run's stored tracklets into identities with another threshold or other transit windows"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, required=True, metavar="DIR", help="run folder made by `crosscam run`")
    parser.add_argument(
        "--threshold", type=float, default=None, help="merge threshold, cosine (default: the embedder's calibrated one)"
    )
    parser.add_argument(
        "--transit",
        action="append",
        default=[],
        metavar="CAM_A:CAM_B:MIN_S:MAX_S",
        help="allowed transit time between two cameras; repeatable",
    )
    parser.add_argument(
        "--cameras", type=Path, metavar="FILE.yaml", help="take transit windows and calibrations from a cameras file"
    )
    parser.add_argument("--keep-calibrations", action="store_true", help="use ground-plane calibrations as given")
    parser.add_argument("--no-video", action="store_true", help="do not redraw the annotated videos")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from crosscam.associate.associate import associate
    from crosscam.associate.calibration import Calibration
    from crosscam.associate.constraints import LinkConstraints
    from crosscam.associate.incremental import keep_identity_numbers
    from crosscam.cameras import load_cameras_file, parse_transit
    from crosscam.config import RunConfig
    from crosscam.errors import CrosscamError
    from crosscam.run import _render_videos, _write_mtmc, _write_report
    from crosscam.serve.corrections import export_corrections
    from crosscam.store.identities import write_corrections, write_identities
    from crosscam.store.index_store import IndexStore
    from crosscam.store.manifest import record_outputs

    IndexStore.open(args.index).close()  # a one-line error when DIR holds no index
    store = IndexStore.create(args.index)
    meta = store.meta()
    if "calibration" not in meta:
        raise CrosscamError(f"{args.index}: index has no embedder calibration; redo it with `crosscam run`")
    calibration = Calibration(**meta["calibration"])
    threshold = calibration.threshold if args.threshold is None else args.threshold
    if not -1.0 <= threshold <= 1.0:
        raise CrosscamError(f"--threshold {threshold}: a cosine threshold lies in [-1, 1]")
    config = RunConfig(detector=meta.get("detector", RunConfig().detector))
    if args.cameras:
        _, config = load_cameras_file(args.cameras, config)
    transit = (*config.association.transit, *map(parse_transit, args.transit))
    association_config = replace(config.association, transit=transit, refine_grounds=not args.keep_calibrations)
    cameras = store.cameras()
    names = {camera.name for camera in cameras}
    unknown = sorted({n for w in transit for n in (w.camera_a, w.camera_b)} - names)
    if unknown:
        raise CrosscamError(f"transit names camera {unknown[0]!r}, not in {args.index}; cameras: {', '.join(names)}")
    tracklets = store.tracklets()
    boxes = {name: store.boxes(name) for name in association_config.grounds if name in names}
    corrections = export_corrections(args.index)
    links = LinkConstraints.from_export(corrections)
    association = associate(tracklets, boxes, cameras, association_config, threshold, links)
    identities, changes = keep_identity_numbers(store, tracklets, association)
    store.set_identities(identities)
    json_path, csv_path = write_identities(identities, cameras, store.folder, store.meta().get("truncated"))
    files = {"identities.json": json_path, "identities.csv": csv_path}
    if corrections["log"]:
        files["corrections.json"] = write_corrections(store.folder, corrections)
    files.update(_write_mtmc(store, identities, association.grounds))
    if not args.no_video:
        files.update(_render_videos(store, identities))
    files["report"] = _write_report(store, identities, meta["embedder"], calibration, config, files)
    record_outputs(store.folder, [*files.values(), store.folder / "timeline.png"])
    store.close()
    print(f"{len(identities)} people from {len(tracklets)} tracklets at threshold {threshold:.4f}")
    if links:
        print(f"kept {len(links.must)} must-link and {len(links.cannot)} cannot-link pair(s) of corrections")
    for line in changes.describe():
        print(line)
    print(f"wrote {json_path}, {csv_path}, {files['report']}")
    return 0
