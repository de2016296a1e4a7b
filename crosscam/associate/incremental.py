"""Identity numbers that survive re-association: new footage (or new settings) must not renumber old people.

Association labels its clusters 0..k-1 afresh each time. :func:`carry_identity_numbers` maps those labels onto
the numbers the identities had before: each new cluster takes the old number most of its previously numbered
tracklets had (each old number goes to one cluster only: the one holding most of its tracklets), and clusters
with no old number get numbers after the largest ever given. Two old identities now in one cluster are a
*merge* (the smaller share's number is retired), one old identity now in several clusters a *split*; both are
returned so the run records and prints them instead of changing identities silently.

Example:
    >>> ids, changes = carry_identity_numbers([4, 4, 9, None], [0, 0, 0, 1])
    >>> ids.tolist(), changes.merges
    ([4, 4, 4, 10], [(4, 9)])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from crosscam.types import Identity


@dataclass(frozen=True)
class NumberChanges:
    """What re-association did to old identity numbers.

    Attributes:
        merges: ``(kept, retired)``: the identity numbered ``retired`` before is now part of ``kept``.
        splits: ``(old, new)``: some tracklets of old identity ``old`` now form identity ``new``.
    """

    merges: list[tuple[int, int]] = field(default_factory=list)
    splits: list[tuple[int, int]] = field(default_factory=list)

    def describe(self) -> list[str]:
        return [f"identity {b} merged into identity {a}" for a, b in self.merges] + [
            f"identity {new} split off identity {old}" for old, new in self.splits
        ]


def carry_identity_numbers(
    old_ids: Sequence[int | None], labels: Sequence[int], next_id: int | None = None
) -> tuple[np.ndarray, NumberChanges]:
    """Global ids for tracklets clustered as ``labels``, keeping the numbers of ``old_ids`` (None: never numbered).

    ``next_id`` is the first number a new identity may take (default: one past the largest old id, so numbers
    retired by an earlier merge are never reused when the caller passes the largest number ever given + 1).
    Deterministic: ties go to the larger overlap, then the smaller old number, then the smaller label.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if len(old_ids) != len(labels):
        raise ValueError(f"{len(old_ids)} old ids for {len(labels)} labels")
    overlap: dict[tuple[int, int], int] = {}
    for old, label in zip(old_ids, labels.tolist(), strict=True):
        if old is not None:
            overlap[(label, old)] = overlap.get((label, old), 0) + 1
    known = [old for old in old_ids if old is not None]
    fresh = max(known, default=-1) + 1 if next_id is None else next_id
    number_of: dict[int, int] = {}
    taken: set[int] = set()
    for (label, old), _ in sorted(overlap.items(), key=lambda item: (-item[1], item[0][1], item[0][0])):
        if label not in number_of and old not in taken:
            number_of[label] = old
            taken.add(old)
    changes = NumberChanges()
    _, first = np.unique(labels, return_index=True)
    for label in labels[np.sort(first)].tolist():  # new numbers in order of each cluster's first tracklet
        if label not in number_of:
            number_of[label] = fresh
            fresh += 1
    for label, old in sorted(overlap, key=lambda pair: (pair[1], pair[0])):
        if number_of[label] == old:
            continue
        if old in taken:
            changes.splits.append((old, number_of[label]))
        else:
            changes.merges.append((number_of[label], old))
    return np.array([number_of[label] for label in labels.tolist()], dtype=np.int64), changes


def renumber(identities: Sequence[Identity], number_of: dict[int, int]) -> tuple[Identity, ...]:
    """``identities`` with global id ``g`` renamed ``number_of[g]``, ordered by their new ids."""
    return tuple(
        sorted((Identity(number_of[i.global_id], i.appearances) for i in identities), key=lambda i: i.global_id)
    )


def keep_identity_numbers(store, tracklets: Sequence, association) -> tuple[tuple[Identity, ...], NumberChanges]:
    """The identities of ``association`` (of the stored ``tracklets``, in its input order) numbered as the
    ``store`` numbered them before; records the changes and the next free number in the store's metadata
    (``identity_changes``: one entry per association that merged or split old identities)."""
    from datetime import UTC, datetime

    previous = store.global_ids()
    meta = store.meta()
    old_ids = [previous.get(t.id) for t in tracklets]
    next_id = max(meta.get("next_identity", 0), max(previous.values(), default=-1) + 1)
    ids, changes = carry_identity_numbers(old_ids, association.labels, next_id)
    number_of = dict(zip(association.labels.tolist(), ids.tolist(), strict=True))
    history = meta.get("identity_changes", [])
    if changes.merges or changes.splits:
        when = datetime.now(UTC).isoformat(timespec="seconds")
        history.append({"at": when, "merges": changes.merges, "splits": changes.splits})
    store.set_meta(next_identity=max([next_id, *(i + 1 for i in ids.tolist())]), identity_changes=history)
    return renumber(association.identities, number_of), changes
