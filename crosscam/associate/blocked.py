"""Merges that appearance alone would make but a constraint forbade: so a run can say a window split a person.

A transit window that is too tight, or a ground-plane "apart" verdict from a bad calibration, silently splits one
person into two identities. :func:`blocked_merges` lists, for each pair of final identities, the most similar
tracklet pair (cosine >= the merge threshold) whose identities a transit window or an "apart" pair keeps apart,
while nothing else does (identities that were seen at the same time in one camera are two people anyway).
Candidates come from a k-nearest-neighbour search (:func:`crosscam.associate.clustering.neighbour_pairs`), so the
cost stays well below all pairs of tracklets.

Example:
    >>> blocked = blocked_merges(embeddings, spans, labels, 0.55, transit)  # doctest: +SKIP
    >>> [(b.first, b.second, b.reason) for b in blocked]  # doctest: +SKIP
    [(3, 7, 'transit window lab_a-lab_b 0-1 s')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crosscam.associate.clustering import (
    TrackletSpan,
    TransitWindow,
    _Timeline,
    evidence_pairs,
    neighbour_pairs,
)


@dataclass(frozen=True)
class BlockedMerge:
    """Tracklets ``first`` and ``second`` (input indices) look alike (``similarity``) but a constraint kept their
    identities (``labels``) apart; ``reason`` names the constraint."""

    first: int
    second: int
    similarity: float
    labels: tuple[int, int]
    reason: str


def blocked_merges(
    embeddings: np.ndarray,
    spans: Sequence[TrackletSpan],
    labels: np.ndarray,
    threshold: float,
    transit: Sequence[TransitWindow] = (),
    apart: np.ndarray | None = None,
) -> tuple[BlockedMerge, ...]:
    """One :class:`BlockedMerge` per identity pair that a transit window or an ``apart`` pair alone separates.

    ``labels`` are the final identity labels of the tracklets; ``apart`` the ground-plane cannot-link pairs
    (m x 2 or an n x n boolean matrix), as given to :func:`~crosscam.associate.clustering.cluster_tracklets`.
    Sorted by similarity, highest first.
    """
    n = len(spans)
    labels = np.asarray(labels)
    if n < 2 or (not transit and apart is None):
        return ()
    pairs, scores = neighbour_pairs(np.asarray(embeddings, dtype=np.float32), threshold)
    candidate = (labels[pairs[:, 0]] != labels[pairs[:, 1]]) & (scores >= threshold)
    pairs, scores = pairs[candidate], scores[candidate]
    if not len(pairs):
        return ()
    windows, plain = _Timeline(list(spans), list(transit)), _Timeline(list(spans), [])
    apart_codes = {(int(a), int(b)) for a, b in evidence_pairs(apart, n, "apart")}
    members = {int(label): np.flatnonzero(labels == label) for label in np.unique(labels)}
    best: dict[tuple[int, int], tuple[float, int, int]] = {}
    for (a, b), score in zip(pairs.tolist(), scores.tolist(), strict=True):
        key = tuple(sorted((int(labels[a]), int(labels[b]))))
        if key not in best or score > best[key][0]:
            best[key] = (score, a, b)
    blocked = []
    for (la, lb), (score, a, b) in best.items():
        rows, cols = (x.ravel() for x in np.meshgrid(members[la], members[lb], indexing="ij"))
        if plain.forbidden(rows, cols).any():  # seen at the same time in one camera: two people regardless
            continue
        by_window = windows.forbidden(rows, cols)
        reason = None
        if by_window.any():
            k = int(np.argmax(by_window))
            reason = _window_reason(spans[rows[k]].camera, spans[cols[k]].camera, transit)
        elif apart_codes and any((min(r, c), max(r, c)) in apart_codes for r, c in zip(rows, cols, strict=True)):
            reason = "ground plane: seen far apart at the same time"
        if reason is not None:
            first, second = sorted((a, b))
            blocked.append(BlockedMerge(first, second, score, (la, lb), reason))
    return tuple(sorted(blocked, key=lambda m: -m.similarity))


def _window_reason(camera_a: str, camera_b: str, transit: Sequence[TransitWindow]) -> str:
    for w in transit:
        if {w.camera_a, w.camera_b} == {camera_a, camera_b}:
            return f"transit window {w.camera_a}-{w.camera_b} {w.min_seconds:g}-{w.max_seconds:g} s"
    return f"transit window {camera_a}-{camera_b}"
