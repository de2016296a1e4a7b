"""Where a person walked: the foot points of their boxes through the camera's ground-plane calibration."""

import numpy as np
from fastapi.testclient import TestClient

from crosscam.serve.app import create_app
from crosscam.serve.data import RunData
from crosscam.serve.ground import ground_plot, load_grounds
from crosscam.serve.view import build_identities


def cameras_file(tmp_path, assets_dir):
    calibrations = assets_dir / "data" / "multiviewx_sample" / "calibrations"
    path = tmp_path / "cameras.yaml"
    path.write_text(
        "cameras:\n"
        "  - name: lab_a\n"
        "    source: sources/camera0.mp4\n"
        f"    calibration: {{intrinsic: {calibrations}/intrinsic/intr_Camera1.xml,"
        f" extrinsic: {calibrations}/extrinsic/extr_Camera1.xml}}\n"
    )
    return path


def test_the_path_is_the_ground_position_of_every_box(run_folder, tmp_path, assets_dir):
    grounds = load_grounds(cameras_file(tmp_path, assets_dir))
    run = RunData.open(run_folder)
    identities, _ = build_identities(run, [])
    plot = ground_plot(run, identities[0], grounds)
    (path,) = plot.paths
    boxes = run.boxes_of(identities[0].appearances[0].tracklet)
    assert np.allclose(path.points, grounds["lab_a"].image_to_ground(boxes.foot_points()))
    assert (plot.low < path.points.min(axis=0)).all() and (plot.high > path.points.max(axis=0)).all()
    assert ground_plot(run, identities[2], grounds) is None  # the other camera has no calibration

    client = TestClient(create_app(run, grounds=grounds))
    page = client.get("/identities/0").text
    assert 'id="ground-plot"' in page and page.count("<polyline") == 1
    assert 'id="ground-plot"' not in client.get("/identities/2").text
