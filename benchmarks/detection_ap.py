"""Person detection AP50 on mot17_mini (7 MOT17 train sequences cut to 39 frames, 814 pedestrians).

Protocol: every frame of ``mot17_mini/train/*/img1``; positives are ground-truth boxes of class 1 (pedestrian)
marked to count (column 7 = 1); boxes of the classes MOT17 ignores (2 person on vehicle, 7 static person,
8 distractor, 12 reflection) and pedestrians marked 0 are "crowd" regions that neither count as misses nor turn
detections into false positives. AP at IoU 0.5 by pycocotools (101-point interpolation, up to 300 detections per
frame). NOTE: the ByteTrack model was trained on MOT17 train, so its score here is biased upwards.

    .venv/bin/python benchmarks/detection_ap.py
"""

from __future__ import annotations

import contextlib
import io
import time

from tqdm import tqdm

from crosscam.assets import resolve_dataset
from crosscam.detect import create_detector
from crosscam.io import open_source
from crosscam.track.mot import read_mot

IGNORED_CLASSES = (2, 7, 8, 12)
RUNS = [
    ("bytetrack-nano", None, "trained on MOT17 train: biased"),
    ("bytetrack-nano", (480, 640), "trained on MOT17 train: biased"),
    ("yolox-nano-coco", None, "COCO, never saw MOT17"),
    ("yolox-nano-coco", (960, 960), "COCO, never saw MOT17"),
    ("openvino-0013", None, "Intel retail person detector"),
]


def coco_ground_truth(root) -> tuple[dict, list]:
    images, annotations, frames = [], [], []
    for sequence in sorted(p for p in root.iterdir() if p.is_dir()):
        gt = read_mot(sequence / "gt" / "gt.txt")
        for frame in open_source(sequence / "img1", camera=sequence.name):
            image_id = len(images) + 1
            height, width = frame.image.shape[:2]
            images.append({"id": image_id, "width": width, "height": height})
            frames.append((image_id, frame.image))
            for row in gt[gt[:, 0] == frame.index + 1]:
                counted = row[7] == 1 and row[6] == 1
                if not counted and not (row[7] in IGNORED_CLASSES or row[7] == 1):
                    continue  # vehicles and other objects: not people at all
                annotations.append(
                    {
                        "id": len(annotations) + 1,
                        "image_id": image_id,
                        "category_id": 1,
                        "bbox": [float(v) for v in row[2:6]],
                        "area": float(row[4] * row[5]),
                        "iscrowd": 0 if counted else 1,
                    }
                )
    dataset = {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "person"}]}
    return dataset, frames


def ap50(dataset: dict, results: list[dict]) -> float:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = dataset
        truth.createIndex()
        evaluation = COCOeval(truth, truth.loadRes(results) if results else COCO(), "bbox")
        evaluation.params.maxDets = [1, 10, 300]
        evaluation.params.areaRng = [[0, 1e10]] * 4  # one size range: MOT people are not COCO objects
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return float(evaluation.stats[1])


def main() -> None:
    root = resolve_dataset("mot17_mini")
    dataset, frames = coco_ground_truth(root)
    counted = sum(1 for a in dataset["annotations"] if not a["iscrowd"])
    print(f"mot17_mini: {len(frames)} frames, {counted} counted pedestrians, AP at IoU 0.5 (pycocotools)\n")
    print("| detector | input | AP50 | ms/frame (1920x1080 mostly) | note |")
    print("|---|---|---|---|---|")
    for name, size, note in RUNS:
        detector = create_detector(name, input_size=size)
        results, elapsed = [], 0.0
        for image_id, image in tqdm(frames, desc=name, leave=False):
            start = time.perf_counter()
            detections = detector.detect(image)
            elapsed += time.perf_counter() - start
            for (x0, y0, x1, y1), score in zip(detections.xyxy, detections.confidence, strict=True):
                box = [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]
                results.append({"image_id": image_id, "category_id": 1, "bbox": box, "score": float(score)})
        shown = "auto" if size is None else f"{size[0]}x{size[1]}"
        if size is None:
            shown += " (" + "x".join(map(str, detector.input_size_for((1080, 1920)))) + " at 1080p)"
        print(f"| {name} | {shown} | {ap50(dataset, results):.3f} | {1000 * elapsed / len(frames):.0f} | {note} |")


if __name__ == "__main__":
    main()
