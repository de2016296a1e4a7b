"""Hours of footage: speed and memory of one camera's processing on a long stream, and PETS accuracy at a lower
detection rate.

The stream is PETS09-S2L1 (``pets09_s2l1/vtest.avi``, 795 frames at 10 fps, 768x576) looped to ``--minutes``
of video by :class:`LoopedSource` (each pass read again from the file: no long file is written; indices and
timestamps run on across passes). Each camera runs exactly what ``crosscam run`` runs for it:
:func:`crosscam.pipeline.process_camera` with the run's detector, tracker embedder and tracklet embedder, built
once per worker process by :func:`crosscam.backends.models_for`; several cameras run in a spawned process pool
of ``--workers`` processes (as ``crosscam run --workers``). Peak RSS is each worker's high-water mark, read
each time its camera passes ``--mark-minutes`` more footage and when it ends: flat means the end equals the first.

``--idf1`` instead scores the run's boxes of PETS09-S2L1 (kept tracklets, skipped frames interpolated) with
TrackEval (:func:`crosscam.eval.tracking.evaluate_mot`) at every frame and at ``--detect-fps``.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/footage_scale.py --minutes 10
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/footage_scale.py --minutes 5 --cameras 4 --workers 2
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/footage_scale.py --idf1
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/footage_scale.py --builder-only --minutes 60

``--builder-only`` measures the boxes' memory alone (no models, seconds): see :func:`builder_rows`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from crosscam.assets import resolve_dataset
from crosscam.cameras import CameraSpec
from crosscam.config import RunConfig
from crosscam.detect_rate import detection_stride
from crosscam.io.frames import Frame, FrameSource, open_source

MARK_MINUTES = 10.0  # default --mark-minutes: peak RSS, wall and CPU time printed each time a camera passes this much


class LoopedSource(FrameSource):
    """``path`` played again and again up to ``minutes`` of video, every ``step``-th frame (indices run on)."""

    def __init__(self, path: str, camera: str, minutes: float, step: int = 1):
        super().__init__(path, camera, 0, step)
        once = open_source(path, camera)
        self.fps, self.width, self.height = once.fps, once.width, once.height
        self.pass_frames = once.frame_count
        self.frame_count = round(minutes * 60 * self.fps)

    def __iter__(self) -> Iterator[Frame]:
        first = 0  # global index of the current pass's frame 0
        while first < self.frame_count:
            offset = -first % self.step  # the pass's first frame on the global stride
            for frame in open_source(self.location, self.camera, start_frame=offset, step=self.step):
                index = first + frame.index
                if index >= self.frame_count:
                    return
                yield Frame(self.camera, index, first / self.fps + frame.timestamp, frame.image)
            first += self.pass_frames


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_looped(
    name: str, minutes: float, config: RunConfig, embedder: str, assets: str | None, mark_minutes: float = MARK_MINUTES
) -> dict:
    """One looped camera, processed as ``crosscam run`` processes a camera (in this worker process)."""
    from crosscam.backends import models_for
    from crosscam.pipeline import process_camera

    loaded = time.perf_counter()
    detector, tracklet_embedder, tracker_embedder = models_for(
        embedder, config.detector, config.detector_input, config.tracker_embedder, assets
    )
    video = str(resolve_dataset("pets09_s2l1", assets) / "vtest.avi")
    probe = open_source(video, name)
    source = LoopedSource(video, name, minutes, detection_stride(probe.fps, config.detect_fps))
    marks = []  # peak RSS at each mark_minutes of footage

    def on_frame(frame: Frame, tracked) -> None:
        if frame.timestamp >= (len(marks) + 1) * mark_minutes * 60:
            marks.append(peak_rss_mib())
            wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
            minutes = len(marks) * mark_minutes
            print(
                f"  {name} at {minutes:g} min of footage: {wall:.0f} s wall, {cpu:.0f} s CPU, "
                f"peak RSS {marks[-1]:.0f} MiB",
                flush=True,
            )

    started, cpu_started = time.perf_counter(), cpu_seconds()
    spec = CameraSpec(name, video)
    processed = process_camera(spec, source, detector, tracklet_embedder, config, tracker_embedder, on_frame, False)
    return {
        "camera": name,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu_started,
        "load_seconds": started - loaded,
        "rss_mark": marks[0] if marks else None,
        "rss_end": peak_rss_mib(),
        "tracklets": len(processed.result.tracklets),
        "boxes": len(processed.result.boxes),
        "frames_detected": -(-source.frame_count // source.step),
    }


def scale_row(args, embedder: str) -> None:
    config = RunConfig(detect_fps=args.detect_fps)
    names = [f"pets{i}" for i in range(args.cameras)]
    started = time.perf_counter()
    if args.workers == 1 and args.cameras == 1:
        results = [process_looped(names[0], args.minutes, config, embedder, args.assets, args.mark_minutes)]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(args.workers, context) as pool:
            jobs = [(n, args.minutes, config, embedder, args.assets, args.mark_minutes) for n in names]
            futures = [pool.submit(process_looped, *job) for job in jobs]
            results = [future.result() for future in futures]
    wall = time.perf_counter() - started
    camera_hours = args.cameras * args.minutes / 60
    mark = [r["rss_mark"] for r in results if r["rss_mark"] is not None]
    print(
        "| cameras | workers | footage per camera (min) | detect fps | wall (s) | min per camera-hour | x real time "
        "| detected frames/s | CPU min per camera-hour "
        f"| peak RSS per worker at {args.mark_minutes:g} min (MiB) | at end (MiB) | tracklets per camera |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    frames = sum(r["frames_detected"] for r in results)
    print(
        f"| {args.cameras} | {args.workers} | {args.minutes:g} | {args.detect_fps:g} | {wall:.0f} | "
        f"{wall / 60 / camera_hours:.1f} | {camera_hours * 3600 / wall:.2f} | {frames / wall:.1f} | "
        f"{sum(r['cpu_seconds'] for r in results) / 60 / camera_hours:.1f} | "
        f"{max(mark) if mark else float('nan'):.0f} | {max(r['rss_end'] for r in results):.0f} | "
        f"{', '.join(str(r['tracklets']) for r in results)} |"
    )
    for r in results:
        print(
            f"  {r['camera']}: {r['seconds']:.0f} s processing ({r['cpu_seconds']:.0f} s CPU), "
            f"models loaded in {r['load_seconds']:.1f} s, {r['boxes']} boxes"
        )


def builder_rows(args) -> None:
    """The per-camera box memory alone, without models: a PETS-like stream (``--detect-fps`` of a 10 fps video,
    6 people on screen, a new person in each place every 30 s) through :class:`TrackletBuilder`, flushed as
    :func:`crosscam.pipeline.process_camera` flushes it, at 10 and ``--minutes`` minutes. Python's allocations
    (tracemalloc): what the builder holds just before the camera ends, and the peak while it ends."""
    import tracemalloc

    import numpy as np

    from crosscam.associate.tracklet_builder import CropConfig, TrackletBuilder
    from crosscam.detect.base import Detections
    from crosscam.embed.hsv import HsvStripesEmbedder
    from crosscam.pipeline import FLUSH_SECONDS

    stride = detection_stride(10.0, args.detect_fps)
    image = np.zeros((64, 64, 3), np.uint8)
    xyxy = np.array([[2 + 8 * k, 2, 8 + 8 * k, 30] for k in range(6)], np.float32)
    embedder = HsvStripesEmbedder()
    print(
        "| footage (min) | boxes out | held before the end (MiB) | bytes per box | peak while ending (MiB) "
        "| bytes per box |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for minutes in sorted({10.0, args.minutes}):
        builder, flushed = TrackletBuilder("synthetic", CropConfig(min_boxes=3), stride), 0.0
        per_track = round(30 * 10 / stride)
        tracemalloc.start()
        for i in range(round(minutes * 60 * 10 / stride)):
            t = stride * i / 10
            ids = np.arange(6) + 6 * (i // per_track)
            moved = xyxy + np.float32(i % 7)
            builder.add(Frame("synthetic", stride * i, t, image), Detections(moved, np.ones(6, np.float32), ids))
            if t - flushed >= FLUSH_SECONDS:
                builder.flush(embedder, t, 1.0)
                flushed = t
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        boxes = len(builder.finish(embedder).boxes)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"| {minutes:g} | {boxes} | {held / 2**20:.1f} | {held / boxes:.0f} | {peak / 2**20:.1f} | "
            f"{peak / boxes:.0f} |"
        )


def idf1_rows(args, embedder: str) -> None:
    from crosscam.backends import models_for
    from crosscam.eval.tracking import evaluate_mot
    from crosscam.pipeline import process_camera

    folder = resolve_dataset("pets09_s2l1", args.assets)
    video = str(folder / "vtest.avi")
    print("| detection rate | detected frames | HOTA | IDF1 | MOTA | IDSW | tracklets | seconds |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for detect_fps in (None, args.detect_fps):
        config = RunConfig(detect_fps=detect_fps)
        detector, tracklet_embedder, tracker_embedder = models_for(
            embedder, config.detector, config.detector_input, config.tracker_embedder, args.assets
        )
        probe = open_source(video, "pets")
        stride = detection_stride(probe.fps, detect_fps)
        source = open_source(video, "pets", step=stride)
        started = time.perf_counter()
        spec = CameraSpec("pets", video)
        processed = process_camera(spec, source, detector, tracklet_embedder, config, tracker_embedder, None, False)
        seconds = time.perf_counter() - started
        scores = evaluate_mot(folder / "gt" / "gt.txt", processed.result.boxes.to_mot())
        label = f"every frame ({probe.fps:g} fps)" if detect_fps is None else f"--detect-fps {detect_fps:g}"
        print(
            f"| {label} | {-(-probe.frame_count // stride)} | {scores['HOTA']:.1f} | {scores['IDF1']:.1f} | "
            f"{scores['MOTA']:.1f} | {scores['IDSW']:.0f} | {len(processed.result.tracklets)} | {seconds:.0f} |"
        )


def main() -> None:
    from crosscam.embed.registry import default_embedder_name

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="footage per camera (default 10)")
    parser.add_argument("--cameras", type=int, default=1)
    parser.add_argument(
        "--mark-minutes", type=float, default=MARK_MINUTES, help="print peak RSS every this much footage (default 10)"
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--detect-fps", type=float, default=5.0)
    parser.add_argument("--idf1", action="store_true", help="PETS09-S2L1 accuracy at every frame and --detect-fps")
    parser.add_argument(
        "--builder-only", action="store_true", help="the box memory of a synthetic camera alone, at 10 and --minutes"
    )
    parser.add_argument("--assets", type=Path, default=None)
    args = parser.parse_args()
    args.assets = None if args.assets is None else str(args.assets)
    if args.builder_only:
        builder_rows(args)
        return
    embedder = default_embedder_name(args.assets)
    print(f"tracklet embedder {embedder}; tracker embedder {RunConfig().tracker_embedder}")
    if args.idf1:
        idf1_rows(args, embedder)
    else:
        scale_row(args, embedder)


if __name__ == "__main__":
    main()
