"""`crosscam associate`: re-association of a stored index with another threshold, identity numbers kept."""

import json
from dataclasses import asdict

import numpy as np

from crosscam.associate.calibration import Calibration
from crosscam.cli import main
from crosscam.store.index_store import IndexStore
from crosscam.types import Camera, TrackedBoxes, Tracklet


def _unit(vector) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _index(folder) -> None:
    """Two cameras; one person on both (cosine 0.95), another on camera b only, unlike him (cosine 0.4)."""
    store = IndexStore.create(folder)
    store.set_meta(embedder="hsv", detector="none", calibration=asdict(Calibration("hsv", 10.0, -6.0, ["test"], 1, 1)))
    embeddings = {("a", 1): _unit([1, 0, 0]), ("b", 1): _unit([0.95, 0.312, 0]), ("b", 2): _unit([0.4, 0, 0.917])}
    for name, spans in {"a": [(1, 0, 9)], "b": [(1, 20, 29), (2, 40, 49)]}.items():
        tracklets = [
            Tracklet(name, tid, first / 10, last / 10, first, last, 10, 1, embeddings[(name, tid)])
            for tid, first, last in spans
        ]
        frames = np.concatenate([np.arange(first, last + 1) for _, first, last in spans])
        ids = np.concatenate([np.full(last - first + 1, tid) for tid, first, last in spans])
        boxes = TrackedBoxes(
            name, frames, frames / 10, ids, np.tile([10, 10, 50, 150], (len(ids), 1)), np.ones(len(ids))
        )
        store.add_camera(Camera(name, f"{name}.mp4", None, 10.0, 640, 480, 60), tracklets, boxes)
    store.close()


def _people(folder) -> dict[tuple[str, int], int]:
    table = json.loads((folder / "identities.json").read_text())
    return {(a["camera"], a["track_id"]): row["global_id"] for row in table for a in row["appearances"]}


def test_reassociation_keeps_numbers_and_reports_merges_and_splits(tmp_path, capsys):
    folder = tmp_path / "index"
    _index(folder)
    assert main(["associate", "--index", str(folder), "--no-video"]) == 0  # calibrated threshold 0.6
    assert _people(folder) == {("a", 1): 0, ("b", 1): 0, ("b", 2): 1}
    capsys.readouterr()
    assert main(["associate", "--index", str(folder), "--threshold", "0.3", "--no-video"]) == 0
    assert "identity 1 merged into identity 0" in capsys.readouterr().out
    assert set(_people(folder).values()) == {0}
    assert main(["associate", "--index", str(folder), "--threshold", "0.99", "--no-video"]) == 0
    people = _people(folder)
    assert people[("a", 1)] == 0 and len(set(people.values())) == 3
    assert min(people[("b", 1)], people[("b", 2)]) == 2  # new numbers never reuse the retired 1
    changes = IndexStore.open(folder).meta()["identity_changes"]
    assert [len(change["merges"]) for change in changes] == [1, 0] and len(changes[1]["splits"]) == 2


def test_missing_index_and_unknown_transit_camera_are_one_line_errors(tmp_path, capsys):
    assert main(["associate", "--index", str(tmp_path / "none")]) != 0
    assert "no crosscam index here" in capsys.readouterr().err
    folder = tmp_path / "index"
    _index(folder)
    assert main(["associate", "--index", str(folder), "--transit", "a:lobby:0:10", "--no-video"]) != 0
    assert "'lobby'" in capsys.readouterr().err
