"""Who appeared where and when: identities with their appearances, as JSON and CSV.

Times are seconds since the camera's first frame (``start_s``/``end_s``, the frames' timestamps), plus
wall-clock ISO 8601 times when the camera was given a start time. Sources are given by file name only
(the full paths stay in the index), so the files can be shared without revealing where footage lives. An
appearance in a camera whose video ended early carries ``source_truncated`` (frames read, frames announced).
Investigators' corrections (:mod:`crosscam.serve.corrections`) go beside them in ``corrections.json``
(``identities.json`` is a list of identities, so they have a file of their own): the audit log and the
must-link / cannot-link pairs the identities were associated under.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from crosscam.types import Camera, Identity

CORRECTIONS = "corrections.json"
CSV_FIELDS = [
    "global_id", "camera", "track_id", "start_s", "end_s", "start_time", "end_time", "similarity", "num_boxes",
    "thumbnail", "source",
]  # fmt: skip


def source_name(source: str) -> str:
    """A source's file name (``/data/lobby.mp4`` -> ``lobby.mp4``); a stream URL without credentials or query."""
    if "://" in source:
        parts = urlsplit(source)
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"
    return Path(source.rstrip("/")).name


def _iso(when: datetime | None) -> str | None:
    return when.isoformat(timespec="milliseconds") if when else None


def identity_table(
    identities: Sequence[Identity], cameras: Sequence[Camera], truncated: Mapping[str, dict] | None = None
) -> list[dict]:
    """The JSON form: one dict per identity with its cameras and appearances (times rounded to the millisecond).

    ``truncated``: camera -> ``{"frames_read", "frames_announced", ...}`` of the cameras whose video ended early.
    """
    sources = {camera.name: source_name(camera.source) for camera in cameras}
    cut = {
        name: {"frames_read": t["frames_read"], "frames_announced": t["frames_announced"]}
        for name, t in (truncated or {}).items()
    }
    return [
        {
            "global_id": identity.global_id,
            "cameras": identity.cameras,
            "appearances": [
                {
                    "camera": a.camera,
                    "track_id": a.tracklet.track_id,
                    "start_s": round(a.tracklet.start, 3),
                    "end_s": round(a.tracklet.end, 3),
                    "start_time": _iso(a.start_time),
                    "end_time": _iso(a.end_time),
                    "similarity": round(a.similarity, 4),
                    "num_boxes": a.tracklet.num_boxes,
                    "thumbnail": a.tracklet.thumbnail,
                    "source": sources.get(a.camera),
                    **({"source_truncated": cut[a.camera]} if a.camera in cut else {}),
                }
                for a in identity.appearances
            ],
        }
        for identity in identities
    ]


def write_identities(
    identities: Sequence[Identity],
    cameras: Sequence[Camera],
    folder: Path,
    truncated: Mapping[str, dict] | None = None,
) -> tuple[Path, Path]:
    """``identities.json`` and ``identities.csv`` (one row per appearance) in ``folder``."""
    table = identity_table(identities, cameras, truncated)
    json_path, csv_path = folder / "identities.json", folder / "identities.csv"
    json_path.write_text(json.dumps(table, indent=2) + "\n")
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for identity in table:
            for appearance in identity["appearances"]:
                writer.writerow({"global_id": identity["global_id"], **appearance})
    return json_path, csv_path


def write_corrections(folder: Path, exported: Mapping) -> Path:
    """``corrections.json``: :func:`crosscam.serve.corrections.export_corrections`' ``{"log", "must_link",
    "cannot_link"}`` of the run in ``folder``."""
    path = folder / CORRECTIONS
    path.write_text(json.dumps(dict(exported), indent=2) + "\n")
    return path
