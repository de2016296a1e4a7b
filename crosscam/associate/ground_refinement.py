"""Check ground-plane calibrations against each other, and repair the ones that disagree, from the people seen.

A calibrated camera says where each of its people stands. Cameras that watch
the same area at the same moments must then agree: a person seen by two of
them stands at one spot. :func:`refine_calibrations` counts, per camera, how
many of its tracklets have a partner in another camera within ``match_distance``
(median over the moments both are seen). Cameras whose calibration agrees with
the others become the reference; the mapping of each camera that disagrees is
re-estimated as a homography from its (undistorted) foot points to the
reference positions of the same people, found by RANSAC over candidate pairs
proposed by appearance (the most similar co-visible tracklets), and kept only
if it makes clearly more tracklets agree. A final least-squares pass polishes
every camera on its agreeing tracklets.

This is what real installations need: extrinsics measured by hand or copied
from an older set-up are often off by metres, which turns the strongest
evidence there is (two views of one spot) into false "cannot be the same person"
decisions. The MultiviewX sample is such a case (two of six cameras are several
metres off); ``benchmarks/association.py`` measures the effect.

Example:
    >>> calibrations, report = refine_calibrations(tracklet_boxes, embeddings, calibrations)  # doctest: +SKIP
    >>> print("\\n".join(r.describe() for r in report))  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from crosscam.associate.ground_plane import GroundCalibration, apply_homography, overlapping_intervals
from crosscam.types import TrackedBoxes

MIN_COVISIBLE = 3  # moments two tracklets must share to say where they stand relative to each other
GOOD_ENOUGH = 0.8  # RANSAC stops once this share of a camera's tracklets agrees with the reference
CLIP_DISTANCE = 3.0  # a tracklet pair's distance is the mean of per-moment distances clipped here (robust, vectorised)
MOMENT_SECONDS = 0.5  # foot points are compared on a shared clock of this resolution (one point per tracklet each)


@dataclass(frozen=True)
class CameraRefinement:
    """What the check found for one camera: tracklets agreeing with another camera before and after."""

    camera: str
    tracklets: int  # tracklets seen at the same time as some tracklet of another calibrated camera
    agreeing_before: int
    agreeing_after: int
    replaced: bool

    def describe(self) -> str:
        verdict = "re-estimated from the people seen" if self.replaced else "kept"
        return (
            f"{self.camera}: {self.agreeing_before}/{self.tracklets} tracklets agree with another camera -> "
            f"{self.agreeing_after}/{self.tracklets}; calibration {verdict}"
        )


class _PairTable:
    """All co-visible (camera tracklet, reference tracklet) pairs, flattened for fast scoring of a mapping."""

    def __init__(
        self, sources: list[np.ndarray], source_moments: list, references: list[tuple[np.ndarray, np.ndarray]]
    ):
        self.sources = sources  # normalised foot points per source tracklet
        self.offsets = np.cumsum([0, *(len(s) for s in sources)])
        self.flat_sources = np.concatenate(sources) if sources else np.zeros((0, 2))
        rows, targets, pair_source, pair_reference, starts, total = [], [], [], [], [], 0
        spans = [(m[0], m[-1]) for m in source_moments] + [(m[0], m[-1]) for m, _ in references]
        overlapping = overlapping_intervals(*np.array(spans, dtype=np.int64).reshape(-1, 2).T)
        # Only the (source, reference) pairs whose moments overlap, in (source, reference) order.
        crossing = overlapping[(overlapping[:, 0] < len(sources)) & (overlapping[:, 1] >= len(sources))]
        for s, r in zip(crossing[:, 0].tolist(), (crossing[:, 1] - len(sources)).tolist(), strict=True):
            moments, (ref_moments, ref_positions) = source_moments[s], references[r]
            _, a, b = np.intersect1d(moments, ref_moments, assume_unique=True, return_indices=True)
            if len(a) < MIN_COVISIBLE:
                continue
            starts.append(total)
            total += len(a)
            rows.append(a + self.offsets[s])
            targets.append(ref_positions[b])
            pair_source.append(s)
            pair_reference.append(r)
        self.rows = np.concatenate(rows) if rows else np.zeros(0, int)
        self.targets = np.concatenate(targets) if targets else np.zeros((0, 2))
        self.starts = np.array(starts, dtype=int)
        self.counts = np.diff([*starts, len(self.rows)]) if starts else np.zeros(0, int)
        self.pair_source = np.array(pair_source, dtype=int)
        self.pair_reference = np.array(pair_reference, dtype=int)

    def pair_distances(self, homography: np.ndarray) -> np.ndarray:
        """Robust distance of every pair under ``homography`` (normalised image -> ground)."""
        if len(self.starts) == 0:
            return np.zeros(0)
        mapped = apply_homography(homography, self.flat_sources)
        gaps = np.minimum(np.linalg.norm(mapped[self.rows] - self.targets, axis=1), CLIP_DISTANCE)
        return np.add.reduceat(gaps, self.starts) / self.counts

    def best_partners(self, homography: np.ndarray) -> dict[int, tuple[int, float]]:
        """source tracklet -> (index of its nearest pair, distance)."""
        distances = self.pair_distances(homography)
        best: dict[int, tuple[int, float]] = {}
        for pair, (source, distance) in enumerate(zip(self.pair_source, distances, strict=True)):
            if source not in best or distance < best[source][1]:
                best[source] = (pair, float(distance))
        return best

    def agreeing(self, homography: np.ndarray, match_distance: float) -> int:
        """How many source tracklets have a reference partner within ``match_distance``."""
        nearest = np.full(len(self.sources), np.inf)
        np.minimum.at(nearest, self.pair_source, self.pair_distances(homography))
        return int((nearest < match_distance).sum())

    def correspondences(self, pairs) -> tuple[np.ndarray, np.ndarray]:
        rows = np.concatenate([self.rows[self.starts[p] : self.starts[p] + self.counts[p]] for p in pairs])
        targets = np.concatenate([self.targets[self.starts[p] : self.starts[p] + self.counts[p]] for p in pairs])
        return self.flat_sources[rows], targets

    def fit(self, pairs) -> np.ndarray | None:
        source, target = self.correspondences(pairs)
        if len(source) < 4:
            return None
        homography, _ = cv2.findHomography(source, target, 0)
        if homography is None or not np.isfinite(homography).all() or abs(np.linalg.det(homography)) < 1e-12:
            return None
        return homography

    def refit(self, homography: np.ndarray, match_distance: float, rounds: int = 3) -> np.ndarray:
        """Least squares on the agreeing pairs, repeated while it makes more tracklets agree."""
        best, best_count = homography, self.agreeing(homography, match_distance)
        for _ in range(rounds):
            inliers = [pair for pair, d in self.best_partners(best).values() if d < 2 * match_distance]
            candidate = self.fit(inliers) if len(inliers) >= 2 else None
            if candidate is None:
                break
            count = self.agreeing(candidate, match_distance)
            if count < best_count:
                break
            best, best_count = candidate, count
        return best


def refine_calibrations(
    tracks: list[TrackedBoxes],
    embeddings: np.ndarray,
    calibrations: dict[str, GroundCalibration],
    offsets: dict[str, float] | None = None,
    match_distance: float = 0.5,
    candidates: int = 3,
    iterations: int = 2000,
    seed: int = 0,
) -> tuple[dict[str, GroundCalibration], list[CameraRefinement]]:
    """Calibrations made consistent across cameras (see the module docstring), and a report per camera.

    ``tracks`` (each tracklet's boxes) and ``embeddings`` (unit rows) describe the same tracklets; tracks of
    cameras without a calibration are ignored. ``offsets`` moves each camera's clock onto the shared clock
    (seconds; 0 when missing). ``match_distance`` is in the calibration's unit (metres).
    """
    offsets = offsets or {}
    cameras = sorted({t.camera for t in tracks} & set(calibrations))
    if len(cameras) < 2:
        return dict(calibrations), []
    members = {c: [i for i, t in enumerate(tracks) if t.camera == c] for c in cameras}
    moments, normalized = {}, {}
    for i, track in enumerate(tracks):
        if track.camera in calibrations:
            # One foot point per moment of the shared clock, so tracklets of different cameras line up by key.
            times = track.timestamp + offsets.get(track.camera, 0.0)
            moments[i], first = np.unique(np.round(times / MOMENT_SECONDS).astype(np.int64), return_index=True)
            normalized[i] = calibrations[track.camera].normalize(track.foot_points()[first])
    current = {c: calibrations[c].normalized_to_ground for c in cameras}

    def table(camera: str, reference_cameras) -> tuple[_PairTable, list[int], list[int]]:
        sources = members[camera]
        references = [i for c in reference_cameras if c != camera for i in members[c]]
        positions = [(moments[i], apply_homography(current[tracks[i].camera], normalized[i])) for i in references]
        pairs = _PairTable([normalized[i] for i in sources], [moments[i] for i in sources], positions)
        return pairs, sources, references

    def agreement(camera: str) -> tuple[int, int]:
        pairs, _, _ = table(camera, cameras)
        return pairs.agreeing(current[camera], match_distance), len(set(pairs.pair_source.tolist()))

    before = {c: agreement(c) for c in cameras}
    reference = [c for c in cameras if before[c][1] and before[c][0] >= before[c][1] / 2]
    if not reference:
        reference = [max(cameras, key=lambda c: before[c][0])]
    rng = np.random.default_rng(seed)
    replaced = set()
    for camera in sorted(set(cameras) - set(reference), key=lambda c: -before[c][0]):
        pairs, sources, references = table(camera, reference)
        proposal = _ransac(pairs, embeddings, sources, references, match_distance, candidates, iterations, rng)
        if proposal is not None:
            proposal = pairs.refit(proposal, match_distance)
            gained = pairs.agreeing(proposal, match_distance)
            if gained >= max(pairs.agreeing(current[camera], match_distance) + 2, len(set(pairs.pair_source)) / 2):
                current[camera] = proposal
                replaced.add(camera)
                reference.append(camera)
    for camera in reference:  # polish every trusted camera against all the others
        pairs, _, _ = table(camera, reference)
        polished = pairs.refit(current[camera], match_distance)
        if pairs.agreeing(polished, match_distance) > pairs.agreeing(current[camera], match_distance):
            current[camera] = polished
            replaced.add(camera)
    refined = {**calibrations, **{c: calibrations[c].with_homography(current[c]) for c in cameras}}
    report = []
    for camera in cameras:
        after, seen = agreement(camera)
        report.append(CameraRefinement(camera, seen, before[camera][0], after, camera in replaced))
    return refined, report


def _ransac(
    pairs: _PairTable,
    embeddings: np.ndarray,
    sources: list[int],
    references: list[int],
    match_distance: float,
    candidates: int,
    iterations: int,
    rng: np.random.Generator,
) -> np.ndarray | None:
    """The homography making the most source tracklets agree, from random draws of appearance-proposed pairs."""
    proposals: dict[int, list[int]] = {}
    for pair, source in enumerate(pairs.pair_source):
        proposals.setdefault(int(source), []).append(pair)
    for s, options in proposals.items():
        similarity = [float(embeddings[sources[s]] @ embeddings[references[pairs.pair_reference[p]]]) for p in options]
        proposals[s] = [options[k] for k in np.argsort(similarity)[::-1][:candidates]]
    if len(proposals) < 3:
        return None
    keys = list(proposals)
    best, best_count = None, 0
    for _ in range(iterations):
        chosen = rng.choice(len(keys), size=3, replace=False)
        sample = [proposals[keys[k]][rng.integers(len(proposals[keys[k]]))] for k in chosen]
        homography = pairs.fit(sample)
        if homography is None:
            continue
        count = pairs.agreeing(homography, match_distance)
        if count > best_count:
            best, best_count = homography, count
            if best_count >= GOOD_ENOUGH * len(keys):  # most tracklets already agree: refitting does the rest
                break
    return best
