"""The main job as a function: footage of several cameras -> who appears where and when, in one run folder.

:func:`run_cameras` opens each camera, processes it (:func:`crosscam.pipeline.process_camera`), stores it
(:class:`crosscam.store.index_store.IndexStore`, one transaction per camera, so an interrupted run resumes where
it stopped), associates all stored tracklets into identities (:func:`crosscam.associate.associate.associate`),
and writes ``identities.json`` / ``.csv``, ``report.html``, ``thumbnails/`` and annotated ``videos/`` (drawn from
``frames/``, each camera's frames recorded as they were processed: see :mod:`crosscam.viz.identity_video`). The
store's metadata (embedder, its calibration, detector, assets folder) lets ``crosscam query`` search it.

Example:
    >>> import crosscam
    >>> result = crosscam.run_cameras(["lab_a=Double1.mp4", "lab_b=Single1.mp4"], out="out/epfl")  # doctest: +SKIP
    >>> [identity.cameras for identity in result.identities]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from crosscam.cameras import CameraSpec, parse_camera_spec, validate_cameras
from crosscam.config import TRACKER_EMBEDDER, RunConfig
from crosscam.errors import CrosscamError
from crosscam.names import safe_file_stem
from crosscam.store.identities import source_name
from crosscam.types import RunResult

if TYPE_CHECKING:
    from crosscam.backends import Backend

THUMBNAILS = "thumbnails"
FRAMES = "frames"  # each camera's processed frames, captioned: the videos are drawn from them after association
MTMC = "mtmc"  # multi-camera tracks with global ids: <camera>.txt (MOT), aicity.txt, cameras.txt
log = logging.getLogger(__name__)


def run_cameras(
    cameras: Sequence[str | CameraSpec],
    out: str | Path,
    config: RunConfig | None = None,
    assets: str | Path | None = None,
    fresh: bool = False,
    videos: bool = True,
    backend: Backend | None = None,
) -> RunResult:
    """Process, store and associate ``cameras`` (``NAME=SOURCE[@START_TIME]`` strings or :class:`CameraSpec` s).

    ``out`` is the run folder; an index already there is resumed (cameras stored from the same source are not
    processed again) unless ``fresh``, which deletes only what crosscam wrote there (its manifest,
    :mod:`crosscam.store.manifest`) and refuses when the folder holds a source or other files. Every source is
    probed before any camera is processed (all problems in one error). ``assets`` is the weights folder
    (default: ``$CROSSCAM_ASSETS``). Progress and notes go to the ``crosscam.run`` logger. ``backend`` processes
    the cameras (default: one after another in this process; see :mod:`crosscam.backends`); this process alone
    writes the store. Identities keep
    the numbers an earlier run of the index gave them (:mod:`crosscam.associate.incremental`).
    """
    from crosscam.assets import search_roots
    from crosscam.associate.calibration import load_calibration
    from crosscam.backends import CameraJob, InProcessBackend
    from crosscam.embed.registry import default_embedder_name
    from crosscam.io.probe import probe_sources
    from crosscam.privacy.face_blur import blur_faces
    from crosscam.store.index_store import IndexStore
    from crosscam.store.manifest import check_out_folder, record_outputs, remove_run_outputs

    config = config or RunConfig()
    specs = [parse_camera_spec(c) if isinstance(c, str) else c for c in cameras]
    if not specs:
        raise CrosscamError("no cameras given: use --camera NAME=SOURCE (repeatable) or --cameras FILE.yaml")
    validate_cameras(specs, config)
    out = check_out_folder(out)
    probe_sources(specs)
    assets = None if assets is None else str(assets)
    embedder_name = config.embedder or default_embedder_name(assets)
    calibration = load_calibration(embedder_name)
    if fresh:
        for path in remove_run_outputs(out, sources=[spec.source for spec in specs]):
            log.debug("--fresh: removed %s", path)
    store = IndexStore.create(out)
    previous = store.meta().get("embedder")
    if previous and previous != embedder_name:
        raise CrosscamError(f"{out}: index was built with embedder {previous!r}; use --fresh or another --out")
    # The first asset directory searched (assets or $CROSSCAM_ASSETS) lets `crosscam query` find the same models.
    assets_dir = str(search_roots(assets)[0].resolve())
    store.set_meta(embedder=embedder_name, detector=config.detector, calibration=asdict(calibration), assets=assets_dir)
    store.set_meta(blur=config.blur)  # `crosscam serve` blurs the clips it cuts from the sources likewise
    (out / THUMBNAILS).mkdir(exist_ok=True)
    jobs = []
    for spec in specs:
        if store.camera_done(spec.name, spec.source):
            log.info("%s: already in the index, skipped (use --fresh to redo)", spec.name)
            continue
        recording = str(_recording(out, spec.name)) if videos else None
        jobs.append(CameraJob(spec, config, embedder_name, assets, recording))
    truncated = dict(store.meta().get("truncated") or {})
    for processed in (backend or InProcessBackend()).process(jobs):
        name = processed.camera.name
        tracklets, written = [], []
        for tracklet in processed.result.tracklets:
            thumbnail = f"{THUMBNAILS}/{safe_file_stem(name, tracklet.track_id)}.jpg"
            if config.blur:
                cv2.imwrite(str(out / thumbnail), blur_faces(processed.result.thumbnail(tracklet.track_id)))
            else:
                (out / thumbnail).write_bytes(processed.result.thumbnails[tracklet.track_id])
            tracklets.append(replace(tracklet, thumbnail=thumbnail))
            written.append(out / thumbnail)
        if processed.truncation is not None:
            log.warning("warning: %s", truncation_note(processed.truncation))
            truncated[name] = truncation_record(processed.truncation)
        else:
            truncated.pop(name, None)
        record_outputs(out, [*written, *([_recording(out, name)] if videos else [])])
        store.set_meta(truncated=truncated)
        store.add_camera(processed.camera, tracklets, processed.result.boxes)
        log.info("%s: %d tracklets", name, len(tracklets))
    stored = store.tracklets()
    _update_vector_index(store, stored, {job.spec.name for job in jobs})
    identities, files, _, _ = associate_index(
        store, config, calibration, embedder_name, videos=videos, tracklets=stored
    )
    stored_cameras = tuple(store.cameras())
    store.close()
    return RunResult(out, stored_cameras, identities, files)


def associate_index(
    store,
    config: RunConfig,
    calibration,
    embedder_name: str,
    threshold: float | None = None,
    videos: bool = True,
    tracklets: Sequence | None = None,
):
    """Associate every stored tracklet and write the run's outputs (identities, corrections, MTMC files, videos,
    report), keeping the identity numbers the index gave before and the investigators' corrections.

    Shared by :func:`run_cameras` and ``crosscam associate``. ``threshold`` overrides the calibrated one.
    Returns ``(identities, files, number changes, link constraints)``.
    """
    from crosscam.associate.associate import associate
    from crosscam.associate.constraints import LinkConstraints
    from crosscam.associate.incremental import keep_identity_numbers
    from crosscam.serve.corrections import export_corrections
    from crosscam.store.identities import write_corrections, write_identities
    from crosscam.store.manifest import record_outputs

    out = store.folder
    truncated = store.meta().get("truncated") or {}
    stored_cameras = store.cameras()
    grounds = config.association.grounds
    names = {camera.name for camera in stored_cameras}
    boxes = {name: store.boxes(name) for name in grounds if name in names}
    stored = store.tracklets() if tracklets is None else tracklets
    corrections = export_corrections(out)  # what investigators corrected in `crosscam serve`: always kept
    links = LinkConstraints.from_export(corrections)
    threshold = calibration.threshold if threshold is None else threshold
    association = associate(stored, boxes, stored_cameras, config.association, threshold, links)
    for line in association.refinement:
        log.info("ground plane %s", line.describe())
    if grounds and config.association.refine_grounds:
        store.set_meta(ground_refinement=[line.describe() for line in association.refinement])
    identities, changes = keep_identity_numbers(store, stored, association)
    for line in changes.describe():
        log.info(line)
    store.set_identities(identities)
    blocked = blocked_notes(association.blocked, stored, identities)
    if blocked:
        log.warning(
            "note: %d merge(s) that appearance alone would make were blocked by transit windows or the ground plane "
            "(listed in the report); first: %s",
            len(blocked),
            blocked[0],
        )
    store.set_meta(blocked_merges=blocked)
    json_path, csv_path = write_identities(identities, stored_cameras, out, truncated)
    files = {"identities.json": json_path, "identities.csv": csv_path}
    if corrections["log"]:
        files["corrections.json"] = write_corrections(out, corrections)
    files.update(_write_mtmc(store, identities, association.grounds))
    if videos:
        files.update(_render_videos(store, identities))
    record_outputs(out, files.values())
    files["report"] = _write_report(store, identities, embedder_name, calibration, config, files, truncated, blocked)
    record_outputs(out, [files["report"], out / "timeline.png"])
    return identities, files, changes, links


def blocked_notes(blocked, tracklets: Sequence, identities) -> list[str]:
    """One line per blocked merge (:mod:`crosscam.associate.blocked`), with the identities' final numbers."""
    number = {a.tracklet.id: identity.global_id for identity in identities for a in identity.appearances}
    lines = []
    for merge in blocked:
        a, b = tracklets[merge.first], tracklets[merge.second]
        lines.append(
            f"P{number.get(a.id)} ({a.camera} track {a.track_id}) and P{number.get(b.id)} ({b.camera} track "
            f"{b.track_id}): cosine {merge.similarity:.3f}, kept apart by the {merge.reason}"
        )
    return lines


def truncation_record(truncation) -> dict:
    """A :class:`~crosscam.io.frames.Truncation` as stored in the index and ``identities.json`` (file name only)."""
    return {
        "source": source_name(truncation.location),
        "frames_read": truncation.frames_read,
        "frames_announced": truncation.frames_announced,
    }


def truncation_note(truncation) -> str:
    """One line naming the file and how many of its announced frames were read."""
    record = truncation_record(truncation)
    return (
        f"{truncation.location}: video ended after {record['frames_read']} of {record['frames_announced']} "
        "frames (truncated or damaged; --strict makes this an error)"
    )


def tracker_embedder(name: str | None, assets: str | None):
    """The tracker's appearance model (None or ``none``: motion only); the default falls back to motion only when
    its assets are missing."""
    from crosscam.embed.registry import create_embedder

    if name is None or name == "none":
        return None
    try:
        return create_embedder(name, assets)
    except CrosscamError as error:
        if name != TRACKER_EMBEDDER:
            raise
        log.warning("note: tracking on motion only (%s)", error)
        return None


def _recording(folder: Path, camera: str) -> Path:
    return folder / FRAMES / f"{camera}.mp4"


def _update_vector_index(store, stored: Sequence, redone: set[str]) -> None:
    """``embeddings.faiss`` (:mod:`crosscam.store.vector_index`, what ``crosscam query`` searches) holds the
    ``stored`` tracklets: those no longer stored are removed, the missing ones and those of the ``redone`` cameras
    added (a camera processed again may get tracklet ids SQLite gave before)."""
    from crosscam.store.vector_index import FILE_NAME, VectorIndex

    path = store.folder / FILE_NAME
    if not stored and not path.is_file():
        return
    index = VectorIndex.load(path) if path.is_file() else VectorIndex(len(stored[0].embedding))
    indexed = set(index.items()[0].tolist())
    index.remove(sorted(indexed - {t.id for t in stored}))
    new = [t for t in stored if t.id not in indexed or t.camera in redone]
    if new:
        index.add([t.id for t in new], np.stack([t.embedding for t in new]))
    index.save(path)


def _write_mtmc(store, identities, grounds) -> dict[str, Path]:
    """``mtmc/``: each camera's boxes with global ids (MOT), the AI City file and its camera list (what
    ``crosscam eval-mtmc`` reads); ``grounds`` are the calibrations association used. ``mtmc/<name>`` -> path."""
    from crosscam.export.mtmc import write_mtmc

    boxes = [store.boxes(camera.name) for camera in store.cameras()]
    written = write_mtmc(store.folder / MTMC, boxes, identities, grounds)
    return {f"{MTMC}/{path.name}": path for path in written.values()}


def _render_videos(store, identities) -> dict[str, Path]:
    """Annotated video per camera with global ids, from the camera's recording; ``videos/<camera>`` -> path."""
    from crosscam.detect_rate import recorded_boxes, recording_stride
    from crosscam.io.frames import open_source
    from crosscam.viz.identity_video import write_identity_video

    videos = {}
    for camera in store.cameras():
        recording = _recording(store.folder, camera.name)
        if not recording.is_file():
            log.info("%s: no recording of its frames (processed with videos off); no video", camera.name)
            continue
        global_ids = {
            a.tracklet.track_id: identity.global_id
            for identity in identities
            for a in identity.appearances
            if a.camera == camera.name
        }
        path = store.folder / "videos" / f"{camera.name}.mp4"
        stride = recording_stride(camera.fps, open_source(recording, camera.name).fps)  # --detect-fps
        write_identity_video(recording, recorded_boxes(store.boxes(camera.name), stride), global_ids, path)
        videos[f"videos/{camera.name}"] = path
    return videos


def _write_report(
    store,
    identities,
    embedder_name,
    calibration,
    config: RunConfig,
    files: dict,
    truncated: dict | None = None,
    blocked: Sequence[str] = (),
) -> Path:
    from crosscam.viz.report import write_report

    meta = {
        "embedder": embedder_name,
        "detector": config.detector,
        "merge threshold (cosine, P(same) = 0.5)": f"{calibration.threshold:.4f}",
        "calibrated on": "; ".join(calibration.fitted_on),
        "faces": "blurred in thumbnails and videos" if config.blur else "NOT blurred (--no-blur)",
    }
    if blocked:
        meta["blocked merges"] = f"{len(blocked)}: " + "; ".join(blocked)
    if truncated:
        meta["truncated input"] = "; ".join(
            f"{camera}: {t['source']} ended after {t['frames_read']} of {t['frames_announced']} frames"
            for camera, t in sorted(truncated.items())
        )
    videos = {
        key.split("/", 1)[1]: str(path.relative_to(store.folder))
        for key, path in files.items()
        if key.startswith("videos/")
    }
    return write_report(identities, store.cameras(), meta, store.folder, videos)
