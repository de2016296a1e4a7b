"""Multi-camera tracking end to end on the MultiviewX sample: raw frames -> `crosscam run` -> `crosscam eval-mtmc`.

Unlike ``benchmarks/association.py`` (ground-truth boxes as tracklets), this runs the product on the six image
folders: detection, tracking, embedding and association, through :func:`crosscam.run.run_cameras` exactly as
``crosscam run`` calls it; once without calibrations (appearance and time only) and once with the sample's
calibrations in a cameras file (``calibration:`` entries, :mod:`crosscam.cameras`), checked and repaired from the
people seen as ``crosscam run`` does by default. The run's ``mtmc/<camera>.txt`` files are scored with the
function ``crosscam eval-mtmc`` calls (:func:`crosscam.eval.mtmc.evaluate_mtmc`, TrackEval) against ground truth
built here from the WILDTRACK-format ``annotations_positions`` (``0000N.json`` is image ``N-1``, MOT frame ``N``;
boxes clipped to the 1920 x 1080 image, ids ``personID + 1``, the same in every camera).

MultiviewX (like WILDTRACK, whose layout it copies) annotates only the people standing on its 25 m x 16 m ground
grid, and its standard evaluation (MODA / MODP on that grid, MVDet's toolkit) scores nothing outside it: a
person walking beside the grid is not in the ground truth, and detecting them is not an error. So besides the
score over every predicted box, the table gives the score with the predictions outside the annotated area dropped
(a don't-care region, as MOTChallenge's ignore regions): a box is outside when its foot point, mapped to the
ground by a homography fitted per camera to the ground truth's own foot points and grid positions (not the
sample's calibration files, three of which are metres off), is more than ``AREA_MARGIN`` beyond the grid.

    .venv/bin/python benchmarks/multiviewx_mtmc.py [--out DIR] [--root DIR]

then, for either run, ``crosscam eval-mtmc --gt DIR/gt --run DIR/calibrated`` prints the same figures per camera.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from crosscam.track.mot import write_mot

WIDTH, HEIGHT = 1920, 1080
CAMERAS = [f"C{i}" for i in range(1, 7)]
GRID_WIDTH, CELL = 1000, 0.025  # positionID = x + 1000 y on a 1000 x 640 grid of 2.5 cm cells: 25 m x 16 m
AREA = (25.0, 16.0)
AREA_MARGIN = 1.0  # metres: about the error of a box's bottom edge as a foot point, so no annotated person is cut


def ground_truth_rows(root: Path) -> dict[str, np.ndarray]:
    """``{camera: MOT ground-truth rows}`` with global ids, from the sample's ``annotations_positions``."""
    rows: dict[str, list] = {camera: [] for camera in CAMERAS}
    for annotation in sorted((root / "annotations_positions").glob("*.json")):
        frame = int(annotation.stem)  # 0000N.json belongs to image N-1, MOT frame N
        for person in json.loads(annotation.read_text()):
            for view in person["views"]:
                if view["xmin"] == -1:
                    continue
                x1, y1 = max(0, view["xmin"]), max(0, view["ymin"])
                x2, y2 = min(WIDTH, view["xmax"]), min(HEIGHT, view["ymax"])
                if x2 > x1 and y2 > y1:
                    rows[CAMERAS[view["viewNum"]]].append(
                        [frame, person["personID"] + 1, x1, y1, x2 - x1, y2 - y1, 1, 1, 1, -1]
                    )
    return {camera: np.array(r, dtype=np.float64).reshape(-1, 10) for camera, r in rows.items()}


def area_homographies(root: Path) -> dict[str, np.ndarray]:
    """Per camera, the image -> ground homography (metres) fitted to the annotated foot points (bottom centre of
    each unclipped box) and their grid positions, with RANSAC."""
    import cv2

    points: dict[str, tuple[list, list]] = {camera: ([], []) for camera in CAMERAS}
    for annotation in sorted((root / "annotations_positions").glob("*.json")):
        for person in json.loads(annotation.read_text()):
            y, x = divmod(person["positionID"], GRID_WIDTH)
            for view in person["views"]:
                if view["xmin"] > 0 and view["xmax"] < WIDTH and view["ymax"] < HEIGHT:
                    image, ground = points[CAMERAS[view["viewNum"]]]
                    image.append([(view["xmin"] + view["xmax"]) / 2, view["ymax"]])
                    ground.append([x * CELL, y * CELL])
    homographies = {}
    for camera, (image, ground) in points.items():
        homography = cv2.findHomography(np.float64(image), np.float64(ground), cv2.RANSAC, 0.5)[0]
        # Scale sign such that points in front of the camera (the annotated ones) map with a positive w.
        in_front = np.median(np.column_stack([image, np.ones(len(image))]) @ homography[2]) > 0
        homographies[camera] = homography if in_front else -homography
    return homographies


def inside_area(rows: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """Which MOT rows have their foot point on the annotated grid grown by ``AREA_MARGIN`` (points beyond the
    horizon, mapped behind the camera, are outside)."""
    feet = np.column_stack([rows[:, 2] + rows[:, 4] / 2, rows[:, 3] + rows[:, 5], np.ones(len(rows))])
    mapped = feet @ homography.T
    w = mapped[:, 2]
    x, y = mapped[:, 0] / np.where(w == 0, 1e-12, w), mapped[:, 1] / np.where(w == 0, 1e-12, w)
    return (
        (w > 0)
        & (x >= -AREA_MARGIN)
        & (x <= AREA[0] + AREA_MARGIN)
        & (y >= -AREA_MARGIN)
        & (y <= AREA[1] + AREA_MARGIN)
    )


def write_ground_truth(root: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for camera, rows in ground_truth_rows(root).items():
        write_mot(folder / f"{camera}.txt", rows)
    return folder


def cameras_file(root: Path, path: Path) -> Path:
    """A cameras file naming the six image folders and their calibrations (absolute paths)."""
    lines = ["cameras:"]
    for camera in CAMERAS:
        number = camera[1:]
        lines += [
            f"  - name: {camera}",
            f"    source: {root / 'Image_subsets' / camera}",
            f"    calibration: {{intrinsic: {root / 'calibrations' / 'intrinsic' / f'intr_Camera{number}.xml'}, "
            f"extrinsic: {root / 'calibrations' / 'extrinsic' / f'extr_Camera{number}.xml'}}}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def measure(root: Path, out: Path, calibrated: bool, association: dict) -> list[dict]:
    from crosscam.cameras import load_cameras_file
    from crosscam.config import RunConfig
    from crosscam.eval.mtmc import evaluate_mtmc, read_camera_folder
    from crosscam.run import run_cameras

    folder = out / ("calibrated" if calibrated else "plain")
    if calibrated:
        specs, config = load_cameras_file(cameras_file(root, out / "cameras.yaml"))
    else:
        specs, config = [f"{camera}={root / 'Image_subsets' / camera}" for camera in CAMERAS], RunConfig()
    config = replace(config, association=replace(config.association, **association))
    started = time.perf_counter()
    result = run_cameras(specs, folder, config, fresh=True, videos=False)
    seconds = time.perf_counter() - started
    gt, predicted = read_camera_folder(out / "gt"), read_camera_folder(folder / "mtmc")
    homographies = area_homographies(root)
    in_area = {camera: rows[inside_area(rows, homographies[camera])] for camera, rows in predicted.items()}
    for camera, rows in in_area.items():  # beside the run's folder: `--fresh` removes only what the run wrote
        write_mot(out / f"{folder.name}_area" / "mtmc" / f"{camera}.txt", rows)
    run = "with calibrations" if calibrated else "without calibrations"
    common = {"folder": folder, "seconds": seconds, "stored_identities": len(result.identities)}
    return [
        {"run": run, "scored": "every predicted box", **common, **evaluate_mtmc(gt, predicted)},
        {"run": run, "scored": "inside the annotated area", **common, **evaluate_mtmc(gt, in_area)},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_root = Path(os.environ.get("CROSSCAM_ASSETS", "../shared/assets")) / "data" / "multiviewx_sample"
    parser.add_argument("--root", type=Path, default=default_root)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/multiviewx_mtmc"))
    parser.add_argument("--site-adaptation", action="store_true", help="centre each camera's tracklet embeddings")
    parser.add_argument("--co-visible-margin", type=float, default=0.0, help="one-to-one step for co-visible people")
    args = parser.parse_args()
    association = {"site_adaptation": args.site_adaptation, "co_visible_margin": args.co_visible_margin}
    args.out.mkdir(parents=True, exist_ok=True)
    write_ground_truth(args.root, args.out / "gt")
    results = [row for calibrated in (False, True) for row in measure(args.root, args.out, calibrated, association)]
    print("| run | scored | multi-camera IDF1 | HOTA | MOTA | IDSW | identities (true 26) | one global id | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['run']} | {r['scored']} | {r['IDF1']:.1f} | {r['HOTA']:.1f} | {r['MOTA']:.1f} | {r['IDSW']} "
            f"| {r['identities']} | {r['one_id']} of {r['people']} | {r['seconds']:.0f} |"
        )
    for r in results[::2]:
        folder = r["folder"]
        print(f"crosscam eval-mtmc --gt {args.out / 'gt'} --run {folder}   # inside the area: --run {folder}_area")


if __name__ == "__main__":
    main()
