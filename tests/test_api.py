"""The Python API does the main job as `crosscam run` does, and its run folder serves `crosscam query`."""

import json
import subprocess
import sys

import pytest

import crosscam
from crosscam.cli import main


@pytest.mark.slow
def test_run_cameras_gives_the_identities_of_the_cli_and_a_queryable_index(tmp_path, assets_dir):
    clips = assets_dir / "data" / "epfl_lab_2cam"
    cameras = [
        f"lab_a={clips / 'Double1.mp4'}@2026-11-25T08:00:00",
        f"lab_b={clips / 'Single1.mp4'}@2026-11-25T08:00:05",
    ]
    result = crosscam.run_cameras(cameras, out=tmp_path / "api", assets=assets_dir)
    cli = tmp_path / "cli"
    args = ["--assets", str(assets_dir), "run", "--out", str(cli), *(a for c in cameras for a in ("--camera", c))]
    assert main(args) == 0

    assert json.loads((tmp_path / "api" / "identities.json").read_text()) == json.loads(
        (cli / "identities.json").read_text()
    )
    assert isinstance(result, crosscam.RunResult) and len(result.identities) == 2
    assert [c.name for c in result.cameras] == ["lab_a", "lab_b"] and result.cameras[1].frames > 0
    expected = {
        (a["camera"], a["track_id"]): identity["global_id"]
        for identity in json.loads((cli / "identities.json").read_text())
        for a in identity["appearances"]
    }
    assert {a.tracklet.key: i.global_id for i in result.identities for a in i.appearances} == expected
    assert result.files["report"].is_file() and result.files["videos/lab_b"].is_file()
    (man,) = [i for i in result.identities if i.cameras == ["lab_a", "lab_b"]]
    assert man.appearances[0].start_time.isoformat().startswith("2026-11-25T08:00")

    # The store made from Python carries what `crosscam query` needs.
    query = tmp_path / "api" / man.appearances[-1].tracklet.thumbnail
    assert main(["query", str(query), "--index", str(tmp_path / "api"), "--json", str(tmp_path / "hits.json")]) == 0
    assert json.loads((tmp_path / "hits.json").read_text())["identities"][0]["global_id"] == man.global_id
    hits = crosscam.search_index(tmp_path / "api", query)
    assert hits.identities[0].global_id == man.global_id and hits.embedder == result_embedder(tmp_path / "api")


def result_embedder(folder):
    store = crosscam.open_index(folder)
    try:
        return store.meta()["embedder"]
    finally:
        store.close()


def test_import_crosscam_is_light():
    code = "import sys, crosscam; print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'cv2', 'numpy'}))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"
    assert {"run_cameras", "create_embedder", "create_detector", "IndexStore", "Identity"} <= set(dir(crosscam))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        crosscam.nothing  # noqa: B018
