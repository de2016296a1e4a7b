"""Real pedestrians re-identified across time: ground-truth tracks as a re-identification set.

MultiviewX's people are synthetic and differ mostly by colour; the CUHK sets share one campus. The tracking
sequences in ``tracking_dev`` (MOT16-09 street, KITTI-17 plaza, TUD-Campus, CAVIAR shop corridor) are real people,
cameras and places that no crosscam model trains on (:mod:`crosscam.reid.unlabelled` leaves them out). Each
scored person's usable boxes (conf 1, pedestrian class where the file has classes, visibility >=
:data:`MIN_VISIBILITY` where given, at least :data:`MIN_HEIGHT` pixels tall and :data:`MIN_VISIBLE` inside the
frame) are cut by time into three equal spans: up to :data:`PER_SPAN` evenly spaced crops of the first span are
"camera" ``s0``, of the last span ``s1``; the middle span is dropped, so a true match is at least a third of the
track away (the person has walked on, turned, changed background and light). People whose usable track lasts less
than :data:`MIN_SECONDS` are skipped.

Written to ``OUT/{query,gallery}/<sequence>_<id>/s<span>_f<frame>.jpg`` (the ``folder`` layout). **Protocol as
MultiviewX**: every crop is a query and the gallery is every crop; the rule that drops the query's own person in
its own "camera" leaves the other span's crops as the true matches, and everyone else in every sequence stays a
distractor. It measures re-identification of one person over time in one camera, not across cameras: easier than
a two-camera set, but on real people from elsewhere. ``--dataset tracks`` builds the crops once into
``$XDG_CACHE_HOME/crosscam/track_reid/`` (keyed by the ground truth and these rules).

Example:
    >>> from crosscam.reid.track_reid import load_track_reid
    >>> split = load_track_reid("../shared/assets/data/tracking_dev")  # doctest: +SKIP
    >>> len({s.pid for s in split.query})  # doctest: +SKIP
    40
"""

from __future__ import annotations

import configparser
import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from crosscam.errors import CrosscamError
from crosscam.imageio import read_bgr
from crosscam.reid.crop_cache import build_once, cache_folder
from crosscam.reid.unlabelled import video_frames

MIN_HEIGHT = 48  # pixels, as MultiviewX
MIN_VISIBLE = 0.6  # fraction of a box inside the frame
MIN_VISIBILITY = 0.6  # MOT16's occlusion-aware visibility, where the file has it
MIN_SECONDS = 1.5  # shorter tracks leave less than half a second between their first and last spans
PER_SPAN = 5
PARTS = ("query", "gallery")


@dataclass(frozen=True)
class TrackBox:
    """One ground-truth box of a person (frame 1-based as in gt.txt; xyxy pixels clipped to the frame)."""

    frame: int
    pid: int
    x0: int
    y0: int
    x1: int
    y1: int


def sequences(root: str | Path) -> list[Path]:
    """The MOTChallenge sequence folders under ``root`` (each with ``gt/gt.txt`` and ``seqinfo.ini``)."""
    root = Path(root)
    if not root.is_dir():
        raise CrosscamError(f"{root}: no such directory (sequences with gt/gt.txt and seqinfo.ini)")
    found = sorted(p for p in root.iterdir() if (p / "gt" / "gt.txt").is_file() and (p / "seqinfo.ini").is_file())
    if not found:
        raise CrosscamError(f"{root}: no sequence folder with gt/gt.txt and seqinfo.ini")
    return found


def sequence_info(sequence: Path) -> dict[str, float]:
    parser = configparser.ConfigParser()
    parser.read(sequence / "seqinfo.ini")
    try:
        info = parser["Sequence"]
        return {key: float(info[key]) for key in ("frameRate", "imWidth", "imHeight")}
    except (KeyError, ValueError) as error:
        raise CrosscamError(f"{sequence / 'seqinfo.ini'}: no usable [Sequence] frameRate/imWidth/imHeight") from error


def usable_boxes(gt: Path, width: int, height: int) -> list[TrackBox]:
    """The scored pedestrian boxes of a MOT-format gt file that are tall, visible and inside enough."""
    try:
        rows = np.loadtxt(gt, delimiter=",", ndmin=2)
    except ValueError as error:
        raise CrosscamError(f"{gt}: not MOT format ({error})") from error
    if rows.shape[1] < 7:
        raise CrosscamError(f"{gt}: not MOT ground truth (frame, id, left, top, width, height, conf, ...)")
    keep = rows[:, 6] == 1
    if rows.shape[1] >= 8 and np.any(rows[:, 7] > 1):  # MOT16 classes: 1 = pedestrian
        keep &= rows[:, 7] == 1
    if rows.shape[1] >= 9:
        keep &= (rows[:, 8] < 0) | (rows[:, 8] >= MIN_VISIBILITY)
    boxes = []
    for frame, pid, left, top, w, h in rows[keep, :6]:
        x0, y0 = max(round(left), 0), max(round(top), 0)
        x1, y1 = min(round(left + w), width), min(round(top + h), height)
        if y1 - y0 < MIN_HEIGHT or x1 <= x0 or (x1 - x0) * (y1 - y0) < MIN_VISIBLE * w * h:
            continue
        boxes.append(TrackBox(int(frame), int(pid), x0, y0, x1, y1))
    return boxes


def span_picks(boxes: list[TrackBox], fps: float) -> dict[int, int]:
    """Frame -> span (0 first, 1 last) of the boxes of one person to crop; empty for a track too short."""
    frames = sorted(b.frame for b in boxes)
    first, last = frames[0], frames[-1]
    if (last - first) / fps < MIN_SECONDS:
        return {}
    third = (last - first) / 3
    picks = {}
    for span, inside in ((0, [f for f in frames if f <= first + third]), (1, [f for f in frames if f >= last - third])):
        chosen = np.unique(np.round(np.linspace(0, len(inside) - 1, min(PER_SPAN, len(inside)))).astype(int))
        picks.update({inside[i]: span for i in chosen})
    return picks


def _frames(sequence: Path, wanted: set[int]):
    """(gt frame number, BGR image) of the wanted frames: ``img1/NNNNNN.jpg`` or else the sequence's one .mp4."""
    if (sequence / "img1").is_dir():
        for number in sorted(wanted):
            yield number, read_bgr(sequence / "img1" / f"{number:06d}.jpg")
        return
    videos = sorted(sequence.glob("*.mp4"))
    if not videos:
        raise CrosscamError(f"{sequence}: neither img1/ nor an .mp4 video")
    for number, image in video_frames(videos[0], 1):  # video frame k (1-based) = gt frame k
        if number in wanted:
            yield number, image


def build_track_reid(root: str | Path, out: str | Path) -> int:
    """Write the span crops of every sequence under ``root`` into ``out``; returns the number of crops."""
    out = Path(out)
    written = 0
    for sequence in sequences(root):
        info = sequence_info(sequence)
        by_person: dict[int, list[TrackBox]] = {}
        for box in usable_boxes(sequence / "gt" / "gt.txt", int(info["imWidth"]), int(info["imHeight"])):
            by_person.setdefault(box.pid, []).append(box)
        crops: dict[int, list[tuple[TrackBox, int]]] = {}
        for boxes in by_person.values():
            picks = span_picks(boxes, info["frameRate"])
            for box in boxes:
                if box.frame in picks:
                    crops.setdefault(box.frame, []).append((box, picks[box.frame]))
        for number, image in _frames(sequence, set(crops)):
            for box, span in crops[number]:
                for part in PARTS:
                    path = out / part / f"{sequence.name}_{box.pid:04d}" / f"s{span}_f{number:06d}.jpg"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(path), image[box.y0 : box.y1, box.x0 : box.x1], [cv2.IMWRITE_JPEG_QUALITY, 95])
                written += 1
    if not written:
        raise CrosscamError(f"{root}: no person with a usable track of {MIN_SECONDS} s or more")
    return written


def cache_dir(root: str | Path) -> Path:
    """Where :func:`load_track_reid` keeps the crops of ``root``: keyed by the ground truth and the crop rules."""
    digest = hashlib.sha256(f"{MIN_HEIGHT} {MIN_VISIBLE} {MIN_VISIBILITY} {MIN_SECONDS} {PER_SPAN}".encode())
    for sequence in sequences(root):
        digest.update(sequence.name.encode() + (sequence / "gt" / "gt.txt").read_bytes())
    return cache_folder("track_reid", digest.hexdigest())


def load_track_reid(root: str | Path, split_seed: int = 0):
    """The across-time split of the sequences under ``root`` (``split_seed`` is unused: one fixed split)."""
    from crosscam.reid.datasets import ReidSplit, load_folder

    folder = build_once(cache_dir(root), lambda scratch: build_track_reid(root, scratch))
    split = load_folder(folder)
    return ReidSplit("tracks", train=[], query=split.query, gallery=split.gallery)
