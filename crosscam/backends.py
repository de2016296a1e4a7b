"""Where cameras are processed: in this process, in local worker processes, or as tasks on a Ray cluster.

Every backend runs :func:`crosscam.pipeline.process_camera` on each :class:`CameraJob` and yields the
:class:`~crosscam.pipeline.ProcessedCamera` s as they finish; only the driver (:func:`crosscam.run.run_cameras`)
writes the store, one transaction per camera, so a run killed at any point resumes with the cameras not yet
stored. A job carries names, not models (model objects cannot be pickled): each worker builds its detector and
embedders once (:func:`models_for`) and reuses them for every camera it is given.

Progress is drawn by the driver only (:class:`Progress`: a bar per camera and one overall, each with the
expected time left); workers report frame counts to it through a queue.

Example:
    >>> backend = create_backend("local", workers=2)  # doctest: +SKIP
    >>> for processed in backend.process(jobs):  # doctest: +SKIP
    ...     store.add_camera(processed.camera, processed.result.tracklets, processed.result.boxes)
"""

from __future__ import annotations

import functools
import queue
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from crosscam.cameras import CameraSpec
from crosscam.config import RunConfig
from crosscam.detect_rate import detection_stride
from crosscam.errors import CrosscamError
from crosscam.io.frames import FrameSource
from crosscam.pipeline import ProcessedCamera

BACKENDS = ("local", "ray")
PROGRESS_EVERY = 10  # frames between two progress messages of a worker


@dataclass(frozen=True)
class CameraJob:
    """One camera to process, with everything a fresh worker process needs to build its models."""

    spec: CameraSpec
    config: RunConfig
    embedder: str  # the tracklet embedder's spec (already resolved from the config and the assets)
    assets: str | None = None  # weights folder; None: $CROSSCAM_ASSETS
    recording: str | None = None  # where to record the processed frames for the run's videos; None: not recorded


@functools.cache
def models_for(embedder: str, detector: str, detector_input, tracker_embedder: str | None, assets: str | None):
    """(detector, embedder, tracker embedder) built once per process for one set of names."""
    from crosscam.detect.registry import create_detector
    from crosscam.embed.registry import create_embedder
    from crosscam.run import tracker_embedder as create_tracker_embedder

    return (
        create_detector(detector, assets, detector_input),
        create_embedder(embedder, assets),
        create_tracker_embedder(tracker_embedder, assets),
    )


def open_camera(spec: CameraSpec, detect_fps: float | None) -> FrameSource:
    """The camera's frames at the detection rate (every frame when ``detect_fps`` is None)."""
    from crosscam.io.frames import open_source

    source = open_source(spec.source, spec.name)
    stride = detection_stride(source.fps, detect_fps)
    return source if stride == 1 else open_source(spec.source, spec.name, step=stride)


def process_job(job: CameraJob, report: Callable[[str, int], None] | None = None) -> ProcessedCamera:
    """Process one camera with this process's models; ``report(camera, frames)`` is called as frames are done."""
    from crosscam.pipeline import process_camera
    from crosscam.viz.identity_video import FrameRecorder

    config, spec = job.config, job.spec
    detector, embedder, tracker_embedder = models_for(
        job.embedder, config.detector, config.detector_input, config.tracker_embedder, job.assets
    )
    source = open_camera(spec, config.detect_fps)
    recorder = None
    if job.recording is not None:
        size = (source.width, source.height)
        recorder = FrameRecorder(Path(job.recording), source.fps / source.step, size, spec.start_time, config.blur)
    done = [0]

    def on_frame(frame, tracked) -> None:
        if recorder is not None:
            recorder(frame, tracked)
        done[0] += 1
        if report is not None and done[0] % PROGRESS_EVERY == 0:
            report(spec.name, PROGRESS_EVERY)

    try:
        processed = process_camera(spec, source, detector, embedder, config, tracker_embedder, on_frame, False)
    finally:
        if recorder is not None:
            recorder.close()
    if report is not None and done[0] % PROGRESS_EVERY:
        report(spec.name, done[0] % PROGRESS_EVERY)
    return processed


def _process_queued(job: CameraJob, messages) -> ProcessedCamera:
    """:func:`process_job` in a worker, its progress sent to the driver through ``messages``."""
    return process_job(job, lambda camera, frames: messages.put((camera, frames)))


class Progress:
    """Bars for each camera and overall (frames, with the expected time left), drawn by the driver."""

    def __init__(self, jobs: Sequence[CameraJob], enabled: bool = True):
        from tqdm import tqdm

        totals = {job.spec.name: _frames_to_process(open_camera(job.spec, job.config.detect_fps)) for job in jobs}
        known = None if None in totals.values() else sum(totals.values())
        disable = not enabled or not jobs
        self.overall = tqdm(total=known, desc="all cameras", unit="frame", position=0, disable=disable)
        self.bars = {
            name: tqdm(total=total, desc=f"track {name}", unit="frame", position=i + 1, leave=False, disable=disable)
            for i, (name, total) in enumerate(totals.items())
        }

    def advance(self, camera: str, frames: int) -> None:
        self.bars[camera].update(frames)
        self.overall.update(frames)

    def drain(self, messages) -> None:
        """Apply every progress message waiting in ``messages`` (a queue of ``(camera, frames)``)."""
        while True:
            try:
                camera, frames = messages.get_nowait()
            except queue.Empty:
                return
            self.advance(camera, frames)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.overall.close()


def _frames_to_process(source: FrameSource) -> int | None:
    if source.frame_count is None:
        return None
    return -(-max(source.frame_count - source.start_frame, 0) // source.step)


class Backend(Protocol):
    def process(self, jobs: Sequence[CameraJob], progress: bool = True) -> Iterator[ProcessedCamera]:
        """Each job's result, in the order they finish."""
        ...


class InProcessBackend:
    """One camera after another in this process (``--workers 1``)."""

    def process(self, jobs: Sequence[CameraJob], progress: bool = True) -> Iterator[ProcessedCamera]:
        bars = Progress(jobs, progress)
        try:
            for job in jobs:
                yield process_job(job, bars.advance)
        finally:
            bars.close()


class LocalPoolBackend:
    """Cameras in parallel in ``workers`` local processes (spawned: the models' thread pools do not survive fork)."""

    def __init__(self, workers: int):
        if workers < 1:
            raise CrosscamError(f"--workers must be at least 1, got {workers}")
        self.workers = workers

    def process(self, jobs: Sequence[CameraJob], progress: bool = True) -> Iterator[ProcessedCamera]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        if not jobs:
            return
        context = multiprocessing.get_context("spawn")
        bars = Progress(jobs, progress)
        with context.Manager() as manager, ProcessPoolExecutor(min(self.workers, len(jobs)), context) as pool:
            messages = manager.Queue()
            pending = {pool.submit(_process_queued, job, messages) for job in jobs}
            try:
                while pending:
                    finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    bars.drain(messages)
                    for future in finished:
                        yield future.result()
            finally:
                for future in pending:
                    future.cancel()
                bars.close()


class RayBackend:
    """Each camera a Ray task (``num_cpus`` each); ``address`` None starts or joins a local Ray instance.

    The tasks need crosscam and the assets folder on every node (the same path, or ``$CROSSCAM_ASSETS`` there).
    """

    def __init__(self, address: str | None = None, num_cpus: float = 1.0):
        try:
            import ray
        except ImportError:
            raise CrosscamError("--backend ray needs Ray: pip install 'crosscam[ray]'") from None
        self.ray = ray
        self.num_cpus = num_cpus
        if not ray.is_initialized():
            ray.init(address=address, log_to_driver=False)

    def process(self, jobs: Sequence[CameraJob], progress: bool = True) -> Iterator[ProcessedCamera]:
        from ray.util.queue import Queue

        if not jobs:
            return
        ray = self.ray
        bars = Progress(jobs, progress)
        messages = Queue()
        task = ray.remote(num_cpus=self.num_cpus)(_process_queued)
        pending = [task.remote(job, messages) for job in jobs]
        try:
            while pending:
                finished, pending = ray.wait(pending, num_returns=1, timeout=0.5)
                bars.drain(messages)
                for ref in finished:
                    yield ray.get(ref)
        finally:
            for ref in pending:
                ray.cancel(ref)
            bars.close()
            messages.shutdown()


def create_backend(name: str = "local", workers: int = 1, address: str | None = None) -> Backend:
    """``local`` with ``workers`` processes (1: this process), or ``ray`` (at ``address``; None: a local instance)."""
    if name == "local":
        if address is not None:
            raise CrosscamError("--ray-address needs --backend ray")
        return InProcessBackend() if workers == 1 else LocalPoolBackend(workers)
    if name == "ray":
        return RayBackend(address)
    raise CrosscamError(f"unknown backend {name!r}; known: {', '.join(BACKENDS)}")
