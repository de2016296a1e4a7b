"""Server time of ``crosscam serve``'s pages on a synthetic index of 10,000 identities, and of a photo search.

The index is written through :class:`~crosscam.store.index_store.IndexStore` like a run's: 4 cameras, 10,000
identities with 1-3 appearances each (about 20,000 tracklets), 256-d unit embeddings clustered per identity,
the ``openvino-0277`` embedder and its shipped calibration. Requests go through FastAPI's TestClient in-process,
so each time is the server's work plus a millisecond or so of client. The photo search embeds a real CUHK01
crop with the real model; the first search also loads the model (shown apart).

Targets (issue 17): gallery and identity pages <= 200 ms, photo search <= 300 ms including the embedding.

    CROSSCAM_ASSETS=../shared/assets OMP_NUM_THREADS=2 .venv/bin/python benchmarks/serve_latency.py
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from crosscam.assets import search_roots
from crosscam.associate.calibration import load_calibration
from crosscam.embed.base import l2_normalize
from crosscam.imageio import read_bgr
from crosscam.store.index_store import IndexStore
from crosscam.types import Camera, TrackedBoxes, Tracklet, identities_from

EMBEDDER = "openvino-0277"
CAMERAS = 4
FPS = 25.0
DIM = 256
PHOTO = "data/cuhk01/CUHK01/campus/0001001.png"


def build_index(folder: Path, identities: int, seed: int = 0) -> int:
    """A run folder with ``identities`` people; returns the number of tracklets."""
    rng = np.random.default_rng(seed)
    centres = l2_normalize(rng.normal(size=(identities, DIM)))
    counts = rng.integers(1, 4, size=identities)
    owner = np.repeat(np.arange(identities), counts)
    cameras = rng.integers(0, CAMERAS, size=len(owner))
    starts = rng.uniform(0, 3600, size=len(owner))
    embeddings = l2_normalize(centres[owner] + rng.normal(scale=0.04, size=(len(owner), DIM)))
    store = IndexStore.create(folder)
    origin = datetime(2026, 11, 25, 8, 0, 0)
    for c in range(CAMERAS):
        name = f"cam{c}"
        rows = np.flatnonzero(cameras == c)
        tracklets, table = [], []
        for track, row in enumerate(rows.tolist(), start=1):
            first = int(starts[row] * FPS)
            last = first + int(rng.integers(25, 500))
            tracklets.append(
                Tracklet(name, track, first / FPS, last / FPS, first, last, last - first + 1, 12,
                         embeddings[row], f"thumbnails/{name}_{track}.jpg")
            )  # fmt: skip
            table += [(frame, frame / FPS, track, 10, 20, 60, 140, 0.9) for frame in (first, last)]
        table = np.array(table, dtype=np.float64)
        boxes = TrackedBoxes(name, table[:, 0], table[:, 1], table[:, 2], table[:, 3:7], table[:, 7])
        camera = Camera(name, f"/footage/{name}.mp4", origin + timedelta(seconds=5 * c), FPS, 1920, 1080, 100_000)
        store.add_camera(camera, tracklets, boxes)
    person = {(f"cam{c}", track): int(owner[row]) for c in range(CAMERAS)
              for track, row in enumerate(np.flatnonzero(cameras == c).tolist(), start=1)}  # fmt: skip
    stored = store.tracklets()
    members = [(t, person[t.key], 1.0) for t in stored]
    store.set_identities(identities_from(members, store.cameras()))
    store.set_meta(embedder=EMBEDDER, calibration=asdict(load_calibration(EMBEDDER)), detector="synthetic")
    store.close()
    return len(stored)


def timed(call, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = call()
        times.append(1000 * (time.perf_counter() - started))
        assert response.status_code == 200, response.text[:300]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--identities", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from crosscam.serve.app import create_app
    from crosscam.serve.data import RunData

    assets = search_roots(None)[0]
    photo = cv2.imencode(".png", read_bgr(assets / PHOTO))[1].tobytes()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        started = time.perf_counter()
        tracklets = build_index(folder, args.identities)
        print(f"index: {args.identities} identities, {tracklets} tracklets, {CAMERAS} cameras "
              f"(written in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        started = time.perf_counter()
        client = TestClient(create_app(RunData.open(folder), assets=str(assets)))
        startup = 1000 * (time.perf_counter() - started)
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/identities/0").text).group(1)

        def search():
            return client.post("/search", files={"photo": ("q.png", photo)}, data={"csrf": csrf})

        started = time.perf_counter()
        assert search().status_code == 200
        first_search = 1000 * (time.perf_counter() - started)
        cases = {
            "overview (first 25 timeline rows)": lambda: client.get("/"),
            "gallery, page 1 by id": lambda: client.get("/identities"),
            "gallery, camera + time filter, sorted by weakest": lambda: client.get(
                "/identities", params={"camera": "cam2", "after": "08:20:00", "sort": "weakest", "min_cameras": 2}
            ),
            "gallery, last page": lambda: client.get("/identities", params={"page_number": args.identities // 48}),
            "identity page": lambda: client.get("/identities/4321"),
            "search by a crop of the run (stored embedding)": lambda: client.get("/search", params={"tracklet": 777}),
            "photo search incl. embedding (model loaded)": search,
        }
        print(f"\nserver start (load the index, build the identities): {startup:.0f} ms; "
              f"first photo search incl. loading the model: {first_search:.0f} ms\n")  # fmt: skip
        print(f"| request ({args.repeats} each) | median ms | p95 ms | target ms |")
        print("|---|---:|---:|---:|")
        for name, call in cases.items():
            times = sorted(timed(call, args.repeats))
            target = 300 if "photo" in name else 200
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            print(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} | {target} |")


if __name__ == "__main__":
    main()
