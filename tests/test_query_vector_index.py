"""The run writes its vector index and multi-camera tracks; query searches the index (same answers as the exact
search); forget removes a person's vectors, clips and boxes. On the EPFL pair, from raw frames."""

import json

import numpy as np
import pytest

import crosscam
from crosscam.cli import main
from crosscam.eval.mtmc import evaluate_mtmc, read_camera_folder
from crosscam.query import open_vector_index
from crosscam.run import _update_vector_index
from crosscam.serve.clips import clip_name
from crosscam.store.index_store import IndexStore
from crosscam.store.vector_index import FILE_NAME, VectorIndex
from crosscam.track.mot import write_mot
from crosscam.types import Camera, TrackedBoxes, Tracklet


@pytest.fixture(scope="module")
def epfl(tmp_path_factory, assets_dir):
    out = tmp_path_factory.mktemp("epfl")
    clips = assets_dir / "data" / "epfl_lab_2cam"
    cameras = [f"lab_a={clips / 'Double1.mp4'}", f"lab_b={clips / 'Single1.mp4'}"]
    result = crosscam.run_cameras(cameras, out=out, assets=assets_dir, videos=False)
    return out, result


def _stored(folder):
    store = IndexStore.open(folder)
    try:
        return store.tracklets(), store.global_ids()
    finally:
        store.close()


@pytest.mark.slow
def test_query_through_the_vector_index_equals_the_exact_search(epfl):
    folder, _ = epfl
    tracklets, _ = _stored(folder)
    ids, _ = VectorIndex.load(folder / FILE_NAME).items()
    assert sorted(ids.tolist()) == sorted(t.id for t in tracklets)
    for tracklet in sorted(tracklets, key=lambda t: -t.num_boxes)[:3]:  # each search loads the model
        query = folder / tracklet.thumbnail
        exact = crosscam.search_index(folder, query)
        for top in (1, 2):
            indexed = crosscam.search_index(folder, query, top=top)
            assert [h.global_id for h in indexed.identities] == [h.global_id for h in exact.identities[:top]]
            np.testing.assert_allclose(
                [h.similarity for h in indexed.identities], [h.similarity for h in exact.identities[:top]], atol=1e-5
            )
            prefix = exact.tracklets[: len(indexed.tracklets)]
            assert [h.tracklet.id for h in indexed.tracklets] == [h.tracklet.id for h in prefix]


@pytest.mark.slow
def test_the_run_writes_mtmc_files_that_eval_mtmc_reads(epfl, tmp_path, capsys):
    folder, result = epfl
    manifest = set(json.loads((folder / "crosscam-manifest.json").read_text())["files"])
    assert {"mtmc/lab_a.txt", "mtmc/lab_b.txt", "mtmc/aicity.txt", "mtmc/cameras.txt"} <= manifest
    run = read_camera_folder(folder / "mtmc")
    (man,) = [i for i in result.identities if i.cameras == ["lab_a", "lab_b"]]
    assert man.global_id in set(run["lab_a"][:, 1]) & set(run["lab_b"][:, 1])
    # Its own boxes as ground truth (scored pedestrians: conf, class, visibility 1) give a perfect score; with the
    # man's id changed in lab_b only, they do not.
    truth = {name: np.column_stack([rows[:, :6], np.ones((len(rows), 3)), rows[:, 9]]) for name, rows in run.items()}
    assert evaluate_mtmc(truth, run)["IDF1"] == pytest.approx(100.0)
    renamed = {**truth, "lab_b": truth["lab_b"].copy()}
    renamed["lab_b"][renamed["lab_b"][:, 1] == man.global_id, 1] = 999
    for name, rows in renamed.items():
        write_mot(tmp_path / "gt" / f"{name}.txt", rows)
    capsys.readouterr()
    assert main(["eval-mtmc", "--gt", str(tmp_path / "gt"), "--run", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert f"of {len(np.unique(np.concatenate([r[:, 1] for r in renamed.values()])))} people carry one" in printed
    assert evaluate_mtmc(renamed, run)["IDF1"] < 99.0


@pytest.mark.slow
def test_forget_removes_the_persons_vectors_clips_and_boxes(epfl, tmp_path):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(epfl[0], folder)
    tracklets, global_ids = _stored(folder)
    person = global_ids[tracklets[0].id]
    gone = [t for t in tracklets if global_ids[t.id] == person]
    kept = [t for t in tracklets if global_ids[t.id] != person]
    (folder / "serve_clips").mkdir()
    for t in tracklets:  # as `crosscam serve` names the clips it cuts
        (folder / clip_name(t)).write_bytes(b"clip")
    assert main(["forget", "--index", str(folder), "--identity", str(person)]) == 0
    ids, _ = VectorIndex.load(folder / FILE_NAME).items()
    assert sorted(ids.tolist()) == sorted(t.id for t in kept)
    assert not any((folder / clip_name(t)).exists() for t in gone)
    assert all((folder / clip_name(t)).exists() for t in kept)
    mtmc = read_camera_folder(folder / "mtmc")
    assert person not in np.concatenate([rows[:, 1] for rows in mtmc.values()])
    store = IndexStore.open(folder)
    assert open_vector_index(store) is not None  # still holds exactly the stored tracklets
    store.close()


def _camera(store, name, embeddings):
    tracklets = [Tracklet(name, i, i, i + 1.0, i, i + 1, 2, 1, e) for i, e in enumerate(embeddings)]
    frames = np.arange(len(embeddings), dtype=float)
    boxes = TrackedBoxes(name, frames, frames, frames, np.tile([0, 0, 10, 20], (len(frames), 1)), np.ones(len(frames)))
    store.add_camera(Camera(name, f"{name}.mp4", None, 10.0, 64, 48, 10), tracklets, boxes)


def test_an_incremental_run_adds_new_tracklets_and_replaces_a_redone_camera(tmp_path):
    rng = np.random.default_rng(0)
    unit = lambda n: (lambda x: x / np.linalg.norm(x, axis=1, keepdims=True))(rng.normal(size=(n, 8)))  # noqa: E731
    store = IndexStore.create(tmp_path)
    _camera(store, "a", unit(3))
    _update_vector_index(store, store.tracklets(), {"a"})
    _camera(store, "b", unit(2))  # a later run adds camera b
    _update_vector_index(store, store.tracklets(), {"b"})
    _camera(store, "a", unit(2))  # and one redoes camera a: new tracklets, SQLite may reuse ids
    stored = store.tracklets()
    _update_vector_index(store, stored, {"a"})
    index = VectorIndex.load(tmp_path / FILE_NAME)
    ids, vectors = index.items()
    by_id = dict(zip(ids.tolist(), vectors, strict=True))
    assert sorted(by_id) == sorted(t.id for t in stored)
    for t in stored:
        np.testing.assert_allclose(by_id[t.id], t.embedding, atol=1e-6)
    assert open_vector_index(store) is not None
    store.close()
