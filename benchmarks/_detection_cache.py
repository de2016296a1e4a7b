"""Detections and appearance embeddings of a whole sequence cached on disk, so tracker experiments re-run only the
tracker.

Files live under ``runs/detections/`` (git-ignored), named after the sequence, detector, input size and embedder:
``<name>_<detector>_<size>.npz`` (boxes and scores per frame, plus the decode/detect time of the run that made
them) and ``<name>_<tag>_<embedder>_<min score>.npy`` (one embedding row per detection, NaN below the score).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from crosscam.detect import Detections, create_detector
from crosscam.io import open_source

CACHE_DIR = Path(__file__).resolve().parents[1] / "runs" / "detections"


def _size_tag(input_size: tuple[int, int] | None) -> str:
    return "auto" if input_size is None else f"{input_size[0]}x{input_size[1]}"


def cached_detections(
    video: Path,
    detector_name: str = "bytetrack-nano",
    input_size: tuple[int, int] | None = None,
    name: str | None = None,
) -> tuple[list[Detections], dict[str, float]]:
    """Per-frame detections of ``video`` (file or image folder) and the mean decode/detect ms of the run that made them.

    ``name`` keys the cache (default: the file name without extension; image folders need one: they are all
    called ``img1``).
    """
    size = _size_tag(input_size)
    path = CACHE_DIR / f"{name or video.stem}_{detector_name}_{size}.npz"
    if not path.is_file():
        detector = create_detector(detector_name, input_size=input_size)
        rows, decode_s, detect_s = [], 0.0, 0.0
        frames = iter(open_source(video, camera="cache"))
        with tqdm(desc=f"detect {name or video.name} {size}", unit="frame") as bar:
            while True:
                start = time.perf_counter()
                frame = next(frames, None)
                decode_s += time.perf_counter() - start
                if frame is None:
                    break
                start = time.perf_counter()
                detections = detector.detect(frame.image)
                detect_s += time.perf_counter() - start
                rows += [
                    [frame.index, *box, score]
                    for box, score in zip(detections.xyxy, detections.confidence, strict=True)
                ]
                bar.update()
        count = bar.n
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        np.savez(
            path,
            rows=np.asarray(rows, np.float32).reshape(-1, 6),
            frames=count,
            decode_ms=1000 * decode_s / count,
            detect_ms=1000 * detect_s / count,
        )
    data = np.load(path)
    rows, count = data["rows"], int(data["frames"])
    per_frame = [Detections(rows[rows[:, 0] == i, 1:5], rows[rows[:, 0] == i, 5]) for i in range(count)]
    return per_frame, {"decode_ms": float(data["decode_ms"]), "detect_ms": float(data["detect_ms"])}


def crop(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    x0, y0, x1, y1 = np.round(box).astype(int)
    return image[max(y0, 0) : min(y1, height), max(x0, 0) : min(x1, width)]


def cached_embeddings(
    video: Path,
    detections: list[Detections],
    embedder_name: str,
    tag: str,
    min_score: float = 0.5,
    name: str | None = None,
) -> list[np.ndarray]:
    """Per-frame embeddings of the detections scoring at least ``min_score`` (NaN rows for the others)."""
    from crosscam.embed.registry import create_embedder

    path = CACHE_DIR / f"{name or video.stem}_{tag}_{embedder_name}_{min_score:g}.npy"
    if not path.is_file():
        embedder = create_embedder(embedder_name)
        chunks = []
        for frame, frame_detections in tqdm(
            zip(open_source(video, camera="cache"), detections, strict=False), total=len(detections), desc="embed"
        ):
            features = np.full((len(frame_detections), embedder.dim), np.nan, np.float32)
            rows = np.flatnonzero(frame_detections.confidence >= min_score)
            if len(rows):
                features[rows] = embedder.embed([crop(frame.image, frame_detections.xyxy[r]) for r in rows])
            chunks.append(features)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        np.save(path, np.concatenate(chunks))
    flat = np.load(path)
    bounds = np.cumsum([0, *[len(d) for d in detections]])
    return [flat[start:end] for start, end in zip(bounds[:-1], bounds[1:], strict=True)]
