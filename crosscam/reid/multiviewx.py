"""MultiviewX people as a cross-camera re-identification set in the plain-folder layout.

MultiviewX (synthetic, six synchronised overlapping cameras, WILDTRACK-format
annotations) shows 26 people whose ids are consistent across cameras and frames:
``annotations_positions/0000N.json`` lists, per person, one box per camera
(``-1`` = not visible) for image ``Image_subsets/C<v+1>/{N-1:04d}.jpg``.

:func:`build_multiviewx_reid` crops every visible box into
``OUT/{query,gallery}/<pid>/c<camera>_f<frame>.jpg`` (the ``folder`` layout of
:mod:`crosscam.reid.datasets`). **Protocol: every crop is a query, and the
gallery is every crop too**; the standard rule that drops gallery images of the
query's own person *and camera* (:mod:`crosscam.eval.reid_metrics`) leaves only
the other five cameras' views of that person as true matches (the query's own
copy and its other frames from the same camera are never scored), while other
people in the same camera stay as distractors. Boxes shorter than
:data:`MIN_HEIGHT` pixels or less than :data:`MIN_VISIBLE` inside the image are
skipped. :func:`load_multiviewx` builds the crops once into a cache folder
(``$XDG_CACHE_HOME/crosscam/multiviewx_reid/``, keyed by the annotations'
content), never into the repository, and loads them; ``--dataset multiviewx``
does this.

Example:
    >>> from crosscam.reid.multiviewx import load_multiviewx
    >>> split = load_multiviewx("../shared/assets/data/multiviewx_sample")  # doctest: +SKIP
    >>> len({s.pid for s in split.query}), len({s.camid for s in split.query})  # doctest: +SKIP
    (26, 6)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import cv2

from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr
from crosscam.reid.crop_cache import build_once, cache_folder

MIN_HEIGHT = 48  # pixels; shorter boxes hold too little of a person to identify
MIN_VISIBLE = 0.6  # fraction of a box that must lie inside the image
PARTS = ("query", "gallery")


@dataclass(frozen=True)
class ViewBox:
    """One person's box in one camera's image of one frame (pixels, x1/y1 exclusive)."""

    frame: int
    camera: int  # 1-based, as the C1..C6 folders
    pid: int
    x0: int
    y0: int
    x1: int
    y1: int


def _annotation_files(root: Path) -> list[Path]:
    folder = root / "annotations_positions"
    if not folder.is_dir():
        raise CrosscamError(f"{folder}: no such directory (MultiviewX annotations_positions/)")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise CrosscamError(f"{folder}: no annotation .json files")
    return files


def view_boxes(root: str | Path) -> list[ViewBox]:
    """Every visible per-camera box of the annotations (frame = the image index, annotation N -> image N-1)."""
    boxes = []
    for path in _annotation_files(Path(root)):
        if not path.stem.isdigit() or int(path.stem) < 1:
            raise CrosscamError(f"{path}: annotation name is not a frame number 00001.json and up")
        try:
            people = json.loads(path.read_text())
            for person in people:
                for view in person["views"]:
                    if view["xmin"] < 0:
                        continue
                    box = (view["xmin"], view["ymin"], view["xmax"], view["ymax"])
                    boxes.append(ViewBox(int(path.stem) - 1, view["viewNum"] + 1, person["personID"], *box))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise CrosscamError(f"{path}: not a WILDTRACK-format annotation ({error})") from error
    return boxes


def clip_box(box: ViewBox, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The box clipped to the image, or None when it is too short or too much of it lies outside."""
    x0, y0, x1, y1 = max(box.x0, 0), max(box.y0, 0), min(box.x1, width), min(box.y1, height)
    if x1 <= x0 or y1 - y0 < MIN_HEIGHT:
        return None
    inside = (x1 - x0) * (y1 - y0)
    if inside < MIN_VISIBLE * (box.x1 - box.x0) * (box.y1 - box.y0):
        return None
    return x0, y0, x1, y1


def build_multiviewx_reid(root: str | Path, out: str | Path) -> int:
    """Write the crops of every usable box to ``out/{query,gallery}/<pid>/c<camera>_f<frame>.jpg``; returns the
    number of crops (each written to both parts)."""
    root, out = Path(root), Path(out)
    boxes = view_boxes(root)
    written = 0
    images: dict[tuple[int, int], object] = {}
    for box in boxes:
        key = (box.camera, box.frame)
        if key not in images:
            images[key] = read_bgr(root / "Image_subsets" / f"C{box.camera}" / f"{box.frame:04d}.jpg")
        image = images[key]
        clipped = clip_box(box, image.shape[1], image.shape[0])
        if clipped is None:
            continue
        x0, y0, x1, y1 = clipped
        for part in PARTS:
            path = out / part / f"{box.pid:04d}" / f"c{box.camera}_f{box.frame:04d}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), image[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, 95])
        written += 1
    if not written:
        raise CrosscamError(f"{root}: no usable MultiviewX box (all hidden, too short or outside the image)")
    return written


def cache_dir(root: str | Path) -> Path:
    """Where :func:`load_multiviewx` keeps the crops of ``root``: keyed by the annotations and crop rules."""
    digest = hashlib.sha256(f"{MIN_HEIGHT} {MIN_VISIBLE}".encode())
    for path in _annotation_files(Path(root)):
        digest.update(path.name.encode() + path.read_bytes())
    return cache_folder("multiviewx_reid", digest.hexdigest())


def ensure_multiviewx_reid(root: str | Path) -> Path:
    """The cached crop folder of ``root``, built on first use (atomically: a half-built folder is never used)."""
    return build_once(cache_dir(root), lambda scratch: build_multiviewx_reid(root, scratch))


def load_multiviewx(root: str | Path, split_seed: int = 0):
    """The cross-camera split of the MultiviewX folder ``root`` (``split_seed`` is unused: one fixed split)."""
    from crosscam.reid.datasets import ReidSplit, load_folder

    split = load_folder(ensure_multiviewx_reid(root))
    return ReidSplit("multiviewx", train=[], query=split.query, gallery=split.gallery)
