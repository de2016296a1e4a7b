"""Corrections made in the web interface survive `crosscam associate`: a merge stays merged, "not this person" stays
apart, even at a threshold that would merge everyone; they are exported to corrections.json."""

import json
import re
from dataclasses import asdict

import numpy as np
from fastapi.testclient import TestClient

from crosscam.associate.calibration import Calibration
from crosscam.cli import main
from crosscam.serve.app import create_app
from crosscam.serve.data import RunData
from crosscam.store.index_store import IndexStore
from crosscam.types import Camera, TrackedBoxes, Tracklet

EMBEDDINGS = {  # X in a and b (cosine 0.95), Y in a, Z in b (unlike everyone)
    ("a", 1): [1, 0, 0], ("b", 1): [0.95, 0.312, 0], ("a", 2): [0, 1, 0], ("b", 2): [0, 0, 1],
}  # fmt: skip
SPANS = {"a": [(1, 0, 9), (2, 20, 29)], "b": [(1, 10, 19), (2, 40, 49)]}


def _index(folder) -> None:
    store = IndexStore.create(folder)
    store.set_meta(embedder="hsv", detector="none", calibration=asdict(Calibration("hsv", 10.0, -6.0, ["test"], 1, 1)))
    for name, spans in SPANS.items():
        tracklets = [
            Tracklet(name, tid, first / 10, last / 10, first, last, last - first + 1, 1, _unit(EMBEDDINGS[name, tid]))
            for tid, first, last in spans
        ]
        frames = np.concatenate([np.arange(first, last + 1) for _, first, last in spans])
        ids = np.concatenate([np.full(last - first + 1, tid) for tid, first, last in spans])
        boxes = TrackedBoxes(
            name, frames, frames / 10, ids, np.tile([10, 10, 50, 150], (len(ids), 1)), np.ones(len(ids))
        )
        store.add_camera(Camera(name, f"{name}.mp4", None, 10.0, 640, 480, 60), tracklets, boxes)
    store.close()


def _unit(vector) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _people(folder) -> dict[tuple[str, int], int]:
    table = json.loads((folder / "identities.json").read_text())
    return {(a["camera"], a["track_id"]): row["global_id"] for row in table for a in row["appearances"]}


def test_merge_and_not_this_person_survive_reassociation(tmp_path, capsys):
    folder = tmp_path / "index"
    _index(folder)
    assert main(["associate", "--index", str(folder), "--no-video"]) == 0  # calibrated threshold 0.6
    before = _people(folder)
    assert before == {("a", 1): 0, ("b", 1): 0, ("a", 2): 1, ("b", 2): 2}
    assert not (folder / "corrections.json").exists()

    client = TestClient(create_app(RunData.open(folder), make_embedder=lambda: None))
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/identities/0").text).group(1)
    merged = client.post("/corrections/merge", data={"keep": 1, "other": 2, "user": "ana", "csrf": csrf})
    assert merged.status_code == 200  # Y and Z are one person, says the investigator
    b1 = next(t.id for t in RunData.open(folder).tracklets if t.key == ("b", 1))
    apart = client.post("/corrections/not-this-person", data={"tracklet": b1, "person": 0, "csrf": csrf})
    assert apart.status_code == 200  # and b's X is not a's X

    capsys.readouterr()
    for threshold in ("0.6", "-0.5"):  # the calibrated threshold, and one at which appearance merges everyone
        assert main(["associate", "--index", str(folder), "--no-video", "--threshold", threshold]) == 0
        assert "kept 1 must-link and 1 cannot-link pair(s)" in capsys.readouterr().out
        people = _people(folder)
        assert people[("a", 2)] == people[("b", 2)] and people[("a", 1)] != people[("b", 1)], threshold
    exported = json.loads((folder / "corrections.json").read_text())
    assert [(c["action"], c["user"]) for c in exported["log"]] == [("merge", "ana"), ("not_this_person", None)]
    assert exported["must_link"] == [[["a", 2], ["b", 2]]] and exported["cannot_link"] == [[["a", 1], ["b", 1]]]
    manifest = json.loads((folder / "crosscam-manifest.json").read_text())["files"]
    assert {"corrections.json", "identities.json", "mtmc/a.txt", "mtmc/aicity.txt"} <= set(manifest)
