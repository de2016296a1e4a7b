"""Multi-camera scoring on a hand-made two-camera case whose answer is known.

Camera A sees persons 1 and 2 for 10 frames, camera B sees person 1 for 10 frames: 30 scored boxes.
"""

import numpy as np
import pytest

from crosscam.cli import main
from crosscam.errors import CrosscamError
from crosscam.eval.mtmc import evaluate_mtmc, read_camera_folder
from crosscam.export.mtmc import write_mtmc
from crosscam.track.mot import write_mot
from crosscam.types import Appearance, Identity, TrackedBoxes, Tracklet

FRAMES = 10


def rows(person: int, left: float) -> np.ndarray:
    frames = np.arange(1, FRAMES + 1)
    out = np.full((FRAMES, 10), -1.0)
    out[:, 0], out[:, 1], out[:, 2], out[:, 3], out[:, 4], out[:, 5] = frames, person, left + 3 * frames, 50, 40, 100
    out[:, 6:9] = 1
    return out


GT = {"A": np.concatenate([rows(1, 0), rows(2, 300)]), "B": rows(1, 100)}


def predicted(id_a1: int, id_a2: int, id_b1: int) -> dict[str, np.ndarray]:
    """Perfect boxes with the given global ids (person 1 in A, person 2 in A, person 1 in B)."""
    a1, a2, b1 = rows(id_a1, 0), rows(id_a2, 300), rows(id_b1, 100)
    return {"A": np.concatenate([a1, a2]), "B": b1}


def test_one_global_id_per_person_is_perfect():
    scores = evaluate_mtmc(GT, predicted(5, 6, 5))
    assert scores["IDF1"] == pytest.approx(100) and scores["HOTA"] == pytest.approx(100)
    assert scores["people"] == 2 and scores["identities"] == 2 and scores["one_id"] == 2


def test_a_new_id_in_the_second_camera_costs_a_third_of_the_boxes():
    """Person 1 gets id 7 in B: each camera alone is perfect, but 10 of 30 boxes carry a wrong global id."""
    scores = evaluate_mtmc(GT, predicted(5, 6, 7))
    assert scores["IDF1"] == pytest.approx(100 * 2 * 20 / (30 + 30))  # IDTP 20 of 30 gt and 30 predicted boxes
    assert scores["IDSW"] == 1 and scores["MOTA"] == pytest.approx(100 * (1 - 1 / 30))  # the switch at the camera
    assert scores["identities"] == 3 and scores["one_id"] == 1
    swapped = evaluate_mtmc(GT, predicted(5, 6, 6))  # person 1 takes person 2's id in camera B
    assert swapped["IDF1"] == pytest.approx(100 * 2 * 20 / 60) and swapped["one_id"] == 1


def test_eval_mtmc_command_scores_the_exporter_output(tmp_path, capsys):
    """TrackedBoxes + identities -> crosscam.export.mtmc files -> `crosscam eval-mtmc` reads them back."""
    gt_folder = tmp_path / "gt"
    for camera, camera_rows in GT.items():
        write_mot(gt_folder / f"{camera}.txt", camera_rows)
    boxes = [  # per-camera track ids 1, 2 in A and 1 in B; the identities join A/1 with B/1
        TrackedBoxes.from_mot("A", np.concatenate([rows(1, 0), rows(2, 300)]), fps=10),
        TrackedBoxes.from_mot("B", rows(1, 100), fps=10),
    ]

    def tracklet(camera, track):
        return Tracklet(camera, track, 0.0, 0.9, 0, 9, FRAMES, 1, np.ones(4, np.float32))

    identities = [
        Identity(1, (Appearance(tracklet("A", 1), 1.0), Appearance(tracklet("B", 1), 0.8))),
        Identity(2, (Appearance(tracklet("A", 2), 1.0),)),
    ]
    files = write_mtmc(tmp_path / "run" / "mtmc", boxes, identities)
    assert read_camera_folder(tmp_path / "run" / "mtmc")["B"][:, 1].tolist() == [1] * FRAMES
    aicity = np.loadtxt(files["aicity.txt"])
    assert aicity.shape == (30, 9) and set(aicity[:, 0]) == {1, 2} and (aicity[:, 7:] == -1).all()
    assert main(["eval-mtmc", "--gt", str(gt_folder), "--run", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "| **all 2 cameras** | **100.0**" in out and "2 global ids for 2 people; 2 of 2 people" in out


def test_predictions_for_an_unknown_camera_are_refused():
    with pytest.raises(CrosscamError, match="cameras without ground truth: C"):
        evaluate_mtmc(GT, {**predicted(5, 6, 5), "C": rows(9, 0)})
