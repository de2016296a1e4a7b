import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.store.index_store import CameraRecord, IndexStore, TrackletRecord


def _tracklets(camera, n, seed):
    rng = np.random.default_rng(seed)
    return [
        TrackletRecord(camera, t, 0, 9, 0.0, 0.9, 10, 3, (rng.normal(size=4) / 2).astype(np.float32)) for t in range(n)
    ]


def test_round_trip(tmp_path):
    store = IndexStore.create(tmp_path)
    store.set_meta(embedder="e", threshold=0.5)
    first = _tracklets("a", 2, 0)
    store.add_camera(CameraRecord("a", "a.mp4", None, 25.0, 64, 48, 10), first, [(0, 0, 1, 2, 3, 4, 0.9)])
    store.add_camera(CameraRecord("b", "b.mp4", "2026-01-01T08:00:00", 25.0, 64, 48, 10), _tracklets("b", 3, 1), [])
    store.close()
    reopened = IndexStore.open(tmp_path)
    assert reopened.meta() == {"embedder": "e", "threshold": 0.5}
    tracklets = reopened.tracklets()
    assert [(t.camera, t.track_id) for t in tracklets] == [("a", 0), ("a", 1), ("b", 0), ("b", 1), ("b", 2)]
    np.testing.assert_array_equal(tracklets[1].embedding, first[1].embedding)
    assert reopened.detections("a") == [(0, 0, 1.0, 2.0, 3.0, 4.0, 0.9)]
    assert reopened.camera_done("b", "b.mp4") and not reopened.camera_done("b", "other.mp4")


def test_redoing_a_camera_replaces_it(tmp_path):
    store = IndexStore.create(tmp_path)
    store.add_camera(CameraRecord("a", "a.mp4", None, 25.0, 64, 48, 10), _tracklets("a", 3, 0), [])
    store.set_identities([(t.id, 0, 1.0) for t in store.tracklets()])
    store.add_camera(CameraRecord("a", "a.mp4", None, 25.0, 64, 48, 10), _tracklets("a", 1, 5), [])
    assert len(store.tracklets()) == 1 and store.identities() == {}


def test_a_store_survives_a_kill_mid_run(tmp_path):
    """Kill a writer inside camera b's transaction: camera a stays intact and b is simply not done."""
    script = textwrap.dedent(
        f"""
        import time, numpy as np
        from crosscam.store.index_store import CameraRecord, IndexStore, TrackletRecord
        store = IndexStore.create({str(tmp_path)!r})
        def tracklets(camera, n):
            return [TrackletRecord(camera, t, 0, 9, 0.0, 0.9, 10, 3, np.full(4, 0.5, np.float32)) for t in range(n)]
        store.add_camera(CameraRecord("a", "a.mp4", None, 25.0, 64, 48, 10), tracklets("a", 2), [])
        def slow_rows():
            yield (0, 0, 1.0, 2.0, 3.0, 4.0, 0.9)
            print("inside", flush=True)
            time.sleep(60)
        store.add_camera(CameraRecord("b", "b.mp4", None, 25.0, 64, 48, 10), tracklets("b", 3), slow_rows())
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
    # Resuming writes b cleanly.
    writer = IndexStore.create(tmp_path)
    writer.add_camera(CameraRecord("b", "b.mp4", None, 25.0, 64, 48, 10), _tracklets("b", 3, 2), [])
    assert len(writer.tracklets()) == 5 and writer.embeddings().shape == (5, 4)


def test_open_without_index_is_a_clear_error(tmp_path):
    with pytest.raises(CrosscamError, match="no crosscam index"):
        IndexStore.open(tmp_path)
    (tmp_path / "index.sqlite").write_bytes(b"garbage" * 100)
    with pytest.raises(CrosscamError, match="not a readable crosscam index"):
        IndexStore.open(tmp_path)
