"""``crosscam track``: detect and track the people of one camera; MOT file, crops and an annotated video."""

from __future__ import annotations

import argparse
from pathlib import Path

from crosscam.config import TRACKER_EMBEDDER
from crosscam.detect.registry import DEFAULT_DETECTOR
from crosscam.track.interpolate import DEFAULT_INTERPOLATE_SECONDS

NAME = "track"
HELP = "detect and track people in one video, image folder or stream; writes MOT tracks, crops, optional video"


def parse_size(text: str) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTH such as 576x768, got {text!r}") from None
    return height, width


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="video file, image folder or stream URL (rtsp://, http://)")
    parser.add_argument("--camera", help="camera name (default: the source's file name without extension)")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--detector", default=DEFAULT_DETECTOR, help=f"{DEFAULT_DETECTOR} (default) or yolox-nano-coco")
    parser.add_argument(
        "--detector-size", type=parse_size, help="detector input HEIGHTxWIDTH, multiples of 32 (default: model scale)"
    )
    parser.add_argument(
        "--embedder",
        default=TRACKER_EMBEDDER,
        help=f"appearance cue inside the tracker, or 'none' for motion only (default: {TRACKER_EMBEDDER}, as in "
        "crosscam run; motion only when its model is not installed)",
    )
    parser.add_argument(
        "--fps",
        type=float,
        help="frame rate (default: the container's; for an image folder its MOTChallenge seqinfo.ini, else 25)",
    )
    parser.add_argument(
        "--camera-motion", action="store_true", help="compensate camera pan/shake (sparse optical flow; PTZ/handheld)"
    )
    parser.add_argument("--video", action="store_true", help="also write an annotated video <camera>.mp4")
    parser.add_argument("--start-frame", type=int, default=0, help="first frame to process (0-based)")
    parser.add_argument("--max-frames", type=int, help="stop after this many frames")
    parser.add_argument("--crops-per-track", type=int, default=3, help="crops saved per track (default 3)")
    parser.add_argument(
        "--interpolate",
        type=float,
        default=DEFAULT_INTERPOLATE_SECONDS,
        metavar="SECONDS",
        help="in the MOT file, fill track gaps up to this long by linear interpolation "
        f"(default {DEFAULT_INTERPOLATE_SECONDS:g} s; 0: off)",
    )


def run(args: argparse.Namespace) -> int:
    import itertools
    import time

    import numpy as np
    from tqdm import tqdm

    from crosscam.detect import create_detector
    from crosscam.io import open_source
    from crosscam.track import Tracker, TrackerConfig, track_frames
    from crosscam.track.crops import CropSaver
    from crosscam.track.frame_rate import choose_frame_rate
    from crosscam.track.interpolate import gap_frames, interpolate_gaps
    from crosscam.track.mot import mot_rows, write_mot
    from crosscam.types import TrackedBoxes
    from crosscam.viz.annotators import BoxAnnotator, LabelAnnotator, TraceAnnotator, annotate_tracks
    from crosscam.viz.video_writer import open_video_writer

    camera = args.camera or Path(str(args.source).rstrip("/")).stem or "camera"
    fps, fps_origin = choose_frame_rate(args.source, args.fps)
    source = open_source(args.source, camera, fps=fps, start_frame=args.start_frame)
    print(f"{camera}: frame rate {source.fps:g} fps, from {fps_origin}")
    detector = create_detector(args.detector, args.assets, args.detector_size)
    from crosscam.run import tracker_embedder

    embedder = tracker_embedder(args.embedder, args.assets)
    print(f"{camera}: appearance cue {args.embedder if embedder is not None else 'none (motion only)'}")
    tracker = Tracker(TrackerConfig(fps=source.fps, camera_motion=args.camera_motion), embedder)
    args.out.mkdir(parents=True, exist_ok=True)
    crops = CropSaver(args.out / "crops" / camera, args.crops_per_track, min_gap_frames=max(1, round(source.fps)))
    writer = (
        open_video_writer(args.out / f"{camera}.mp4", source.fps, (source.width, source.height)) if args.video else None
    )
    annotators = [TraceAnnotator(), BoxAnnotator(), LabelAnnotator()]
    frames = itertools.islice(source, args.max_frames)
    total = source.frame_count - args.start_frame if source.frame_count else None
    total = min(total, args.max_frames) if total and args.max_frames else (total or args.max_frames)
    rows, started = [], time.perf_counter()
    try:
        for frame, tracked in tqdm(track_frames(frames, detector, tracker), total=total, desc=camera, unit="frame"):
            rows.append(mot_rows(frame.index, tracked))
            crops.add(frame, tracked)
            if writer is not None:
                writer.write(annotate_tracks(frame.image, TrackedBoxes.of_frame(frame, tracked), annotators))
    finally:  # a corrupt source or Ctrl-C keeps everything tracked so far
        table = np.concatenate(rows) if rows else np.zeros((0, 10))
        if gap_frames(args.interpolate, source.fps):
            table = interpolate_gaps(table, gap_frames(args.interpolate, source.fps))
        write_mot(args.out / f"{camera}.txt", table)
        if writer is not None:
            writer.close()
    seconds = time.perf_counter() - started
    ids = len(set(table[:, 1].astype(int))) if len(table) else 0
    print(f"{camera}: {len(rows)} frames in {seconds:.1f} s ({len(rows) / max(seconds, 1e-9):.1f} fps), {ids} tracks")
    print(f"tracks: {args.out / f'{camera}.txt'}; crops: {crops.folder}")
    if writer is not None:
        print(f"video: {args.out / f'{camera}.mp4'}")
    return 0
