"""The identities an investigator sees: the run's, with the corrections applied, and the pure functions that
select, sort and lay them out for the pages (the benchmark calls these exactly as the server does).

One time base everywhere: seconds on the shared clock (since the earliest camera start), shown as wall-clock
times when the cameras' start times are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from crosscam.embed.base import l2_normalize
from crosscam.serve.corrections import Correction, Key, Replayed, replay
from crosscam.serve.data import RunData
from crosscam.types import Tracklet

SORTS = ("id", "first_seen", "appearances", "cameras", "weakest")


@dataclass(frozen=True)
class AppearanceView:
    tracklet: Tracklet
    row: int  # the tracklet's row in RunData.tracklets / embeddings
    start: float  # shared clock
    end: float
    similarity: float  # cosine to the identity's mean embedding
    probability: float | None  # calibrated P(same person) against the rest of the identity (None when alone)


@dataclass(frozen=True)
class IdentityView:
    global_id: int
    appearances: tuple[AppearanceView, ...]  # by start on the shared clock, then camera

    @property
    def cameras(self) -> list[str]:
        return sorted({a.tracklet.camera for a in self.appearances})

    @property
    def first_seen(self) -> float:
        return self.appearances[0].start

    @property
    def last_seen(self) -> float:
        return max(a.end for a in self.appearances)

    @property
    def weakest(self) -> float:
        """The lowest similarity of an appearance to the identity: low values deserve a look."""
        return min(a.similarity for a in self.appearances)

    @property
    def cover(self) -> AppearanceView:
        """The appearance whose thumbnail stands for the identity: the one with most boxes."""
        return max(self.appearances, key=lambda a: a.tracklet.num_boxes)


def base_assignment(run: RunData) -> dict[Key, int]:
    """The run's own identities as tracklet key -> global id (tracklets never associated are left out)."""
    return {t.key: run.global_ids[t.id] for t in run.tracklets if t.id in run.global_ids}


def build_identities(run: RunData, log: list[Correction]) -> tuple[dict[int, IdentityView], Replayed]:
    """The identities after ``log``; similarities and probabilities recomputed from the embeddings."""
    replayed = replay(base_assignment(run), log)
    keys = list(replayed.assignment)
    rows = np.array([run.row_of_key[k] for k in keys], dtype=np.int64)
    labels = np.array([replayed.assignment[k] for k in keys], dtype=np.int64)
    identities: dict[int, IdentityView] = {}
    if not keys:
        return identities, replayed
    unique, inverse = np.unique(labels, return_inverse=True)
    vectors = run.embeddings[rows].astype(np.float64)
    sums = np.zeros((len(unique), vectors.shape[1]))
    np.add.at(sums, inverse, vectors)
    counts = np.bincount(inverse)
    similarity = np.einsum("ij,ij->i", vectors, l2_normalize(sums)[inverse])
    others = l2_normalize(sums[inverse] - vectors)  # leave-one-out mean of the rest of the identity
    probability = run.calibration.probability(np.einsum("ij,ij->i", vectors, others))
    groups: dict[int, list[AppearanceView]] = {}
    for i, row in enumerate(rows.tolist()):
        tracklet = run.tracklets[row]
        offset = run.offsets.get(tracklet.camera, 0.0)
        groups.setdefault(int(labels[i]), []).append(
            AppearanceView(
                tracklet,
                row,
                tracklet.start + offset,
                tracklet.end + offset,
                float(similarity[i]),
                float(probability[i]) if counts[inverse[i]] > 1 else None,
            )
        )
    for global_id, appearances in sorted(groups.items()):
        appearances.sort(key=lambda a: (a.start, a.tracklet.camera, a.tracklet.track_id))
        identities[global_id] = IdentityView(global_id, tuple(appearances))
    return identities, replayed


@dataclass(frozen=True)
class GalleryQuery:
    """The gallery's filters and order; times are seconds on the shared clock."""

    camera: str | None = None
    after: float | None = None  # seen at or after
    before: float | None = None  # seen at or before
    min_cameras: int = 1
    min_similarity: float | None = None  # weakest appearance at least this similar
    sort: str = "id"
    descending: bool = False
    page: int = 1
    per_page: int = 48


class GalleryIndex:
    """The identities as columns, so that a gallery page filters and sorts 10,000 people in a few milliseconds."""

    def __init__(self, identities: dict[int, IdentityView]):
        self.people = list(identities.values())
        appearances = [(n, a) for n, i in enumerate(self.people) for a in i.appearances]
        self.owner = np.array([n for n, _ in appearances], dtype=np.int64)
        self.camera = np.array([a.tracklet.camera for _, a in appearances], dtype=object)
        self.start = np.array([a.start for _, a in appearances], dtype=np.float64)
        self.end = np.array([a.end for _, a in appearances], dtype=np.float64)
        self.keys = {
            "id": np.array([i.global_id for i in self.people], dtype=np.float64),
            "first_seen": np.array([i.first_seen for i in self.people], dtype=np.float64),
            "appearances": np.array([len(i.appearances) for i in self.people], dtype=np.float64),
            "cameras": np.array([len(i.cameras) for i in self.people], dtype=np.float64),
            "weakest": np.array([i.weakest for i in self.people], dtype=np.float64),
        }


def select_identities(index: GalleryIndex, query: GalleryQuery) -> tuple[list[IdentityView], int]:
    """The page of identities matching ``query`` (an appearance in the camera and time window, enough cameras,
    no appearance below the similarity) and the number of matches."""
    seen = np.ones(len(index.owner), dtype=bool)
    if query.camera is not None:
        seen &= index.camera == query.camera
    if query.after is not None:
        seen &= index.end >= query.after
    if query.before is not None:
        seen &= index.start <= query.before
    keep = np.bincount(index.owner[seen], minlength=len(index.people)) > 0
    keep &= index.keys["cameras"] >= query.min_cameras
    if query.min_similarity is not None:
        keep &= index.keys["weakest"] >= query.min_similarity
    chosen = np.flatnonzero(keep)
    primary = index.keys[query.sort if query.sort in SORTS else "id"][chosen]
    order = chosen[np.lexsort((index.keys["id"][chosen], primary))]
    if query.descending:
        order = order[::-1]
    start = (max(query.page, 1) - 1) * query.per_page
    return [index.people[n] for n in order[start : start + query.per_page]], len(chosen)


class Clock:
    """Formats and parses times on the shared clock: wall clock when the run has start times, else seconds."""

    def __init__(self, origin: datetime | None):
        self.origin = origin

    def show(self, seconds: float, digits: int = 1) -> str:
        """``08:00:05.3`` (or ``5.3 s`` without start times), with ``digits`` (0-6) decimals of a second."""
        if self.origin is None:
            return f"{seconds:.{digits}f} s"
        text = (self.origin + timedelta(seconds=round(seconds, digits))).strftime("%H:%M:%S.%f")
        return text[: len(text) - 6 + digits].rstrip(".")

    def show_full(self, seconds: float) -> str:
        if self.origin is None:
            return f"{seconds:.2f} s after the first frame"
        return (self.origin + timedelta(seconds=seconds)).isoformat(sep=" ", timespec="milliseconds")

    def parse(self, text: str | None) -> float | None:
        """``HH:MM[:SS]`` (on the run's first day) or an ISO date-time when start times are known, else seconds."""
        text = (text or "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            pass
        if self.origin is None:
            raise ValueError(f"{text!r}: this run has no start times; give seconds")
        try:
            return (datetime.fromisoformat(text) - self.origin).total_seconds()
        except ValueError:
            pass
        for layout in ("%H:%M:%S.%f", "%H:%M:%S", "%H:%M"):
            try:
                when = datetime.combine(self.origin.date(), datetime.strptime(text, layout).time())
            except ValueError:
                continue
            return (when - self.origin).total_seconds()
        raise ValueError(f"{text!r}: expected HH:MM:SS, an ISO date-time or seconds")


def tick_digits(span: float) -> int:
    """Decimals of a second that keep the 5 ticks of an axis ``span`` seconds long distinct."""
    return 0 if span >= 40 else 1 if span >= 4 else 2


@dataclass(frozen=True)
class Bar:
    camera: str
    left: float  # percent of the axis
    width: float
    appearance: AppearanceView


def timeline_lanes(
    identity: IdentityView, span: tuple[float, float], cameras: list[str]
) -> list[tuple[str, list[Bar]]]:
    """One lane per camera that saw the identity, each with its bars placed on the common axis ``span``."""
    low, high = span
    width = max(high - low, 1e-9)
    lanes = []
    for camera in cameras:
        bars = [
            Bar(camera, 100 * (a.start - low) / width, max(100 * (a.end - a.start) / width, 0.4), a)
            for a in identity.appearances
            if a.tracklet.camera == camera
        ]
        if bars:
            lanes.append((camera, bars))
    return lanes
