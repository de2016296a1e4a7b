"""Person re-identification data sets behind one interface.

Every loader returns a :class:`ReidSplit`: lists of :class:`ReidSample`
(path, person id, camera id) for training, query and gallery. Evaluation
(``crosscam.eval``) and training (``crosscam.reid.train``) only see this.

Layouts:

* **Market-1501**: ``bounding_box_train/``, ``bounding_box_test/``, ``query/``
  with names ``PPPP_cCsS_FFFFFF_BB.jpg``. pid -1 (junk) is dropped at load,
  pid 0 (distractor) is kept in the gallery.
* **CUHK01**: ``NNNNIII.png``; III 001-002 = view A (camera 0), 003-004 = view B
  (camera 1). 971 ids; a seeded split puts 486 ids in test (view A queries,
  view B gallery) and the other 485 in train. ``cuhk01_val`` splits those 485 train ids
  again (200 held out, seeded) for choosing training settings without the test ids.
* **CUHK03 pair 1** (as in shared assets): ``labeled_train/IIII_NN.jpg`` and
  ``val/IIII_NN.jpg``, NN 00-04 camera A, 05-09 camera B. Val ids are numbered
  separately, so they are offset by :data:`CUHK03_VAL_PID_OFFSET`. Evaluation
  uses val: camera A queries, camera B gallery.
* **folder** (users' own data): ``ROOT/{train,query,gallery}/<person>/<camera>_<any>.<jpg|png>``;
  ``train`` is optional; the person folder name is the identity, the file
  name's prefix before the first underscore is the camera.
* **MultiviewX** (``multiviewx``, root = the MultiviewX folder with ``annotations_positions/``): its
  ground-truth boxes cropped once into a cached ``folder`` layout, every crop a query against the crops of
  the other five cameras (:mod:`crosscam.reid.multiviewx`); a cross-domain evaluation set, no train part.
* **tracks** (``tracks``, root = a folder of MOTChallenge sequences, default ``tracking_dev``): real people's
  ground-truth tracks, the first third of each track against its last third (:mod:`crosscam.reid.track_reid`);
  a cross-domain evaluation set of real people, no train part.

Example:
    >>> from crosscam.reid.datasets import load_dataset
    >>> split = load_dataset("cuhk01", "../shared/assets/data/cuhk01/CUHK01/campus", split_seed=0)  # doctest: +SKIP
    >>> len(split.query), len(split.gallery), split.num_train_pids  # doctest: +SKIP
    (972, 972, 485)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crosscam.errors import CrosscamError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}
CUHK01_NUM_TEST_IDS = 486
CUHK01_NUM_VAL_IDS = 200
CUHK03_VAL_PID_OFFSET = 100000
_MARKET_NAME = re.compile(r"^(-?\d+)_c(\d)s(\d)_(\d+)_(\d+)")


@dataclass(frozen=True)
class ReidSample:
    path: Path
    pid: int
    camid: int


@dataclass(frozen=True)
class ReidSplit:
    """Train / query / gallery lists of one data set (and one split of it)."""

    name: str
    train: list[ReidSample] = field(default_factory=list)
    query: list[ReidSample] = field(default_factory=list)
    gallery: list[ReidSample] = field(default_factory=list)

    @property
    def num_train_pids(self) -> int:
        return len({s.pid for s in self.train})

    def describe(self) -> str:
        def ids(samples: list[ReidSample]) -> int:
            return len({s.pid for s in samples})

        return (
            f"{self.name}: train {len(self.train)} images / {ids(self.train)} ids, "
            f"query {len(self.query)} / {ids(self.query)}, gallery {len(self.gallery)} / {ids(self.gallery)}"
        )


def _require_dir(path: Path, what: str) -> Path:
    if not path.exists():
        raise CrosscamError(f"{path}: no such directory ({what})")
    if not path.is_dir():
        raise CrosscamError(f"{path}: not a directory ({what})")
    return path


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


# --- Market-1501 ---------------------------------------------------------------------------


def _market_folder(folder: Path, keep_distractors: bool) -> list[ReidSample]:
    samples = []
    for path in _images(_require_dir(folder, "Market-1501 layout")):
        match = _MARKET_NAME.match(path.name)
        if not match:
            raise CrosscamError(f"{path}: name does not follow Market-1501 PPPP_cCsS_FFFFFF_BB.jpg")
        pid, cam = int(match.group(1)), int(match.group(2))
        if pid == -1 or (pid == 0 and not keep_distractors):
            continue
        samples.append(ReidSample(path, pid, cam))
    return samples


def load_market1501(root: str | Path) -> ReidSplit:
    root = _require_dir(Path(root), "Market-1501 root")
    split = ReidSplit(
        "market1501",
        train=_market_folder(root / "bounding_box_train", keep_distractors=False),
        query=_market_folder(root / "query", keep_distractors=False),
        gallery=_market_folder(root / "bounding_box_test", keep_distractors=True),
    )
    if not split.query or not split.gallery:
        raise CrosscamError(f"{root}: Market-1501 query/ or bounding_box_test/ holds no usable image")
    return split


# --- CUHK01 --------------------------------------------------------------------------------


def _cuhk01_samples(root: Path) -> list[ReidSample]:
    samples = []
    for path in _images(root):
        stem = path.stem
        if len(stem) != 7 or not (stem.isascii() and stem.isdigit()):
            raise CrosscamError(f"{path}: name does not follow CUHK01 NNNNIII.png")
        pid, shot = int(stem[:4]), int(stem[4:])
        if not 1 <= shot <= 4:
            raise CrosscamError(f"{path}: CUHK01 image index {shot} is not 001-004")
        samples.append(ReidSample(path, pid, 0 if shot <= 2 else 1))
    if not samples:
        raise CrosscamError(f"{root}: no CUHK01 images (expected NNNNIII.png files)")
    return samples


def cuhk01_test_ids(all_ids: list[int], split_seed: int, num_test: int = CUHK01_NUM_TEST_IDS) -> set[int]:
    """The test identities of split ``split_seed``: a seeded permutation's first ``num_test``."""
    if num_test >= len(all_ids):
        raise CrosscamError(f"CUHK01 has {len(all_ids)} ids; cannot hold out {num_test} for test")
    order = np.random.default_rng(split_seed).permutation(sorted(all_ids))
    return {int(pid) for pid in order[:num_test]}


def load_cuhk01(root: str | Path, split_seed: int = 0, num_test_ids: int = CUHK01_NUM_TEST_IDS) -> ReidSplit:
    samples = _cuhk01_samples(_require_dir(Path(root), "CUHK01 campus folder"))
    return _hold_out(f"cuhk01[split {split_seed}]", samples, split_seed, num_test_ids)


def load_cuhk01_val(root: str | Path, split_seed: int = 0, num_val_ids: int = CUHK01_NUM_VAL_IDS) -> ReidSplit:
    """CUHK01 split ``split_seed``'s train ids only: ``num_val_ids`` of them (seeded) as query/gallery, the
    rest as train. The split's test ids appear nowhere, so settings chosen on it leave the test untouched."""
    train = load_cuhk01(root, split_seed).train
    return _hold_out(f"cuhk01_val[split {split_seed}]", train, split_seed, num_val_ids)


def _hold_out(name: str, samples: list[ReidSample], split_seed: int, num_held_out: int) -> ReidSplit:
    """A seeded ``num_held_out`` of the ids as view-A query / view-B gallery, the rest as train."""
    held_out = cuhk01_test_ids(list({s.pid for s in samples}), split_seed, num_held_out)
    return ReidSplit(
        name,
        train=[s for s in samples if s.pid not in held_out],
        query=[s for s in samples if s.pid in held_out and s.camid == 0],
        gallery=[s for s in samples if s.pid in held_out and s.camid == 1],
    )


# --- CUHK03 camera pair 1 ------------------------------------------------------------------


def _cuhk03_folder(folder: Path, pid_offset: int) -> list[ReidSample]:
    samples = []
    for path in _images(_require_dir(folder, "CUHK03 pair-1 layout")):
        parts = path.stem.split("_")
        if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
            raise CrosscamError(f"{path}: name does not follow CUHK03 IIII_NN.jpg")
        pid, shot = int(parts[0]), int(parts[1])
        if shot > 9:
            raise CrosscamError(f"{path}: CUHK03 image index {shot} is not 00-09")
        samples.append(ReidSample(path, pid + pid_offset, 0 if shot < 5 else 1))
    if not samples:
        raise CrosscamError(f"{folder}: no CUHK03 images")
    return samples


def load_cuhk03_pair1(root: str | Path, split_seed: int = 0) -> ReidSplit:
    root = _require_dir(Path(root), "CUHK03 pair-1 root")
    val = _cuhk03_folder(root / "val", CUHK03_VAL_PID_OFFSET)
    return ReidSplit(
        "cuhk03_pair1",
        train=_cuhk03_folder(root / "labeled_train", 0),
        query=[s for s in val if s.camid == 0],
        gallery=[s for s in val if s.camid == 1],
    )


# --- plain folders -------------------------------------------------------------------------


def _folder_part(folder: Path) -> list[ReidSample]:
    persons = sorted(p for p in folder.iterdir() if p.is_dir())
    if not persons:
        raise CrosscamError(f"{folder}: expected one sub-folder per person, found none")
    samples = []
    for pid, person in enumerate(persons):
        for path in _images(person):
            camera, separator, _ = path.stem.partition("_")
            if not separator or not camera:
                raise CrosscamError(f"{path}: name does not follow <camera>_<name>.jpg (no camera prefix)")
            samples.append(ReidSample(path, pid, camera))
    return samples


def load_folder(root: str | Path, split_seed: int = 0) -> ReidSplit:
    root = _require_dir(Path(root), "folder layout root")
    for part in ("query", "gallery"):
        _require_dir(root / part, f"folder layout needs {part}/<person>/<camera>_<name>.jpg")
    parts = {part: _folder_part(root / part) for part in ("train", "query", "gallery") if (root / part).is_dir()}
    # Person folder names are the identities: map names (not per-part indices) to integer pids.
    names = sorted({s.path.parent.name for samples in parts.values() for s in samples})
    cameras = sorted({s.camid for samples in parts.values() for s in samples})
    pid_of = {name: i for i, name in enumerate(names)}
    cam_of = {name: i for i, name in enumerate(cameras)}

    def relabel(samples: list[ReidSample]) -> list[ReidSample]:
        return [ReidSample(s.path, pid_of[s.path.parent.name], cam_of[s.camid]) for s in samples]

    split = ReidSplit("folder", **{part: relabel(samples) for part, samples in parts.items()})
    if not split.query or not split.gallery:
        raise CrosscamError(f"{root}: query/ or gallery/ holds no image")
    return split


def _load_multiviewx(root: str | Path) -> ReidSplit:
    from crosscam.reid.multiviewx import load_multiviewx

    return load_multiviewx(root)


def _load_track_reid(root: str | Path) -> ReidSplit:
    from crosscam.reid.track_reid import load_track_reid

    return load_track_reid(root)


def load_labelled_crops(root: str | Path) -> list[ReidSample]:
    """Labelled crops for fitting a head: ``ROOT/train/<person>/<camera>_<name>.jpg`` when ``ROOT/train`` exists,
    else ``ROOT/<person>/<camera>_<name>.jpg``; identities and cameras numbered by sorted folder / prefix name."""
    root = _require_dir(Path(root), "labelled crops: <person>/<camera>_<name>.jpg")
    samples = _folder_part(root / "train" if (root / "train").is_dir() else root)
    cam_of = {name: i for i, name in enumerate(sorted({s.camid for s in samples}))}
    if not samples:
        raise CrosscamError(f"{root}: the person folders hold no image")
    return [ReidSample(s.path, s.pid, cam_of[s.camid]) for s in samples]


LOADERS: dict[str, Callable[..., ReidSplit]] = {
    "market1501": lambda root, split_seed=0: load_market1501(root),
    "cuhk01": load_cuhk01,
    "cuhk01_val": load_cuhk01_val,
    "cuhk03_pair1": load_cuhk03_pair1,
    "folder": load_folder,
    "multiviewx": lambda root, split_seed=0: _load_multiviewx(root),
    "tracks": lambda root, split_seed=0: _load_track_reid(root),
}
# Where each data set lives inside the assets directory (for `--data` defaults).
ASSET_NAMES = {
    "cuhk01": "cuhk01",
    "cuhk01_val": "cuhk01",
    "cuhk03_pair1": "cuhk03_pair1",
    "multiviewx": "multiviewx_sample",
    "tracks": "tracking_dev",
}


def load_dataset(name: str, root: str | Path, split_seed: int = 0) -> ReidSplit:
    if name not in LOADERS:
        raise CrosscamError(f"unknown dataset {name!r}; choose one of {', '.join(LOADERS)}")
    return LOADERS[name](root, split_seed=split_seed)
