"""Opening a run folder: a one-line error for anything that is not a complete run, and nothing written."""

import sqlite3

import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.serve.data import RunData


def test_a_complete_run_opens_with_its_clock(run_folder):
    run = RunData.open(run_folder)
    assert [c.name for c in run.cameras] == ["hall <b>&amp;", "lab_a"]
    assert run.offsets == {"hall <b>&amp;": 3.0, "lab_a": 0.0}
    assert run.embeddings.shape == (4, len(run.tracklets[0].embedding))
    boxes = run.boxes_of(run.tracklets[0])
    assert len(boxes) == 40 and set(boxes.track_id.tolist()) == {run.tracklets[0].track_id}


def test_a_missing_folder(tmp_path):
    with pytest.raises(CrosscamError, match="no such run folder"):
        RunData.open(tmp_path / "nowhere")


def test_a_folder_without_embeddings(run_folder):
    (run_folder / "embeddings.npy").unlink()
    with pytest.raises(CrosscamError, match=r"incomplete run folder \(missing embeddings.npy\)"):
        RunData.open(run_folder)


def test_an_index_without_metadata_is_incomplete_and_left_alone(run_folder):
    with sqlite3.connect(run_folder / "index.sqlite") as db:
        db.execute("DELETE FROM meta WHERE key = 'calibration'")
    before = (run_folder / "index.sqlite").read_bytes()
    with pytest.raises(CrosscamError, match="incomplete index .no 'calibration'"):
        RunData.open(run_folder)
    assert (run_folder / "index.sqlite").read_bytes() == before


def test_a_run_that_stored_no_tracklets(tmp_path):
    from crosscam.store.index_store import IndexStore

    store = IndexStore.create(tmp_path)
    store.set_meta(embedder="hsv-stripes", calibration={})
    store.close()
    np.save(tmp_path / "embeddings.npy", np.zeros((0, 8), np.float32))
    with pytest.raises(CrosscamError, match="holds no tracklets"):
        RunData.open(tmp_path)
