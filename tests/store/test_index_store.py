import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime

import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.store.index_store import IndexStore
from crosscam.types import Camera, Identity, TrackedBoxes, Tracklet, identities_from


def _camera(name, start=None):
    return Camera(name, f"{name}.mp4", start, 25.0, 64, 48, 10)


def _tracklets(camera, n, seed):
    rng = np.random.default_rng(seed)
    return [Tracklet(camera, t, 0.0, 0.9, 0, 9, 10, 3, (rng.normal(size=4) / 2).astype(np.float32)) for t in range(n)]


def test_round_trip(tmp_path):
    store = IndexStore.create(tmp_path)
    store.set_meta(embedder="e", threshold=0.5)
    first = _tracklets("a", 2, 0)
    boxes = TrackedBoxes("a", [0, 1], [0.0, 0.04], [0, 1], [[1, 2, 3, 4], [5, 6, 7, 8]], [0.9, 0.8])
    store.add_camera(_camera("a"), first, boxes)
    store.add_camera(_camera("b", datetime(2026, 1, 1, 8)), _tracklets("b", 3, 1), TrackedBoxes.empty("b"))
    store.close()
    reopened = IndexStore.open(tmp_path)
    assert reopened.meta() == {"embedder": "e", "threshold": 0.5}
    assert reopened.cameras() == [_camera("a"), _camera("b", datetime(2026, 1, 1, 8))]
    tracklets = reopened.tracklets()
    assert [(t.camera, t.track_id) for t in tracklets] == [("a", 0), ("a", 1), ("b", 0), ("b", 1), ("b", 2)]
    np.testing.assert_array_equal(tracklets[1].embedding, first[1].embedding)
    stored = reopened.boxes("a")
    assert stored.frame.tolist() == [0, 1] and stored.timestamp.tolist() == [0.0, 0.04]
    np.testing.assert_array_equal(stored.xyxy, boxes.xyxy)
    np.testing.assert_allclose(stored.score, boxes.score)
    assert reopened.camera_done("b", "b.mp4") and not reopened.camera_done("b", "other.mp4")


def test_identities_round_trip_as_identities(tmp_path):
    store = IndexStore.create(tmp_path)
    store.add_camera(_camera("a", datetime(2026, 1, 1, 8)), _tracklets("a", 2, 0), TrackedBoxes.empty("a"))
    store.add_camera(_camera("b", datetime(2026, 1, 1, 7)), _tracklets("b", 1, 1), TrackedBoxes.empty("b"))
    a0, a1, b0 = store.tracklets()
    store.set_identities([Identity(0, ()), Identity(3, ())])  # nothing to write: no appearances
    assert store.identities() == ()
    store.set_identities(identities_from([(a0, 3, 0.9), (b0, 3, 0.8), (a1, 5, 1.0)], store.cameras()))
    identities = store.identities()
    assert [i.global_id for i in identities] == [3, 5]
    # b started an hour earlier, so its appearance comes first; wall-clock times follow the start times.
    assert [a.camera for a in identities[0].appearances] == ["b", "a"]
    assert identities[0].appearances[0].start_time == datetime(2026, 1, 1, 7)
    assert store.global_ids() == {a0.id: 3, b0.id: 3, a1.id: 5}
    with pytest.raises(ValueError, match="not stored"):
        store.set_identities(identities_from([(_tracklets("a", 1, 0)[0], 0, 1.0)], store.cameras()))


def test_redoing_a_camera_replaces_it(tmp_path):
    store = IndexStore.create(tmp_path)
    store.add_camera(_camera("a"), _tracklets("a", 3, 0), TrackedBoxes.empty("a"))
    store.set_identities(identities_from([(t, 0, 1.0) for t in store.tracklets()], store.cameras()))
    store.add_camera(_camera("a"), _tracklets("a", 1, 5), TrackedBoxes.empty("a"))
    assert len(store.tracklets()) == 1 and store.identities() == () and store.global_ids() == {}


def test_a_store_survives_a_kill_mid_run(tmp_path):
    """Kill a writer inside camera b's transaction: camera a stays intact and b is simply not done."""
    script = textwrap.dedent(
        f"""
        import time, numpy as np
        from crosscam.store.index_store import IndexStore
        from crosscam.types import Camera, TrackedBoxes, Tracklet
        store = IndexStore.create({str(tmp_path)!r})
        def tracklets(camera, n):
            return [Tracklet(camera, t, 0.0, 0.9, 0, 9, 10, 3, np.full(4, 0.5, np.float32)) for t in range(n)]
        def camera(name):
            return Camera(name, name + ".mp4", None, 25.0, 64, 48, 10)
        store.add_camera(camera("a"), tracklets("a", 2), TrackedBoxes.empty("a"))

        class SlowConnection:  # stalls right after the boxes are inserted, inside the transaction
            def __init__(self, db):
                self.db = db
            def __getattr__(self, name):
                return getattr(self.db, name)
            def __enter__(self):
                return self.db.__enter__()
            def __exit__(self, *error):
                return self.db.__exit__(*error)
            def executemany(self, sql, rows):
                result = self.db.executemany(sql, rows)
                if "detections" in sql:
                    print("inside", flush=True)
                    time.sleep(60)
                return result

        store.db = SlowConnection(store.db)
        boxes = TrackedBoxes("b", [0], [0.0], [0], [[1, 2, 3, 4]], [0.9])
        store.add_camera(camera("b"), tracklets("b", 3), boxes)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "inside"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    time.sleep(0.1)
    store = IndexStore.open(tmp_path)
    assert store.camera_done("a") and not store.camera_done("b")
    assert [t.camera for t in store.tracklets()] == ["a", "a"]
    assert store.embeddings().shape == (2, 4)  # b's appended rows are not committed, so not visible
    assert len(store.boxes("b")) == 0
    # Resuming writes b cleanly.
    writer = IndexStore.create(tmp_path)
    writer.add_camera(_camera("b"), _tracklets("b", 3, 2), TrackedBoxes.empty("b"))
    assert len(writer.tracklets()) == 5 and writer.embeddings().shape == (5, 4)


def test_open_without_index_is_a_clear_error(tmp_path):
    with pytest.raises(CrosscamError, match="no crosscam index"):
        IndexStore.open(tmp_path)
    (tmp_path / "index.sqlite").write_bytes(b"garbage" * 100)
    with pytest.raises(CrosscamError, match="not a readable crosscam index"):
        IndexStore.open(tmp_path)


def test_an_index_without_box_timestamps_asks_for_fresh(tmp_path):
    """Indexes written before boxes carried their frame's timestamp."""
    db = sqlite3.connect(tmp_path / "index.sqlite")
    db.executescript(
        "CREATE TABLE tracklets (id INTEGER PRIMARY KEY);"
        "CREATE TABLE detections (camera TEXT, frame INTEGER, track_id INTEGER, x1 REAL, y1 REAL, x2 REAL,"
        " y2 REAL, score REAL);"
    )
    db.close()
    for open_store in (IndexStore.open, IndexStore.create):
        with pytest.raises(CrosscamError, match="--fresh") as error:
            open_store(tmp_path)
        assert "no timestamps" in str(error.value) and "\n" not in str(error.value)
