"""`crosscam run` and `crosscam query` end to end on the two EPFL clips (issue: the man of Single1.mp4 is one of
the two men of Double1.mp4, seen by another camera)."""

import json

import cv2
import numpy as np
import pytest

from crosscam.cli import main
from crosscam.store.index_store import IndexStore


def _lower_half_brightness(path) -> float:
    """The man of Single1.mp4 wears white trousers, the other man of Double1.mp4 dark ones."""
    crop = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2GRAY)
    return float(crop[crop.shape[0] // 2 :].mean())


@pytest.fixture(scope="module")
def epfl_run(tmp_path_factory, assets_dir):
    out = tmp_path_factory.mktemp("epfl")
    clips = assets_dir / "data" / "epfl_lab_2cam"
    code = main(
        ["--assets", str(assets_dir), "run", "--camera", f"lab_a={clips / 'Double1.mp4'}@2026-11-25T08:00:00",
         "--camera", f"lab_b={clips / 'Single1.mp4'}@2026-11-25T08:00:05", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    return out


@pytest.mark.slow
def test_the_same_man_gets_one_identity_across_cameras(epfl_run):
    table = json.loads((epfl_run / "identities.json").read_text())
    long_tracks = [
        (identity["global_id"], a) for identity in table for a in identity["appearances"] if a["num_boxes"] >= 30
    ]
    in_a = [(gid, a) for gid, a in long_tracks if a["camera"] == "lab_a"]
    in_b = [(gid, a) for gid, a in long_tracks if a["camera"] == "lab_b"]
    assert len(in_a) == 2 and len({gid for gid, _ in in_a}) == 2, in_a
    assert len({gid for gid, _ in in_b}) == 1, in_b
    single_man = in_b[0][0]
    same = [a for gid, a in in_a if gid == single_man]
    other = [a for gid, a in in_a if gid != single_man]
    assert len(same) == 1 and len(other) == 1
    # And it is the right man: white trousers, unlike the other one.
    assert _lower_half_brightness(epfl_run / same[0]["thumbnail"]) > _lower_half_brightness(
        epfl_run / other[0]["thumbnail"]
    )
    # Wall-clock times follow the given start times.
    assert in_b[0][1]["start_time"].startswith("2026-11-25T08:00:0")
    for name in ("report.html", "identities.csv", "timeline.png", "videos/lab_a.mp4", "videos/lab_b.mp4"):
        assert (epfl_run / name).stat().st_size > 0
    assert "Person" in (epfl_run / "report.html").read_text()


@pytest.mark.slow
def test_query_finds_the_man_in_both_cameras(epfl_run, tmp_path, capsys):
    store = IndexStore.open(epfl_run)
    assigned = store.global_ids()
    single = max((t for t in store.tracklets() if t.camera == "lab_b"), key=lambda t: t.num_boxes)
    query = epfl_run / single.thumbnail
    out_json = tmp_path / "hits.json"
    assert main(["query", str(query), "--index", str(epfl_run), "--json", str(out_json)]) == 0
    result = json.loads(out_json.read_text())
    best = result["identities"][0]
    assert best["global_id"] == assigned[single.id]
    assert best["probability"] > 0.5
    cameras = {t["camera"] for t in result["tracklets"] if t["global_id"] == best["global_id"]}
    assert cameras == {"lab_a", "lab_b"}
    assert (epfl_run / f"query_{query.stem}.png").is_file()


def test_query_on_an_empty_index_is_a_clear_error(tmp_path, capsys, assets_dir):
    store = IndexStore.create(tmp_path)
    store.set_meta(
        embedder="hsv-stripes",
        calibration={
            "embedder": "hsv-stripes",
            "slope": 20.0,
            "intercept": -10.0,
            "fitted_on": [],
            "num_positive": 1,
            "num_negative": 1,
        },
    )
    image = tmp_path / "q.png"
    cv2.imwrite(str(image), np.full((128, 64, 3), 90, np.uint8))
    assert main(["--assets", str(assets_dir), "query", str(image), "--index", str(tmp_path)]) == 2
    assert "holds no tracklets" in capsys.readouterr().err


def test_query_without_index_and_bad_cameras_are_clear_errors(tmp_path, capsys):
    assert main(["query", str(tmp_path / "q.png"), "--index", str(tmp_path)]) == 2
    assert "no crosscam index" in capsys.readouterr().err
    assert main(["run", "--camera", "lab", "--out", str(tmp_path / "o")]) == 2
    assert "expected NAME=SOURCE" in capsys.readouterr().err
    assert main(["run", "--camera", f"lab={tmp_path / 'none.mp4'}", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "none.mp4" in err and "no such file" in err and err.count("\n") == 1
    assert main(["run", "--out", str(tmp_path / "o")]) == 2
    assert "no cameras given" in capsys.readouterr().err
