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

    from crosscam.associate.calibration import Calibration
    from crosscam.cameras import load_cameras_file, parse_transit
    from crosscam.config import RunConfig
    from crosscam.errors import CrosscamError
    from crosscam.run import associate_index
    from crosscam.store.index_store import IndexStore

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
    config = replace(config, association=association_config)
    identities, files, changes, links = associate_index(
        store, config, calibration, meta["embedder"], threshold, videos=not args.no_video
    )
    tracklet_count = store.tracklet_count()
    store.close()
    print(f"{len(identities)} people from {tracklet_count} tracklets at threshold {threshold:.4f}")
    if links:
        print(f"kept {len(links.must)} must-link and {len(links.cannot)} cannot-link pair(s) of corrections")
    for line in changes.describe():
        print(line)
    print(f"wrote {files['identities.json']}, {files['identities.csv']}, {files['report']}")
    return 0
