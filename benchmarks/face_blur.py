"""Face-blur recall on hand-labelled faces from the shared footage, per face size, and its cost.

Labels: ``benchmarks/data/faces.json`` (25 faces, 9-120 px tall, in MOT17, PETS09, EPFL, PRW frames and CUHK03
crops). A face counts as found when a detection overlaps it with IoU >= 0.3, and as covered when its centre lies
inside a detected box (the blur covers the box enlarged by its margin). Two ways of looking:

* ``frame``: the detector on the whole frame (annotated videos), CUHK03 crops as they are;
* ``crop``: the detector on a person-shaped crop around each face (3 face heights wide, 8 tall, the face at the
  top; thumbnails and query pictures), CUHK03 crops as they are;
* ``people``: ``FaceBlurrer.detect_in_people`` on the frame with that person box (videos, where the tracked
  boxes are known): only the box's head region is searched, enlarged.

Run: ``CROSSCAM_ASSETS=../shared/assets OMP_NUM_THREADS=1 .venv/bin/python benchmarks/face_blur.py``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import cv2
import numpy as np

from crosscam.imageio import read_bgr
from crosscam.privacy.face_blur import DEFAULT_MIN_LONG_SIDE, DEFAULT_THRESHOLD, FaceBlurrer

LABELS = Path(__file__).with_name("data") / "faces.json"
BUCKETS = ((0, 16), (16, 32), (32, 64), (64, 10_000))


def load_image(data: Path, key: str) -> np.ndarray:
    name, _, frame = key.partition("#")
    if not frame:
        return read_bgr(data / name)
    capture = cv2.VideoCapture(str(data / name))
    capture.set(cv2.CAP_PROP_POS_FRAMES, int(frame))
    ok, image = capture.read()
    capture.release()
    if not ok:
        raise SystemExit(f"{data / name}: cannot decode frame {frame}")
    return image


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
    x1, y1 = np.minimum(box[2], boxes[:, 2]), np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / np.maximum(area(box) + area(boxes) - inter, 1e-9)


def person_box(image: np.ndarray, face: np.ndarray) -> np.ndarray:
    """A person-shaped box around a labelled face (3 face heights wide, 8 tall, the face at the top)."""
    height = face[3] - face[1]
    cx = (face[0] + face[2]) / 2
    x0, y0 = int(max(0, cx - 1.5 * height)), int(max(0, face[1] - 0.5 * height))
    x1, y1 = int(min(image.shape[1], cx + 1.5 * height)), int(min(image.shape[0], face[1] + 7.5 * height))
    return np.array([x0, y0, x1, y1])


def score(face: np.ndarray, detections: np.ndarray) -> tuple[bool, bool]:
    """(found with IoU >= 0.3, centre covered by a detected box)."""
    if len(detections) == 0:
        return False, False
    cx, cy = (face[0] + face[2]) / 2, (face[1] + face[3]) / 2
    inside = (detections[:, 0] <= cx) & (cx <= detections[:, 2]) & (detections[:, 1] <= cy) & (cy <= detections[:, 3])
    return bool(iou(face, detections[:, :4]).max() >= 0.3), bool(inside.any())


def evaluate(blurrer: FaceBlurrer, data: Path, labels: dict) -> dict[str, list]:
    """Per mode, one (face height, found, covered) row per labelled face, and the detection times per image kind."""
    rows = {"frame": [], "crop": [], "people": []}
    times = {"frame": [], "crop": [], "people": []}
    for key, faces in labels.items():
        image = load_image(data, key)
        is_crop = key.startswith("cuhk03")
        started = time.perf_counter()
        detections = blurrer.detect(image)
        times["crop" if is_crop else "frame"].append(time.perf_counter() - started)
        for face in np.asarray(faces, dtype=np.float64).reshape(-1, 4):
            height = face[3] - face[1]
            rows["frame"].append((height, *score(face, detections)))
            box = np.array([0, 0, image.shape[1], image.shape[0]]) if is_crop else person_box(image, face)
            started = time.perf_counter()
            found = blurrer.detect_in_people(image, box[None])
            times["people"].append(time.perf_counter() - started)
            rows["people"].append((height, *score(face, found)))
            if is_crop:
                rows["crop"].append((height, *score(face, detections)))
                continue
            x0, y0, x1, y1 = box
            started = time.perf_counter()
            crop_detections = blurrer.detect(image[y0:y1, x0:x1])
            times["crop"].append(time.perf_counter() - started)
            rows["crop"].append((height, *score(face - np.array([x0, y0, x0, y0]), crop_detections)))
    return {"rows": rows, "times": times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", default=os.environ.get("CROSSCAM_ASSETS", "../shared/assets"))
    parser.add_argument("--threshold", type=float, nargs="+", default=[DEFAULT_THRESHOLD])
    parser.add_argument("--min-long-side", type=int, nargs="+", default=[DEFAULT_MIN_LONG_SIDE])
    args = parser.parse_args()
    labels = json.loads(LABELS.read_text())["images"]
    data = Path(args.assets) / "data"
    header = ["threshold", "min long side", "mode", "faces", "IoU>=0.3", "centre covered"]
    header += [f"covered {lo}-{hi if hi < 10_000 else ''} px" for lo, hi in BUCKETS] + ["ms per image"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for threshold in args.threshold:
        for min_long_side in args.min_long_side:
            blurrer = FaceBlurrer(threshold=threshold, min_long_side=min_long_side)
            result = evaluate(blurrer, data, labels)
            for mode, rows in result["rows"].items():
                heights, found, covered = (np.array(column) for column in zip(*rows, strict=True))
                cells = [f"{threshold:g}", str(min_long_side), mode, str(len(rows))]
                cells += [f"{found.mean():.2f}", f"{covered.mean():.2f}"]
                for lo, hi in BUCKETS:
                    chosen = (heights >= lo) & (heights < hi)
                    cells.append(f"{covered[chosen].sum()}/{chosen.sum()}")
                cells.append(f"{1000 * np.median(result['times'][mode]):.1f}")
                print("| " + " | ".join(cells) + " |")
    print(
        "\nms per image: median detection time; frame = whole frames (CUHK03 crops excluded), crop = person crops,"
        " people = one person box's head region."
    )
    blurrer = FaceBlurrer()
    for size in ((1080, 1920), (576, 768), (300, 100), (160, 60)):
        image = np.random.default_rng(0).integers(0, 255, (*size, 3), dtype=np.uint8)
        blurrer.blur(image)
        started = time.perf_counter()
        for _ in range(5):
            blurrer.blur(image)
        print(f"blur_faces on {size[1]}x{size[0]}: {200 * (time.perf_counter() - started):.1f} ms")


if __name__ == "__main__":
    main()
