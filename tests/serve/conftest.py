"""A small real run folder for the server's tests, made in a second: two cameras of drawn people, walking.

Three people (shirt / trousers colours) cross two cameras; the colour embedder ``hsv-stripes`` embeds their crops,
so searching by a photo of one of them finds them. The stored identities split person A in two (one identity per
camera), as an association mistake an investigator would merge: identity 0 = A in ``lab_a``, 1 = B in ``lab_a``,
2 = A in the second camera, 3 = C in the second camera. The second camera's name holds HTML to check escaping.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from crosscam.embed.base import l2_normalize
from crosscam.embed.registry import create_embedder
from crosscam.store.index_store import IndexStore
from crosscam.types import Camera, TrackedBoxes, Tracklet, identities_from

FPS, WIDTH, HEIGHT, FRAMES = 25.0, 320, 240, 40
HALL = "hall <b>&amp;"
PEOPLE = {  # BGR shirt, trousers
    "A": ((40, 40, 220), (200, 60, 20)),
    "B": ((50, 200, 50), (30, 30, 30)),
    "C": ((30, 220, 230), (240, 240, 240)),
}
CAMERAS = {  # camera -> start time, [(person, track id, x at frame 0, x step per frame)]
    "lab_a": ("2026-11-25T08:00:00", [("A", 1, 20, 5), ("B", 2, 260, -4)]),
    HALL: ("2026-11-25T08:00:03", [("A", 7, 250, -5), ("C", 8, 30, 3)]),
}
IDENTITIES = {("lab_a", 1): 0, ("lab_a", 2): 1, (HALL, 7): 2, (HALL, 8): 3}
CALIBRATION = {
    "embedder": "hsv-stripes", "slope": 20.0, "intercept": -14.0, "fitted_on": ["test"],
    "num_positive": 1, "num_negative": 1,
}  # fmt: skip


def draw_person(image: np.ndarray, person: str, x: int, y: int = 80) -> tuple[int, int, int, int]:
    """Draw a person 30 x 100 px with the top-left corner at (x, y); returns the box."""
    shirt, trousers = PEOPLE[person]
    cv2.circle(image, (x + 15, y + 10), 10, (150, 180, 230), -1)
    cv2.rectangle(image, (x, y + 20), (x + 30, y + 55), shirt, -1)
    cv2.rectangle(image, (x + 3, y + 55), (x + 27, y + 100), trousers, -1)
    return x, y, x + 30, y + 100


def person_photo(person: str) -> np.ndarray:
    """A crop of ``person`` as a witness's photo would show them: on another background, a little larger."""
    canvas = np.full((130, 60, 3), (90, 120, 110), np.uint8)
    draw_person(canvas, person, 15, 15)
    return cv2.resize(canvas, (90, 195))


def build_run(folder: Path) -> Path:
    embedder = create_embedder("hsv-stripes")
    store = IndexStore.create(folder)
    (folder / "thumbnails").mkdir()
    (folder / "sources").mkdir()
    for number, (name, (start, walkers)) in enumerate(CAMERAS.items()):
        source = folder / "sources" / f"camera{number}.mp4"
        writer = cv2.VideoWriter(str(source), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
        rows, crops = [], {track: [] for _, track, _, _ in walkers}
        for frame in range(FRAMES):
            image = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
            for person, track, x0, step in walkers:
                box = draw_person(image, person, x0 + step * frame)
                rows.append((frame, frame / FPS, track, *box, 0.9))
            for _, track, _, _ in walkers:
                x1, y1, x2, y2 = next(r[3:7] for r in reversed(rows) if r[2] == track)
                crops[track].append(image[y1:y2, x1:x2].copy())
            writer.write(image)
        writer.release()
        table = np.array(rows, dtype=np.float64)
        boxes = TrackedBoxes(name, table[:, 0], table[:, 1], table[:, 2], table[:, 3:7], table[:, 7])
        tracklets = []
        for _, track, _, _ in walkers:
            thumbnail = f"thumbnails/camera{number}_{track}.jpg"
            cv2.imwrite(str(folder / thumbnail), crops[track][FRAMES // 2])
            embedding = l2_normalize(embedder.embed(crops[track][::5]).mean(axis=0, keepdims=True))[0]
            tracklets.append(
                Tracklet(name, track, 0.0, (FRAMES - 1) / FPS, 0, FRAMES - 1, FRAMES, 8, embedding, thumbnail)
            )
        camera = Camera(name, str(source), datetime.fromisoformat(start), FPS, WIDTH, HEIGHT, FRAMES)
        store.add_camera(camera, tracklets, boxes)
    members = [(t, IDENTITIES[t.key], 1.0) for t in store.tracklets()]
    store.set_identities(identities_from(members, store.cameras()))
    store.set_meta(embedder="hsv-stripes", calibration=CALIBRATION, detector="drawn")
    store.close()
    return folder


@pytest.fixture
def run_folder(tmp_path) -> Path:
    return build_run(tmp_path / "run")
