"""``crosscam run``: who appears where and when across several cameras (the main job).

Example:
    crosscam run --camera lab_a=Double1.mp4 --camera lab_b=Single1.mp4 --out out/epfl
    crosscam run --cameras cameras.yaml --out out/site
"""

from __future__ import annotations

import argparse
from pathlib import Path

TRACKER_EMBEDDER = "osnet-x0.25-msmt17"  # IDF1 93.2 vs 85.4 motion-only on PETS09-S2L1 (benchmarks/pets09_tracking.py)
NAME = "run"
HELP = "detect, track and re-identify people across cameras and time; write identities, report and videos"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--camera",
        action="append",
        default=[],
        metavar="NAME=SOURCE[@START_TIME]",
        help="a camera: name, video file / image folder / stream URL, optional ISO 8601 start time; repeatable",
    )
    parser.add_argument("--cameras", type=Path, metavar="FILE.yaml", help="cameras (and transit windows) from YAML")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="run folder (index, report, videos)")
    parser.add_argument("--embedder", default=None, help="embedder spec (default: the most accurate available)")
    parser.add_argument("--detector", default="bytetrack-nano", help="person detector (default: bytetrack-nano)")
    parser.add_argument(
        "--tracker-embedder",
        default=TRACKER_EMBEDDER,
        help=f"appearance cue inside each camera's tracker, or 'none' for motion only (default: {TRACKER_EMBEDDER})",
    )
    parser.add_argument(
        "--transit",
        action="append",
        default=[],
        metavar="CAM_A:CAM_B:MIN_S:MAX_S",
        help="allowed transit time between two cameras; repeatable",
    )
    parser.add_argument("--no-video", action="store_true", help="skip the annotated videos")
    parser.add_argument(
        "--keep-calibrations",
        action="store_true",
        help="use ground-plane calibrations as given (default: check them against each other, repair outliers)",
    )
    parser.add_argument("--fresh", action="store_true", help="discard an existing index in DIR instead of resuming")


def _parse_transit(text: str):
    from crosscam.associate.clustering import TransitWindow
    from crosscam.errors import CrosscamError

    parts = text.split(":")
    try:
        return TransitWindow(parts[0], parts[1], float(parts[2]), float(parts[3]))
    except (IndexError, ValueError):
        raise CrosscamError(f"--transit {text!r}: expected CAM_A:CAM_B:MIN_SECONDS:MAX_SECONDS") from None


def run(args: argparse.Namespace) -> int:
    import shutil
    import time
    from dataclasses import asdict

    from crosscam.assets import search_roots
    from crosscam.associate.calibration import load_calibration
    from crosscam.detect.registry import create_detector
    from crosscam.embed.registry import create_embedder, default_embedder_name
    from crosscam.errors import CrosscamError
    from crosscam.pipeline import (
        RunConfig,
        associate_store,
        camera_offsets,
        load_cameras_file,
        parse_camera_spec,
        track_camera,
        validate_cameras,
    )
    from crosscam.store.identities import identities, write_identities
    from crosscam.store.index_store import IndexStore
    from crosscam.viz.report import write_report

    cameras = [parse_camera_spec(text) for text in args.camera]
    transit = [_parse_transit(text) for text in args.transit]
    if args.cameras:
        from_file, transit_from_file = load_cameras_file(args.cameras)
        cameras += from_file
        transit += transit_from_file
    if not cameras:
        raise CrosscamError("no cameras given: use --camera NAME=SOURCE (repeatable) or --cameras FILE.yaml")
    validate_cameras(cameras)
    known = {c.name for c in cameras}
    for window in transit:
        for name in (window.camera_a, window.camera_b):
            if name not in known:
                raise CrosscamError(f"--transit names unknown camera {name!r}; cameras: {', '.join(sorted(known))}")

    started = time.perf_counter()
    embedder_name = args.embedder or default_embedder_name(args.assets)
    calibration = load_calibration(embedder_name)
    if args.fresh and args.out.exists():
        shutil.rmtree(args.out)
    store = IndexStore.create(args.out)
    previous = store.meta().get("embedder")
    if previous and previous != embedder_name:
        raise CrosscamError(f"{args.out}: index was built with embedder {previous!r}; use --fresh or another --out")
    # The first asset directory searched (--assets or $CROSSCAM_ASSETS) lets `crosscam query` find the same models.
    assets_dir = str(search_roots(args.assets)[0].resolve())
    store.set_meta(embedder=embedder_name, detector=args.detector, calibration=asdict(calibration), assets=assets_dir)
    embedder = create_embedder(embedder_name, args.assets)
    detector = create_detector(args.detector, args.assets)
    tracker_embedder = None
    if args.tracker_embedder != "none":
        try:
            tracker_embedder = create_embedder(args.tracker_embedder, args.assets)
        except CrosscamError as error:
            if args.tracker_embedder != TRACKER_EMBEDDER:
                raise
            print(f"note: tracking on motion only ({error})")
    config = RunConfig(detector=args.detector, transit=transit)
    for camera in cameras:
        if store.camera_done(camera.name, camera.source):
            print(f"{camera.name}: already in the index, skipped (use --fresh to redo)")
            continue
        count = track_camera(camera, store, detector, embedder, config, tracker_embedder)
        print(f"{camera.name}: {count} tracklets")
    grounds = {camera.name: camera.ground for camera in cameras if camera.ground is not None}
    num_identities = associate_store(store, calibration, transit, grounds, refine_grounds=not args.keep_calibrations)
    table = identities(store)
    json_path, csv_path = write_identities(table, args.out)
    offsets = camera_offsets(store.cameras())
    videos = {} if args.no_video else render_videos(store, table)
    meta = {
        "embedder": embedder_name,
        "detector": args.detector,
        "merge threshold (cosine, P(same) = 0.5)": f"{calibration.threshold:.4f}",
        "calibrated on": "; ".join(calibration.fitted_on),
        "cameras": ", ".join(f"{c.name}={c.source}" for c in store.cameras()),
    }
    report = write_report(table, offsets, meta, args.out, videos)
    seconds = time.perf_counter() - started
    print(f"{num_identities} people across {len(offsets)} cameras in {seconds:.1f} s")
    print(f"wrote {json_path}, {csv_path}, {report}")
    return 0


def render_videos(store, table: list[dict]) -> dict[str, str]:
    """Annotated video per camera with global ids; returns camera -> path relative to the run folder."""
    from crosscam.viz.identity_video import write_identity_video

    global_of = {
        (a["camera"], a["track_id"]): identity["global_id"] for identity in table for a in identity["appearances"]
    }
    videos = {}
    for camera in store.cameras():
        relative = f"videos/{camera.name}.mp4"
        write_identity_video(camera, store.detections(camera.name), global_of, store.folder / relative)
        videos[camera.name] = relative
    return videos
