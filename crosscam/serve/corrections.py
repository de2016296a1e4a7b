"""Investigators' corrections to a run's identities, kept in the run's ``index.sqlite`` in two tables of their own.

``corrections`` is the audit log, one row per correction, never rewritten::

    id INTEGER PRIMARY KEY, at TEXT (ISO 8601, UTC), user TEXT (NULL when no name was given),
    action TEXT ('merge' | 'split' | 'not_this_person'), payload TEXT (JSON, below)

``link_constraints`` holds what the log means for association, rewritten after each correction::

    kind TEXT ('must' | 'cannot'), camera_a TEXT, track_a INTEGER, camera_b TEXT, track_b INTEGER

A must-link pair shows the same person, a cannot-link pair two different people; pairs are unordered
(stored with ``(camera_a, track_a) < (camera_b, track_b)``). Every tracklet is named by its ``(camera, track_id)``
key, which survives re-association (global ids do not). Payloads:

- ``merge``: ``{"moved": [keys of the identity merged away], "into": [keys of the identity kept]}``
- ``split``: ``{"tracklet": key, "from": [keys of the other members of its identity]}``
- ``not_this_person``: ``{"tracklet": key, "person": [keys of the identity it is not]}``

:func:`replay` applies the log, in order, to any assignment of tracklets to identities (the run's, or a later
run's): later corrections win over earlier ones, so the constraints never contradict each other or the result.
The tables are created by the first correction: opening a run writes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crosscam.errors import CrosscamError
from crosscam.store.index_store import DATABASE

Key = tuple[str, int]
ACTIONS = ("merge", "split", "not_this_person")
SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT, action TEXT NOT NULL, payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS link_constraints (
    kind TEXT NOT NULL CHECK (kind IN ('must', 'cannot')),
    camera_a TEXT NOT NULL, track_a INTEGER NOT NULL, camera_b TEXT NOT NULL, track_b INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class Correction:
    action: str
    payload: dict
    user: str | None = None
    at: str = ""
    id: int | None = None

    def describe(self) -> str:
        """One line for the audit log page."""
        p = self.payload
        if self.action == "merge":
            return f"merged {_keys_text(p['moved'])} into the person of {_keys_text(p['into'][:1])}"
        if self.action == "split":
            return f"split {_keys_text([p['tracklet']])} off into a person of its own"
        return f"{_keys_text([p['tracklet']])} is not the person of {_keys_text(p['person'][:1])}"


def _keys_text(keys: Iterable[Sequence]) -> str:
    return ", ".join(f"{camera}#{track}" for camera, track in keys)


def _pair(a: Key, b: Key) -> tuple[Key, Key]:
    return (a, b) if a <= b else (b, a)


@dataclass
class Replayed:
    """The result of a log: tracklet key -> global id, and the constraints it leaves."""

    assignment: dict[Key, int]
    must: set[tuple[Key, Key]] = field(default_factory=set)
    cannot: set[tuple[Key, Key]] = field(default_factory=set)


def replay(base: dict[Key, int], log: Sequence[Correction]) -> Replayed:
    """Apply ``log`` in order to ``base``; keys no longer in ``base`` are ignored, new identities get fresh ids.

    Invariant after each step: must-link pairs lie inside one identity, cannot-link pairs across two.
    """
    state = Replayed(dict(base))
    assignment = state.assignment
    next_id = max(assignment.values(), default=-1) + 1

    def members(global_id: int) -> list[Key]:
        return [key for key, gid in assignment.items() if gid == global_id]

    for correction in log:
        p = correction.payload
        if correction.action == "merge":
            kept = [tuple(k) for k in p["into"] if tuple(k) in assignment]
            moved = [tuple(k) for k in p["moved"] if tuple(k) in assignment]
            if not kept or not moved:
                continue
            target = assignment[kept[0]]
            for key in moved:
                for other in members(assignment[key]):
                    assignment[other] = target
            together = members(target)
            state.must |= {_pair(kept[0], key) for key in together if key != kept[0]}
            inside = set(together)
            state.cannot = {(a, b) for a, b in state.cannot if not (a in inside and b in inside)}
        else:
            key = tuple(p["tracklet"])
            if key not in assignment:
                continue
            others = [tuple(k) for k in p["from" if correction.action == "split" else "person"]]
            current = [k for k in members(assignment[key]) if k != key]
            leaves = correction.action == "split" or any(assignment.get(k) == assignment[key] for k in others)
            if leaves and current:
                assignment[key] = next_id
                next_id += 1
                state.must = {(a, b) for a, b in state.must if key not in (a, b)}
            apart = set(others) | (set(current) if correction.action == "split" else set())
            state.cannot |= {_pair(key, k) for k in apart if k in assignment and assignment[k] != assignment[key]}
    return state


def _connect(folder: Path) -> sqlite3.Connection:
    path = Path(folder) / DATABASE
    if not path.is_file():
        raise CrosscamError(f"{folder}: no crosscam index here (missing {DATABASE})")
    return sqlite3.connect(path, timeout=10)


def _has_log(db: sqlite3.Connection) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'corrections'").fetchone() is not None
    )


def read_log(folder: Path) -> list[Correction]:
    """Every correction of the run, oldest first (none when no correction was ever made)."""
    db = _connect(folder)
    try:
        if not _has_log(db):
            return []
        rows = db.execute("SELECT id, at, user, action, payload FROM corrections ORDER BY id").fetchall()
    finally:
        db.close()
    return [Correction(action, json.loads(payload), user, at, cid) for cid, at, user, action, payload in rows]


def append(folder: Path, correction: Correction, replayed: Replayed) -> Correction:
    """Log ``correction`` and store the constraints ``replayed`` (the log including it) leaves, in one transaction."""
    if correction.action not in ACTIONS:
        raise CrosscamError(f"unknown correction {correction.action!r}; expected one of {', '.join(ACTIONS)}")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    db = _connect(folder)
    try:
        with db:
            db.executescript(SCHEMA)
            cursor = db.execute(
                "INSERT INTO corrections (at, user, action, payload) VALUES (?, ?, ?, ?)",
                (at, correction.user, correction.action, json.dumps(correction.payload)),
            )
            db.execute("DELETE FROM link_constraints")
            db.executemany(
                "INSERT INTO link_constraints VALUES (?, ?, ?, ?, ?)",
                [
                    (kind, *a, *b)
                    for kind, pairs in (("must", replayed.must), ("cannot", replayed.cannot))
                    for a, b in sorted(pairs)
                ],
            )
    finally:
        db.close()
    return Correction(correction.action, correction.payload, correction.user, at, cursor.lastrowid)


def export_corrections(folder: str | Path) -> dict:
    """The corrections of a run for ``identities.json``: the audit log and the must-/cannot-link pairs.

    ``{"log": [{"id", "at", "user", "action", "payload"}...], "must_link": [[[camera, track], [camera, track]]...],
    "cannot_link": [...]}``; all empty when no correction was made.
    """
    log = read_log(Path(folder))
    links: dict[str, list] = {"must": [], "cannot": []}
    if log:
        db = _connect(Path(folder))
        try:
            for kind, ca, ta, cb, tb in db.execute("SELECT * FROM link_constraints ORDER BY 1, 2, 3, 4, 5"):
                links[kind].append([[ca, ta], [cb, tb]])
        finally:
            db.close()
    return {
        "log": [{"id": c.id, "at": c.at, "user": c.user, "action": c.action, "payload": c.payload} for c in log],
        "must_link": links["must"],
        "cannot_link": links["cannot"],
    }
