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

Both call :func:`crosscam.associate.associate.associate`, the function ``crosscam run`` calls, and
the MultiviewX tracklets come from the same :class:`~crosscam.associate.tracklet_builder.TrackletBuilder`.
The merge threshold is the embedder's shipped calibration (P(same) = 0.5), fitted on
CUHK03 pair-1 train + CUHK01 train ids, never on these data.

    .venv/bin/python benchmarks/association.py [--embedder SPEC [--calibration FILE]] [--site-adaptation]

A fused spec has no shipped calibration: make one first with
``crosscam calibrate --embedder SPEC --out FILE`` (the same CUHK03 + CUHK01 train pairs).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from crosscam.assets import resolve_dataset
from crosscam.associate.associate import AssociationConfig, associate
from crosscam.associate.calibration import Calibration, load_calibration, tracklet_embeddings
from crosscam.associate.ground_plane import GroundCalibration
from crosscam.associate.tracklet_builder import CropConfig, TrackletBuilder
from crosscam.detect.base import Detections
from crosscam.embed.registry import create_embedder, default_embedder_name
from crosscam.eval.association import identity_f1, pairwise_scores
from crosscam.imageio import read_bgr
from crosscam.io.frames import Frame
from crosscam.reid.datasets import load_dataset
from crosscam.reid.features import embed_samples
from crosscam.types import Camera, Tracklet

MULTIVIEWX_FPS = 2.0  # annotated frame rate; only the ordering matters here
DEFAULT = AssociationConfig()  # what `crosscam run` uses


def multiviewx_calibrations(root: Path, cameras) -> dict[str, GroundCalibration]:
    """The sample's calibrations (camera Cn <-> Cameran files)."""
    return {
        camera: GroundCalibration.from_opencv_xml(
            root / "calibrations" / "intrinsic" / f"intr_Camera{camera[1:]}.xml",
            root / "calibrations" / "extrinsic" / f"extr_Camera{camera[1:]}.xml",
        )
        for camera in cameras
    }


def multiviewx(embedder, threshold: float, root: Path, ground: str = "none", base: AssociationConfig = DEFAULT) -> dict:
    """``ground``: "none" (appearance only), "given" (the sample's calibrations) or "refined" (checked and
    repaired from the people the cameras see, :mod:`crosscam.associate.ground_refinement`). ``base``: the other
    association settings (site adaptation)."""
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
            builder = builders.setdefault(camera_dir.name, TrackletBuilder(camera_dir.name, CropConfig(min_boxes=1)))
            builder.add(frame, detections)
    built = {camera: builder.finish(embedder) for camera, builder in builders.items()}
    tracklets = [tracklet for camera in built.values() for tracklet in camera.tracklets]
    boxes_by_camera = {camera: result.boxes for camera, result in built.items()}
    cameras = [Camera(name, str(root / "Image_subsets" / name), fps=MULTIVIEWX_FPS) for name in built]
    config = base
    if ground != "none":
        grounds = multiviewx_calibrations(root, built)
        config = replace(base, grounds=grounds, refine_grounds=ground == "refined")
    association = associate(tracklets, boxes_by_camera, cameras, config, threshold)
    labels = association.labels
    true_ids = [tracklet.track_id for tracklet in tracklets]
    pairs = pairwise_scores(true_ids, labels)
    label_of = {tracklet.key: label for tracklet, label in zip(tracklets, labels, strict=True)}
    steps, gt, predicted = [], [], []
    for camera, boxes in boxes_by_camera.items():
        for frame, track_id in zip(boxes.frame.tolist(), boxes.track_id.tolist(), strict=True):
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
        "identities": len(association.identities),
        "notes": [r.describe() for r in association.refinement],
    }


def cuhk01(embedder, threshold: float, root: Path, split_seed: int = 0, base: AssociationConfig = DEFAULT) -> dict:
    split = load_dataset("cuhk01", root, split_seed=split_seed)
    samples = [*split.query, *split.gallery]
    embeddings, pids, camids = tracklet_embeddings(embed_samples(embedder, samples), samples)
    # One person is seen once per view: each (view, person) is one tracklet spanning the same second.
    tracklets = [
        Tracklet(str(camera), int(pid), 0.0, 1.0, 0, 1, 2, 2, embedding)
        for embedding, pid, camera in zip(embeddings, pids, camids, strict=True)
    ]
    cameras = [Camera(name, "") for name in sorted({t.camera for t in tracklets})]
    labels = associate(tracklets, {}, cameras, base, threshold).labels
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
    parser.add_argument(
        "--embedder", default=None, help="embedder spec, e.g. 'openvino-0277*0.5+openvino-0287:flip*0.5'"
    )
    parser.add_argument("--assets", default=None)
    parser.add_argument(
        "--calibration", type=Path, default=None, help="calibration JSON (`crosscam calibrate --out`; default: shipped)"
    )
    parser.add_argument("--site-adaptation", action="store_true", help="centre each camera's tracklet embeddings")
    parser.add_argument("--whitening", action="store_true", help="and whiten them (with --site-adaptation)")
    parser.add_argument("--min-camera-tracklets", type=int, default=DEFAULT.min_camera_tracklets)
    parser.add_argument("--co-visible-margin", type=float, default=DEFAULT.co_visible_margin)
    args = parser.parse_args()
    name = args.embedder or default_embedder_name(args.assets)
    embedder = create_embedder(name, args.assets)
    calibration = Calibration.load(args.calibration) if args.calibration else load_calibration(name)
    base = replace(
        DEFAULT,
        site_adaptation=args.site_adaptation,
        whitening=args.whitening,
        min_camera_tracklets=args.min_camera_tracklets,
        co_visible_margin=args.co_visible_margin,
    )
    rows = []
    for label, evaluate, dataset in (
        ("(a) MultiviewX, appearance only", partial(multiviewx, ground="none", base=base), "multiviewx_sample"),
        (
            "(a) MultiviewX + ground plane, given calibrations",
            partial(multiviewx, ground="given", base=base),
            "multiviewx_sample",
        ),
        (
            "(a) MultiviewX + ground plane, refined calibrations",
            partial(multiviewx, ground="refined", base=base),
            "multiviewx_sample",
        ),
        ("(b) CUHK01", partial(cuhk01, base=base), "cuhk01"),
    ):
        started = time.perf_counter()
        result = evaluate(embedder, calibration.threshold, resolve_dataset(dataset, args.assets))
        rows.append((label, result, time.perf_counter() - started))
        for note in result["notes"]:
            print(f"{label}: {note}")
    print(f"\nembedder {name}, merge threshold cosine {calibration.threshold:.4f} (calibrated P = 0.5)")
    print(
        f"site adaptation: {base.site_adaptation} (whitening {base.whitening}, at least {base.min_camera_tracklets} "
        f"tracklets per camera); co-visible margin {base.co_visible_margin}\n"
    )
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
