"""``crosscam run``: who appears where and when across several cameras (the main job).

A thin layer over :func:`crosscam.run.run_cameras`.

Example:
    crosscam run --camera lab_a=Double1.mp4 --camera lab_b=Single1.mp4 --out out/epfl
    crosscam run --cameras cameras.yaml --out out/site
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from crosscam.config import TRACKER_EMBEDDER
from crosscam.errors import CrosscamError
from crosscam.track.interpolate import DEFAULT_INTERPOLATE_SECONDS

NAME = "run"
HELP = "detect, track and re-identify people across cameras and time; write identities, report and videos"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from crosscam.detect.registry import DEFAULT_DETECTOR

    parser.add_argument(
        "--camera",
        action="append",
        default=[],
        metavar="NAME=SOURCE[@START_TIME]",
        help="a camera: name, video file / image folder / stream URL, optional ISO 8601 start time; repeatable",
    )
    parser.add_argument(
        "--cameras", type=Path, metavar="FILE.yaml", help="cameras (transit windows, calibrations, config) from YAML"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="run folder (index, report, videos)")
    parser.add_argument("--embedder", default=None, help="embedder spec (default: the most accurate available)")
    parser.add_argument("--detector", default=None, help=f"person detector (default: {DEFAULT_DETECTOR})")
    parser.add_argument(
        "--tracker-embedder",
        default=None,
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
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="discard what crosscam wrote in DIR instead of resuming (refuses when DIR holds other files)",
    )
    parser.add_argument(
        "--no-blur", action="store_true", help="do not blur faces in thumbnails and videos (default: blurred)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="a video that ends before its announced frame count is an error"
    )
    parser.add_argument(
        "--detect-fps", type=float, default=None, metavar="F", help="detect and track at F frames per second of video"
    )
    parser.add_argument(
        "--interpolate",
        type=float,
        default=None,
        metavar="SECONDS",
        help="fill each track's gaps up to this long by linear interpolation "
        f"(default {DEFAULT_INTERPOLATE_SECONDS:g} s, as crosscam track; 0: off)",
    )
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="cameras processed in parallel (local)")
    parser.add_argument("--backend", choices=["local", "ray"], default="local", help="where cameras are processed")
    parser.add_argument("--ray-address", default=None, metavar="ADDR", help="Ray cluster (default: a local instance)")


def config_from_args(args: argparse.Namespace):
    """The cameras and the run configuration: the cameras file's, then the command line's options over it."""
    from dataclasses import replace

    from crosscam.cameras import load_cameras_file, parse_camera_spec, parse_transit
    from crosscam.config import RunConfig

    cameras = [parse_camera_spec(text) for text in args.camera]
    config = RunConfig()
    if args.cameras:
        from_file, config = load_cameras_file(args.cameras, config)
        cameras += from_file
    changes = {}
    if args.embedder:
        changes["embedder"] = args.embedder
    if args.detector:
        changes["detector"] = args.detector
    if args.tracker_embedder:
        changes["tracker_embedder"] = None if args.tracker_embedder == "none" else args.tracker_embedder
    if args.detect_fps is not None:
        changes["detect_fps"] = args.detect_fps
    if args.interpolate is not None:
        if args.interpolate < 0:
            raise CrosscamError(f"--interpolate must be 0 or more seconds, got {args.interpolate}")
        changes["interpolate_seconds"] = args.interpolate
    if args.no_blur:
        changes["blur"] = False
    if args.strict:
        changes["strict"] = True
    association = config.association
    if args.transit:
        association = replace(association, transit=(*association.transit, *map(parse_transit, args.transit)))
    if args.keep_calibrations:
        association = replace(association, refine_grounds=False)
    return cameras, replace(config, association=association, **changes)


class _Print(logging.Handler):
    """The run's notes on stdout, as plain lines (the stream looked up at each line, so captures work)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(record.getMessage())


def run(args: argparse.Namespace) -> int:
    import logging
    import time

    from crosscam.backends import create_backend
    from crosscam.run import run_cameras

    started = time.perf_counter()
    logger = logging.getLogger("crosscam")
    if not any(isinstance(h, _Print) for h in logger.handlers):
        logger.addHandler(_Print())
    logger.setLevel(logging.INFO)
    cameras, config = config_from_args(args)
    backend = create_backend(args.backend, args.workers, args.ray_address)
    videos = not args.no_video
    result = run_cameras(cameras, args.out, config, args.assets, args.fresh, videos, backend)
    seconds = time.perf_counter() - started
    print(f"{len(result.identities)} people across {len(result.cameras)} cameras in {seconds:.1f} s")
    print(f"wrote {result.files['identities.json']}, {result.files['identities.csv']}, {result.files['report']}")
    return 0
