"""Who appeared where and when: identities with their appearances, as JSON and CSV.

Times are seconds since the camera's first frame (``start_s``/``end_s``), plus
wall-clock ISO 8601 times when the camera was given a start time.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

from crosscam.store.index_store import IndexStore

CSV_FIELDS = [
    "global_id", "camera", "track_id", "start_s", "end_s", "start_time", "end_time", "similarity", "num_boxes",
    "thumbnail",
]  # fmt: skip


def identities(store: IndexStore) -> list[dict]:
    """Identities ordered by global id; each with its appearances ordered by time."""
    starts = {c.name: c.start_time for c in store.cameras()}
    assigned = store.identities()
    by_identity: dict[int, list[dict]] = {}
    for tracklet in store.tracklets():
        if tracklet.id not in assigned:
            continue
        global_id, similarity = assigned[tracklet.id]
        start = starts.get(tracklet.camera)
        origin = datetime.fromisoformat(start) if start else None

        def wall_clock(seconds: float, origin=origin) -> str | None:
            return (
                (origin + timedelta(seconds=round(seconds, 3))).isoformat(timespec="milliseconds") if origin else None
            )

        by_identity.setdefault(global_id, []).append(
            {
                "camera": tracklet.camera,
                "track_id": tracklet.track_id,
                "start_s": round(tracklet.start_s, 3),
                "end_s": round(tracklet.end_s, 3),
                "start_time": wall_clock(tracklet.start_s),
                "end_time": wall_clock(tracklet.end_s),
                "similarity": round(similarity, 4),
                "num_boxes": tracklet.num_boxes,
                "thumbnail": tracklet.thumbnail,
            }
        )
    return [
        {
            "global_id": gid,
            "cameras": sorted({a["camera"] for a in appearances}),
            "appearances": sorted(appearances, key=lambda a: (a["start_time"] or "", a["start_s"], a["camera"])),
        }
        for gid, appearances in sorted(by_identity.items())
    ]


def write_identities(table: list[dict], folder: Path) -> tuple[Path, Path]:
    """``identities.json`` and ``identities.csv`` (one row per appearance) in ``folder``."""
    json_path, csv_path = folder / "identities.json", folder / "identities.csv"
    json_path.write_text(json.dumps(table, indent=2) + "\n")
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for identity in table:
            for appearance in identity["appearances"]:
                writer.writerow({"global_id": identity["global_id"], **appearance})
    return json_path, csv_path
