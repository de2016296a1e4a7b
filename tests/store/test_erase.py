from datetime import datetime

import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.store.erase import Selection, erase
from crosscam.store.identities import write_identities
from crosscam.store.index_store import IndexStore
from crosscam.store.vector_index import VectorIndex
from crosscam.types import Camera, TrackedBoxes, Tracklet, identities_from

START = datetime(2026, 11, 25, 8, 0, 0)


def unit_rows(rng, count, dim=16):
    rows = rng.normal(size=(count, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def run_folder(tmp_path):
    """Two cameras, three tracklets each; identity g = tracklet g of each camera; thumbnails, videos, a vector index."""
    rng = np.random.default_rng(0)
    store = IndexStore.create(tmp_path)
    (tmp_path / "thumbnails").mkdir()
    (tmp_path / "videos").mkdir()
    for offset, name in enumerate(["lab_a", "lab_b"]):
        camera = Camera(name, f"/footage/{name}.mp4", START, 25.0, 64, 48, 100)
        embeddings = unit_rows(rng, 3)
        tracklets = []
        for track in range(3):
            thumb = f"thumbnails/{name}_{track}.jpg"
            (tmp_path / thumb).write_bytes(b"jpeg of " + thumb.encode())
            start = 10.0 * track + offset
            tracklets.append(Tracklet(name, track, start, start + 5, 0, 10, 4, 2, embeddings[track], thumb))
        frames = np.repeat(np.arange(4), 3)
        boxes = TrackedBoxes(
            name, frames, frames / 25.0, np.tile(np.arange(3), 4), rng.uniform(0, 40, (12, 4)), np.ones(12)
        )
        store.add_camera(camera, tracklets, boxes)
        (tmp_path / "videos" / f"{name}.mp4").write_bytes(b"video")
    stored = store.tracklets()
    identities = identities_from([(t, t.track_id + 1, 0.9) for t in stored], store.cameras())
    store.set_identities(identities)
    write_identities(identities, store.cameras(), tmp_path)
    index = VectorIndex(dim=16)
    index.add([t.id for t in stored], np.stack([t.embedding for t in stored]))
    index.save(tmp_path / "embeddings.faiss")
    store.close()
    return tmp_path, {t.id: t for t in stored}


def every_byte(folder):
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def test_forget_identity_leaves_no_byte_of_its_embeddings_and_no_file(run_folder):
    folder, tracklets = run_folder
    gone = [t for t in tracklets.values() if t.track_id == 1]  # identity 2: track 1 in both cameras
    kept = [t for t in tracklets.values() if t.track_id != 1]
    before = every_byte(folder)
    assert all(t.embedding.astype(np.float32).tobytes() in before for t in gone)

    report = erase(folder, Selection(identity=2))

    assert (report.tracklets, report.boxes, report.embedding_rows, report.vectors) == (2, 8, 2, 2)
    assert report.identities == (2,)
    after = every_byte(folder)
    for t in gone:
        assert t.embedding.astype(np.float32).tobytes() not in after
        assert t.embedding.astype(np.float16).tobytes() not in after
        assert not (folder / t.thumbnail).exists()
    assert all((folder / t.thumbnail).exists() for t in kept)
    assert not (folder / "videos" / "lab_a.mp4").exists() and not (folder / "videos" / "lab_b.mp4").exists()
    store = IndexStore.open(folder)
    assert sorted(t.id for t in store.tracklets()) == sorted(t.id for t in kept)
    for t in store.tracklets():  # the others keep their exact embeddings
        np.testing.assert_array_equal(t.embedding, tracklets[t.id].embedding)
    assert {i.global_id for i in store.identities()} == {1, 3}
    assert sorted(store.boxes("lab_a").track_id.tolist()) == [0] * 4 + [2] * 4
    store.close()
    assert '"global_id": 2' not in (folder / "identities.json").read_text()
    ids, _ = VectorIndex.load(folder / "embeddings.faiss").items()
    assert sorted(ids.tolist()) == sorted(t.id for t in kept)


def test_forget_camera_removes_it_entirely(run_folder):
    folder, tracklets = run_folder
    report = erase(folder, Selection(camera="lab_b"))
    assert report.tracklets == 3 and report.cameras_removed == ("lab_b",)
    store = IndexStore.open(folder)
    assert [c.name for c in store.cameras()] == ["lab_a"]
    assert len(store.boxes("lab_b")) == 0
    store.close()
    assert not list((folder / "thumbnails").glob("lab_b_*")) and len(list((folder / "thumbnails").glob("lab_a_*"))) == 3
    after = every_byte(folder)
    assert not any(t.embedding.tobytes() in after for t in tracklets.values() if t.camera == "lab_b")


def test_forget_before_a_time_keeps_later_tracklets(run_folder):
    folder, tracklets = run_folder
    # Tracks start at 0/1, 10/11 and 20/21 s after 08:00:00; erase those that started before 08:00:10.5.
    report = erase(folder, Selection(before=datetime(2026, 11, 25, 8, 0, 10, 500000)))
    assert report.tracklets == 3  # lab_a 0, lab_b 0, lab_a 1 (10 s); lab_b 1 starts at 11 s
    store = IndexStore.open(folder)
    assert sorted((t.camera, t.track_id) for t in store.tracklets()) == [("lab_a", 2), ("lab_b", 1), ("lab_b", 2)]
    store.close()


def test_forgetting_twice_or_unknown_things_are_one_line_errors(run_folder, tmp_path_factory):
    folder, _ = run_folder
    erase(folder, Selection(identity=1))
    with pytest.raises(CrosscamError, match="no identity 1 in this index; identities: 2, 3"):
        erase(folder, Selection(identity=1))
    with pytest.raises(CrosscamError, match="no camera 'hall'"):
        erase(folder, Selection(camera="hall"))
    with pytest.raises(CrosscamError, match="say what to erase"):
        Selection()
    with pytest.raises(CrosscamError, match="no crosscam index here"):
        erase(tmp_path_factory.mktemp("empty"), Selection(identity=1))


@pytest.mark.slow  # imports the whole CLI and the report's plotting
def test_forget_command_erases_rewrites_the_report_and_refuses_nothing_to_do(run_folder, capsys):
    from crosscam.cli import main

    folder, _ = run_folder
    (folder / "report.html").write_text("<img src='thumbnails/lab_a_1.jpg'>")
    assert main(["forget", "--index", str(folder), "--identity", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("erased identity 2: 2 tracklets, 8 boxes") and "lab_a_1.jpg" in out
    report = (folder / "report.html").read_text()
    assert "lab_a_1.jpg" not in report and "lab_a_0.jpg" in report
    nothing = ["--camera", "lab_a", "--identity", "3", "--before", "2026-11-25T08:00:00"]
    assert main(["forget", "--index", str(folder), *nothing]) != 0
    assert "nothing in" in capsys.readouterr().err
