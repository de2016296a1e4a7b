"""Investigators' corrections as association constraints: must-links kept together, cannot-links kept apart (pure).

The web interface stores corrections as pairs of tracklet keys ``(camera, track_id)``
(:mod:`crosscam.serve.corrections`, table ``link_constraints``); the run reads them and :func:`link_evidence`
turns them into what clustering takes, for the tracklets being associated (pairs of unknown tracklets, for
example erased ones, are dropped):

* must-links join tracklets into *components* (transitively: a must b and b must c puts a, b, c together);
* a cannot-link between two tracklets forbids every pair of their components (``apart``), so clustering never
  joins any member of one with any member of the other;
* every pair inside a component counts as similarity 1 (``together``), as the ground plane's "standing at the
  same spot" does, so clustering itself tends to join them.

Clustering may still leave a component spread over several clusters (a transit window or another constraint
blocks a merge): :func:`enforce_must_links` then moves each component's members into the cluster holding most of
them. That never breaks a cannot-link: a component's destination cluster holds at least one of its members as
clustering placed it, clustering never put a member of a component cannot-linked to it there, and members of
other components arrive only with a member of their own already there (proof: for p, q in one final cluster with
a cannot-link, the members of their components that clustering placed there would be a forbidden pair). The
investigator's word wins over transit windows and the ground plane: a must-link is kept even where those would
forbid it. Constraints that contradict each other (a cannot-link inside a must-link component) are an error;
:func:`crosscam.serve.corrections.replay` never stores such a set.

Example:
    >>> links = LinkConstraints(must=((("a", 1), ("b", 1)),), cannot=((("b", 1), ("a", 2)),))
    >>> components, together, apart = link_evidence([("a", 1), ("a", 2), ("b", 1)], links)
    >>> components.tolist(), together.tolist(), apart.tolist()
    ([0, 1, 0], [[0, 2]], [[0, 1], [1, 2]])
    >>> enforce_must_links(np.array([0, 1, 1]), components).tolist()
    [0, 1, 0]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from crosscam.errors import CrosscamError

Key = tuple[str, int]
Pair = tuple[Key, Key]


def _key(value: Sequence) -> Key:
    camera, track = value
    return str(camera), int(track)


@dataclass(frozen=True)
class LinkConstraints:
    """Must-link and cannot-link pairs of tracklet keys ``(camera, track_id)``."""

    must: tuple[Pair, ...] = ()
    cannot: tuple[Pair, ...] = ()

    @classmethod
    def from_export(cls, exported: dict) -> LinkConstraints:
        """From :func:`crosscam.serve.corrections.export_corrections`' ``must_link`` / ``cannot_link`` lists."""
        return cls(
            tuple((_key(a), _key(b)) for a, b in exported.get("must_link", [])),
            tuple((_key(a), _key(b)) for a, b in exported.get("cannot_link", [])),
        )

    def __bool__(self) -> bool:
        return bool(self.must or self.cannot)


def index_pairs(keys: Sequence[Key], pairs: Iterable[Pair]) -> np.ndarray:
    """``pairs`` of keys as an m x 2 array of indices into ``keys``; pairs naming an unknown key are dropped."""
    index = {key: i for i, key in enumerate(keys)}
    found = [(index[a], index[b]) for a, b in pairs if a in index and b in index and a != b]
    return np.array(found, dtype=np.int64).reshape(-1, 2)


def must_components(n: int, must: np.ndarray) -> np.ndarray:
    """Component number of each of ``n`` tracklets under the must-link index pairs (its smallest member's index)."""
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    for a, b in np.asarray(must, dtype=np.int64).reshape(-1, 2).tolist():
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)], dtype=np.int64)


def _members(components: np.ndarray) -> dict[int, np.ndarray]:
    return {int(c): np.flatnonzero(components == c) for c in np.unique(components)}


def link_evidence(keys: Sequence[Key], links: LinkConstraints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(components, together, apart)`` for tracklets ``keys``: must-link component of each tracklet, and the
    index pairs (m x 2, first < second) clustering takes as ``together`` and ``apart`` (module docstring)."""
    n = len(keys)
    components = must_components(n, index_pairs(keys, links.must))
    members = _members(components)
    together = [(int(a), int(b)) for group in members.values() for i, a in enumerate(group) for b in group[i + 1 :]]
    apart = set()
    for a, b in index_pairs(keys, links.cannot).tolist():
        if components[a] == components[b]:
            raise CrosscamError(
                f"corrections contradict each other: {keys[a]} and {keys[b]} are both must-linked (through other "
                "tracklets) and cannot-linked"
            )
        for x in members[int(components[a])].tolist():
            for y in members[int(components[b])].tolist():
                apart.add((min(x, y), max(x, y)))
    return (
        components,
        np.array(sorted(together), dtype=np.int64).reshape(-1, 2),
        np.array(sorted(apart), dtype=np.int64).reshape(-1, 2),
    )


def enforce_must_links(labels: np.ndarray, components: np.ndarray) -> np.ndarray:
    """``labels`` with each must-link component moved whole into the cluster holding most of its members (ties:
    the smallest label); other tracklets keep their label. Labels are not renumbered."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    for group in _members(components).values():
        if len(group) > 1:
            values, counts = np.unique(labels[group], return_counts=True)
            labels[group] = values[np.argmax(counts)]  # np.unique sorts: argmax takes the smallest of tied labels
    return labels
