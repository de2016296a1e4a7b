"""Unlabelled person crops from the project's footage, for distillation (``crosscam train --unlabelled DIR``).

Distillation needs no identities: the teacher's embedding of a crop is the target. This cuts person crops from
every footage source in the assets that is not an evaluation set, into ``OUT/<source>/<name>.jpg``:

* ``pets09``: PETS09-S2L1 ground-truth boxes, every :data:`PETS09_STRIDE`-th video frame;
* ``mot17``: the MOT17 excerpts' ground-truth pedestrians (class 1, scored, visibility >= :data:`MIN_VISIBILITY`);
* ``epfl``: the two EPFL clips, the detector's boxes on every :data:`VIDEO_STRIDE`-th frame;
* ``prw``: the 16 PRW frames, the detector's boxes.

:func:`build_mixed_crops` adds blends of two training or unlabelled images (mixup): the teacher embeds each blend
itself, so the student learns the teacher's answer off the photographs' manifold too ("function matching",
Beyer et al., CVPR 2022: consistent teacher targets on aggressively mixed inputs).

Left out on purpose: **MultiviewX** (the cross-domain validation set, ``--dataset multiviewx``) and
**tracking_dev** (the tracking evaluation sequences), so no evaluation image is ever distilled on; nor the PRW
folder's two Market-1501 query crops. Boxes are clipped to the frame and kept when at least
:data:`MIN_HEIGHT` pixels tall; detections need a score >= :data:`MIN_SCORE`.

Example:
    >>> from crosscam.reid.unlabelled import build_unlabelled_crops
    >>> build_unlabelled_crops("../shared/assets", "runs/unlabelled")  # doctest: +SKIP
    {'pets09': 467, 'mot17': 541, 'epfl': 92, 'prw': 118}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr

MIN_HEIGHT = 64  # pixels
MIN_VISIBILITY = 0.5
MIN_SCORE = 0.5
PETS09_STRIDE = 10  # consecutive frames of a slow walker are near-duplicates
VIDEO_STRIDE = 5
EXCLUDED = {"multiviewx_sample": "cross-domain validation set", "tracking_dev": "tracking evaluation"}

Frames = Iterator[tuple[str, np.ndarray, np.ndarray]]  # (crop name stem, BGR frame, N x 4 xyxy boxes)


def video_frames(path: Path, stride: int) -> Iterator[tuple[int, np.ndarray]]:
    """(1-based frame number, BGR frame) of every ``stride``-th frame, starting with the first."""
    if not path.is_file():
        raise CrosscamError(f"{path}: no such video")
    capture = cv2.VideoCapture(str(path))
    number = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            number += 1
            if (number - 1) % stride == 0:
                yield number, frame
    finally:
        capture.release()
    if number == 0:
        raise CrosscamError(f"{path}: cannot decode any frame")


def mot_boxes(gt: Path, scored_pedestrians_only: bool) -> dict[int, np.ndarray]:
    """Frame number -> ``N x 4`` xyxy boxes of a MOT-format gt file (MOT17's: scored class-1 rows only)."""
    if not gt.is_file():
        raise CrosscamError(f"{gt}: no such ground-truth file")
    rows = np.loadtxt(gt, delimiter=",", ndmin=2)
    if rows.shape[1] < 6:
        raise CrosscamError(f"{gt}: not MOT format (frame, id, left, top, width, height, ...)")
    if scored_pedestrians_only:
        rows = rows[(rows[:, 6] == 1) & (rows[:, 7] == 1) & (rows[:, 8] >= MIN_VISIBILITY)]
    boxes: dict[int, list] = {}
    for frame, _, left, top, width, height in rows[:, :6]:
        boxes.setdefault(int(frame), []).append((left, top, left + width, top + height))
    return {frame: np.array(b, np.float32) for frame, b in boxes.items()}


def pets09_frames(root: Path) -> Frames:
    boxes = mot_boxes(root / "gt" / "gt.txt", scored_pedestrians_only=False)
    for number, frame in video_frames(root / "vtest.avi", PETS09_STRIDE):
        yield f"s2l1_f{number:04d}", frame, boxes.get(number, np.zeros((0, 4), np.float32))


def mot17_frames(root: Path) -> Frames:
    for sequence in sorted(p for p in root.iterdir() if (p / "img1").is_dir()):
        boxes = mot_boxes(sequence / "gt" / "gt.txt", scored_pedestrians_only=True)
        for image in sorted((sequence / "img1").glob("*.jpg")):
            number = int(image.stem)
            if number in boxes:
                yield f"{sequence.name}_f{number:06d}", read_bgr(image), boxes[number]


def detected_frames(frames: Iterator[tuple[str, np.ndarray]], detect: Callable) -> Frames:
    for name, frame in frames:
        detections = detect(frame)
        yield name, frame, detections.xyxy[detections.confidence >= MIN_SCORE]


def epfl_frames(root: Path) -> Iterator[tuple[str, np.ndarray]]:
    for clip in ("Double1.mp4", "Single1.mp4"):
        for number, frame in video_frames(root / clip, VIDEO_STRIDE):
            yield f"{Path(clip).stem}_f{number:04d}", frame


def prw_frames(root: Path) -> Iterator[tuple[str, np.ndarray]]:
    for image in sorted((root / "data" / "samples").glob("*.jpg")):
        yield image.stem, read_bgr(image)


def clip_boxes(boxes: np.ndarray, height: int, width: int) -> list[tuple[int, int, int, int]]:
    """Boxes rounded and clipped to the frame, keeping those at least :data:`MIN_HEIGHT` tall and 8 wide."""
    kept = []
    for x0, y0, x1, y1 in np.round(boxes).astype(int):
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if y1 - y0 >= MIN_HEIGHT and x1 - x0 >= 8:
            kept.append((x0, y0, x1, y1))
    return kept


def write_crops(frames: Frames, out: Path) -> int:
    """Write each frame's kept boxes to ``out/<name>_<k>.jpg``; returns how many."""
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for name, frame, boxes in frames:
        for k, (x0, y0, x1, y1) in enumerate(clip_boxes(boxes, *frame.shape[:2])):
            cv2.imwrite(str(out / f"{name}_{k:02d}.jpg"), frame[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, 95])
            written += 1
    return written


def build_unlabelled_crops(assets_dir: str | Path, out: str | Path, detector: str = "bytetrack-nano") -> dict[str, int]:
    """Cut the crops of every source into ``out/<source>/``; returns the count per source."""
    from crosscam.detect.registry import create_detector

    data, out = Path(assets_dir) / "data", Path(out)
    detect = create_detector(detector, assets_dir).detect
    sources: dict[str, Callable[[], Frames]] = {
        "pets09": lambda: pets09_frames(data / "pets09_s2l1"),
        "mot17": lambda: mot17_frames(data / "mot17_mini" / "train"),
        "epfl": lambda: detected_frames(epfl_frames(data / "epfl_lab_2cam"), detect),
        "prw": lambda: detected_frames(prw_frames(data / "prw_frames"), detect),
    }
    return {name: write_crops(frames(), out / name) for name, frames in sources.items()}


def random_crop(image: np.ndarray, rng: np.random.Generator, min_area: float) -> np.ndarray:
    """A random window of ``image`` covering a fraction in [min_area, 1] of its area, its aspect ratio within
    3/4-4/3 of the image's own: a person framed as a looser, tighter or shifted detector box would frame them."""
    height, width = image.shape[:2]
    area = rng.uniform(min_area, 1.0)
    stretch = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    crop_h = min(height, max(1, round(height * np.sqrt(area * stretch))))
    crop_w = min(width, max(1, round(width * np.sqrt(area / stretch))))
    top, left = rng.integers(0, height - crop_h + 1), rng.integers(0, width - crop_w + 1)
    return image[top : top + crop_h, left : left + crop_w]


def build_mixed_crops(
    pool: list[Path],
    out: str | Path,
    count: int,
    seed: int = 0,
    size: tuple[int, int] = (256, 128),
    min_area: float | None = None,
) -> int:
    """Write ``count`` blends ``out/mixed_NNNNN.jpg``: two distinct images of ``pool`` resized to ``size``
    (height, width) and mixed with a weight drawn uniformly from [0.2, 0.8], seeded; returns ``count``.
    With ``min_area`` each image is first cut to a :func:`random_crop` of at least that fraction of its area."""
    if len(pool) < 2:
        raise CrosscamError(f"{out}: mixing needs at least two images, got {len(pool)}")
    if min_area is not None and not 0 < min_area <= 1:
        raise CrosscamError(f"{out}: the smallest crop area must be in (0, 1], got {min_area}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    height, width = size
    for k in range(count):
        first, second = rng.choice(len(pool), 2, replace=False)
        weight = rng.uniform(0.2, 0.8)
        images = [read_bgr(pool[i]) for i in (first, second)]
        if min_area is not None:
            images = [random_crop(image, rng, min_area) for image in images]
        a, b = (cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA) for image in images)
        blend = cv2.addWeighted(a, weight, b, 1 - weight, 0)
        cv2.imwrite(str(out / f"mixed_{k:05d}.jpg"), blend, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return count
