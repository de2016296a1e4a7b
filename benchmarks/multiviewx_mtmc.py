"""Multi-camera tracking end to end on the MultiviewX sample: raw frames -> `crosscam run` -> `crosscam eval-mtmc`.

Unlike ``benchmarks/association.py`` (ground-truth boxes as tracklets), this runs the product on the six image
folders: detection, tracking, embedding and association, through :func:`crosscam.run.run_cameras` exactly as
``crosscam run`` calls it; once without calibrations (appearance and time only) and once with the sample's
calibrations in a cameras file (``calibration:`` entries, :mod:`crosscam.cameras`), checked and repaired from the
people seen as ``crosscam run`` does by default. The run's ``mtmc/<camera>.txt`` files are scored with the
function ``crosscam eval-mtmc`` calls (:func:`crosscam.eval.mtmc.evaluate_mtmc`, TrackEval) against ground truth
built here from the WILDTRACK-format ``annotations_positions`` (``0000N.json`` is image ``N-1``, MOT frame ``N``;
boxes clipped to the 1920 x 1080 image, ids ``personID + 1``, the same in every camera).

    .venv/bin/python benchmarks/multiviewx_mtmc.py [--out DIR] [--root DIR]

then, for either run, ``crosscam eval-mtmc --gt DIR/gt --run DIR/calibrated`` prints the same figures per camera.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from crosscam.track.mot import write_mot

WIDTH, HEIGHT = 1920, 1080
CAMERAS = [f"C{i}" for i in range(1, 7)]


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


def measure(root: Path, out: Path, calibrated: bool) -> dict:
    from crosscam.cameras import load_cameras_file
    from crosscam.config import RunConfig
    from crosscam.eval.mtmc import evaluate_mtmc, read_camera_folder
    from crosscam.run import run_cameras

    folder = out / ("calibrated" if calibrated else "plain")
    if calibrated:
        specs, config = load_cameras_file(cameras_file(root, out / "cameras.yaml"))
    else:
        specs, config = [f"{camera}={root / 'Image_subsets' / camera}" for camera in CAMERAS], RunConfig()
    started = time.perf_counter()
    result = run_cameras(specs, folder, config, fresh=True, videos=False)
    seconds = time.perf_counter() - started
    scores = evaluate_mtmc(read_camera_folder(out / "gt"), read_camera_folder(folder / "mtmc"))
    return {
        "run": "with calibrations" if calibrated else "without calibrations",
        "folder": folder,
        "seconds": seconds,
        "stored_identities": len(result.identities),
        **scores,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_root = Path(os.environ.get("CROSSCAM_ASSETS", "../shared/assets")) / "data" / "multiviewx_sample"
    parser.add_argument("--root", type=Path, default=default_root)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/multiviewx_mtmc"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write_ground_truth(args.root, args.out / "gt")
    results = [measure(args.root, args.out, calibrated) for calibrated in (False, True)]
    print("| run | multi-camera IDF1 | HOTA | MOTA | IDSW | identities (true 26) | one global id | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['run']} | {r['IDF1']:.1f} | {r['HOTA']:.1f} | {r['MOTA']:.1f} | {r['IDSW']} | {r['identities']} "
            f"| {r['one_id']} of {r['people']} | {r['seconds']:.0f} |"
        )
    for r in results:
        print(f"crosscam eval-mtmc --gt {args.out / 'gt'} --run {r['folder']}")


if __name__ == "__main__":
    main()
