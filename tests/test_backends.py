"""Backends: worker processes and Ray give the in-process result on the EPFL clips; a run killed mid-camera resumes
without duplicate tracklets."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from crosscam.backends import CameraJob, InProcessBackend, LocalPoolBackend, RayBackend
from crosscam.cameras import CameraSpec
from crosscam.config import RunConfig
from crosscam.embed.registry import default_embedder_name
from crosscam.store.index_store import IndexStore

FAST = RunConfig(detect_fps=10.0)  # every third frame of the 29.97 fps clips: the same code path, a third of the work


@pytest.fixture(scope="module")
def jobs(assets_dir):
    clips = assets_dir / "data" / "epfl_lab_2cam"
    embedder = default_embedder_name(str(assets_dir))
    specs = [CameraSpec("lab_a", str(clips / "Double1.mp4")), CameraSpec("lab_b", str(clips / "Single1.mp4"))]
    return [CameraJob(spec, FAST, embedder, str(assets_dir)) for spec in specs]


@pytest.fixture(scope="module")
def in_process(jobs):
    return {p.camera.name: p for p in InProcessBackend().process(jobs, progress=False)}


def assert_same(results, expected) -> None:
    assert sorted(results) == sorted(expected)
    for name, want in expected.items():
        got = results[name]
        assert got.camera == want.camera
        assert [(t.key, t.first_frame, t.last_frame, t.num_boxes) for t in got.result.tracklets] == [
            (t.key, t.first_frame, t.last_frame, t.num_boxes) for t in want.result.tracklets
        ]
        for a, b in zip(got.result.tracklets, want.result.tracklets, strict=True):
            np.testing.assert_array_equal(a.embedding, b.embedding)
        for column in ("frame", "timestamp", "track_id", "xyxy", "score"):
            np.testing.assert_array_equal(getattr(got.result.boxes, column), getattr(want.result.boxes, column))
        assert got.result.thumbnails == want.result.thumbnails


@pytest.mark.slow
def test_worker_processes_give_the_in_process_result(jobs, in_process):
    assert len(in_process["lab_a"].result.tracklets) == 2 and len(in_process["lab_b"].result.tracklets) == 1
    # Skipped frames are interpolated: the tracks have a box on every frame between their ends.
    boxes = in_process["lab_b"].result.boxes
    assert len(boxes) == boxes.frame.max() - boxes.frame.min() + 1 and len(boxes) > 200
    assert_same({p.camera.name: p for p in LocalPoolBackend(2).process(jobs, progress=False)}, in_process)


@pytest.mark.slow
def test_ray_tasks_give_the_in_process_result(jobs, in_process):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        assert_same({p.camera.name: p for p in RayBackend().process(jobs, progress=False)}, in_process)
    finally:
        ray.shutdown()


@pytest.mark.slow
def test_a_run_killed_mid_camera_resumes_without_duplicate_tracklets(tmp_path, assets_dir, in_process):
    clips = assets_dir / "data" / "epfl_lab_2cam"
    out = tmp_path / "run"
    command = [sys.executable, "-m", "crosscam.cli", "--assets", str(assets_dir), "run", "--out", str(out)]
    command += ["--camera", f"lab_a={clips / 'Double1.mp4'}", "--camera", f"lab_b={clips / 'Single1.mp4'}"]
    command += ["--detect-fps", "10", "--no-video"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not _done(out) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert process.poll() is None, "the run ended before it could be killed during its second camera"
        assert _done(out) == ["lab_a"]
        process.send_signal(signal.SIGKILL)  # during lab_b
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "lab_a: already in the index, skipped" in resumed.stdout
    store = IndexStore.open(out)
    tracklets = store.tracklets()
    expected = [t.key for p in in_process.values() for t in p.result.tracklets]
    assert sorted(t.key for t in tracklets) == sorted(expected)  # each once, as an uninterrupted run stores them
    assert len(store.embeddings()) == len(tracklets) and {t.id for t in tracklets} == set(store.global_ids())


def _done(folder) -> list[str]:
    if not (folder / "index.sqlite").is_file():
        return []
    try:
        with sqlite3.connect(f"file:{folder / 'index.sqlite'}?mode=ro", uri=True) as db:
            return [name for (name,) in db.execute("SELECT name FROM cameras WHERE status = 'done' ORDER BY name")]
    except sqlite3.OperationalError:  # created but no tables yet, or locked by the writer
        return []
