"""Cross-camera association against ground truth: pairwise same-person F1 and IDF1.

(a) MultiviewX sample: 6 synchronised cameras, 10 frames, ground-truth boxes used as
    tracklets (one tracklet per person per camera), crops filtered and embedded exactly as
    ``crosscam run`` does; pairwise precision / recall / F1 over tracklet pairs and IDF1
    (TrackEval Identity) over boxes against personID. Three times: appearance only; with the
    ground-plane evidence of the sample's camera calibrations as given; and with those
    calibrations checked against each other and repaired from the people the cameras see
    (two of the six are metres off).
(b) CUHK01 test ids of split seed 0 (486 people): each person's two crops per camera view
    are one tracklet; pairwise F1.

The merge threshold is the embedder's shipped calibration (P(same) = 0.5), fitted on
CUHK03 pair-1 train + CUHK01 train ids, never on these data.

    .venv/bin/python benchmarks/association.py [--embedder NAME]
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

import numpy as np

from crosscam.assets import resolve_dataset
from crosscam.associate.calibration import load_calibration, tracklet_embeddings
from crosscam.associate.clustering import TrackletSpan, cluster_tracklets
from crosscam.associate.ground_plane import GroundCalibration, GroundTrack, foot_points, ground_evidence
from crosscam.associate.ground_refinement import FootTrack, refine_calibrations
from crosscam.associate.tracklet_builder import TrackletBuilder
from crosscam.detect.base import Detections
from crosscam.embed.base import l2_normalize
from crosscam.embed.registry import create_embedder, default_embedder_name
from crosscam.eval.association import identity_f1, pairwise_scores
from crosscam.imageio import read_bgr
from crosscam.io.frames import Frame
from crosscam.reid.datasets import load_dataset
from crosscam.reid.features import embed_samples

MULTIVIEWX_FPS = 2.0  # annotated frame rate; only the ordering matters here


def multiviewx_foot_tracks(builders: dict, tracklets: list) -> list[FootTrack]:
    """Image foot points over time of each ground-truth tracklet."""
    tracks = []
    for camera, track in tracklets:
        rows = np.array([row for row in builders[camera].rows if row[1] == track.track_id])
        tracks.append(FootTrack(camera, rows[:, 0] / MULTIVIEWX_FPS, foot_points(rows[:, 2:6])))
    return tracks


def multiviewx_calibrations(root: Path, cameras) -> dict[str, GroundCalibration]:
    """The sample's calibrations (camera Cn <-> Cameran files)."""
    return {
        camera: GroundCalibration.from_opencv_xml(
            root / "calibrations" / "intrinsic" / f"intr_Camera{camera[1:]}.xml",
            root / "calibrations" / "extrinsic" / f"extr_Camera{camera[1:]}.xml",
        )
        for camera in cameras
    }


def multiviewx(embedder, threshold: float, root: Path, ground: str = "none") -> dict:
    """``ground``: "none" (appearance only), "given" (the sample's calibrations) or "refined" (checked and
    repaired from the people the cameras see, :mod:`crosscam.associate.ground_refinement`)."""
    builders, num_boxes = {}, 0
    for annotation in sorted((root / "annotations_positions").glob("*.json")):
        frame_index = int(annotation.stem) - 1  # 0000N.json belongs to image N-1
        people = json.loads(annotation.read_text())
        for camera_dir in sorted((root / "Image_subsets").iterdir()):
            view = int(camera_dir.name[1:]) - 1
            image = read_bgr(camera_dir / f"{frame_index:04d}.jpg")
            boxes, ids = [], []
            for person in people:
                v = person["views"][view]
                if v["xmin"] == -1:
                    continue
                boxes.append([v["xmin"], v["ymin"], v["xmax"], v["ymax"]])
                ids.append(person["personID"])
            if not boxes:
                continue
            num_boxes += len(boxes)
            detections = Detections(np.array(boxes, np.float32), np.ones(len(boxes), np.float32), np.array(ids))
            frame = Frame(camera_dir.name, frame_index, frame_index / MULTIVIEWX_FPS, image)
            builders.setdefault(camera_dir.name, TrackletBuilder(min_boxes=1)).add(frame, detections)
    tracklets = [(camera, track) for camera, builder in builders.items() for track in builder.finish()]
    embeddings = np.stack(
        [l2_normalize(embedder.embed(track.embedding_crops()).mean(0, keepdims=True))[0] for _, track in tracklets]
    )
    spans = [TrackletSpan(camera, track.timestamps[0], track.timestamps[-1]) for camera, track in tracklets]
    evidence, notes = {}, []
    if ground != "none":
        feet = multiviewx_foot_tracks(builders, tracklets)
        calibrations = multiviewx_calibrations(root, builders)
        if ground == "refined":
            calibrations, report = refine_calibrations(feet, embeddings, calibrations)
            notes = [r.describe() for r in report]
        positions = [GroundTrack(f.times, calibrations[f.camera].image_to_ground(f.points)) for f in feet]
        apart, together = ground_evidence(positions, [camera for camera, _ in tracklets])
        evidence = {"apart": apart, "together": together}
    labels = cluster_tracklets(embeddings, spans, threshold, **evidence)
    true_ids = [track.track_id for _, track in tracklets]
    pairs = pairwise_scores(true_ids, labels)
    label_of = {(camera, track.track_id): label for (camera, track), label in zip(tracklets, labels, strict=True)}
    steps, gt, predicted = [], [], []
    for camera, builder in builders.items():
        for frame, track_id, *_ in builder.rows:
            steps.append(f"{camera}/{frame}")
            gt.append(track_id)
            predicted.append(label_of[(camera, track_id)])
    idf1 = identity_f1(steps, gt, predicted)
    return {
        "data": f"MultiviewX sample: {len(builders)} cameras, {num_boxes} boxes, {len(set(true_ids))} people, "
        f"{len(tracklets)} tracklets",
        "precision": pairs.precision,
        "recall": pairs.recall,
        "f1": pairs.f1,
        "idf1": idf1["IDF1"],
        "identities": int(labels.max()) + 1,
        "notes": notes,
    }


def cuhk01(embedder, threshold: float, root: Path, split_seed: int = 0) -> dict:
    split = load_dataset("cuhk01", root, split_seed=split_seed)
    samples = [*split.query, *split.gallery]
    embeddings, pids, camids = tracklet_embeddings(embed_samples(embedder, samples), samples)
    spans = [TrackletSpan(str(camera), 0.0, 1.0) for camera in camids]  # one person is seen once per view
    labels = cluster_tracklets(embeddings, spans, threshold)
    pairs = pairwise_scores(pids, labels)
    return {
        "data": f"CUHK01 test ids, split seed {split_seed}: {len(set(pids))} people x 2 views = {len(pids)} tracklets",
        "precision": pairs.precision,
        "recall": pairs.recall,
        "f1": pairs.f1,
        "idf1": float("nan"),
        "identities": int(labels.max()) + 1,
        "notes": [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", default=None)
    parser.add_argument("--assets", default=None)
    args = parser.parse_args()
    name = args.embedder or default_embedder_name(args.assets)
    embedder = create_embedder(name, args.assets)
    calibration = load_calibration(name)
    rows = []
    for label, evaluate, dataset in (
        ("(a) MultiviewX, appearance only", partial(multiviewx, ground="none"), "multiviewx_sample"),
        ("(a) MultiviewX + ground plane, given calibrations", partial(multiviewx, ground="given"), "multiviewx_sample"),
        (
            "(a) MultiviewX + ground plane, refined calibrations",
            partial(multiviewx, ground="refined"),
            "multiviewx_sample",
        ),
        ("(b) CUHK01", cuhk01, "cuhk01"),
    ):
        started = time.perf_counter()
        result = evaluate(embedder, calibration.threshold, resolve_dataset(dataset, args.assets))
        rows.append((label, result, time.perf_counter() - started))
        for note in result["notes"]:
            print(f"{label}: {note}")
    print(f"\nembedder {name}, merge threshold cosine {calibration.threshold:.4f} (calibrated P = 0.5)\n")
    print("| set | data | identities | pair precision | pair recall | pair F1 | IDF1 | seconds |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, r, seconds in rows:
        idf1 = "–" if np.isnan(r["idf1"]) else f"{r['idf1']:.3f}"
        print(
            f"| {label} | {r['data']} | {r['identities']} | {r['precision']:.3f} | {r['recall']:.3f} | "
            f"{r['f1']:.3f} | {idf1} | {seconds:.0f} |"
        )


if __name__ == "__main__":
    main()
