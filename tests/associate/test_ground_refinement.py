"""Ground-plane calibration check and repair on the MultiviewX sample, scored against its ground-truth positions."""

import json

import numpy as np
import pytest

from crosscam.associate.ground_plane import GroundCalibration
from crosscam.associate.ground_refinement import refine_calibrations
from crosscam.embed.hsv import HsvStripesEmbedder
from crosscam.imageio import read_bgr
from crosscam.types import TrackedBoxes

GRID_METRES = 0.025  # MultiviewX positionID -> (x, y) on a 1000-wide grid of 2.5 cm cells
FPS = 2.0


@pytest.fixture(scope="module")
def sample(assets_dir):
    """Per (camera, person): its boxes, ground-truth ground positions, and an HSV colour embedding (a weak cue)."""
    root = assets_dir / "data" / "multiviewx_sample"
    rows = {}
    for annotation in sorted((root / "annotations_positions").glob("*.json")):
        frame = int(annotation.stem) - 1
        for person in json.loads(annotation.read_text()):
            position = person["positionID"]
            truth = np.array([position % 1000, position // 1000]) * GRID_METRES
            for view in person["views"]:
                if view["xmin"] != -1:
                    box = [view["xmin"], view["ymin"], view["xmax"], view["ymax"]]
                    rows.setdefault((f"C{view['viewNum'] + 1}", person["personID"]), []).append((frame, box, truth))
    embedder = HsvStripesEmbedder()
    tracks, truths, embeddings = [], [], []
    for (camera, _), seen in sorted(rows.items()):
        frames = np.array([f for f, _, _ in seen])
        boxes = np.array([box for _, box, _ in seen], np.float64)
        tracks.append(TrackedBoxes(camera, frames, frames / FPS, np.zeros(len(seen)), boxes, np.ones(len(seen))))
        truths.append(np.array([t for _, _, t in seen]))
        crops = []
        for f, (x1, y1, x2, y2), _ in seen:
            image = read_bgr(root / "Image_subsets" / camera / f"{f:04d}.jpg")
            height, width = image.shape[:2]
            x1, x2 = np.clip([x1, x2], 0, width - 2).astype(int)
            y1, y2 = np.clip([y1, y2], 0, height - 2).astype(int)
            crops.append(image[y1 : max(y2, y1 + 2), x1 : max(x2, x1 + 2)])
        mean = embedder.embed(crops).mean(axis=0)
        embeddings.append(mean / np.linalg.norm(mean))
    calibrations = {
        f"C{n}": GroundCalibration.from_opencv_xml(
            root / "calibrations" / "intrinsic" / f"intr_Camera{n}.xml",
            root / "calibrations" / "extrinsic" / f"extr_Camera{n}.xml",
        )
        for n in range(1, 7)
    }
    return tracks, truths, np.stack(embeddings), calibrations


def position_errors(tracks, truths, calibrations) -> dict[str, float]:
    """Median distance (metres) between mapped foot points and the ground truth, per camera."""
    errors = {}
    for track, truth in zip(tracks, truths, strict=True):
        mapped = calibrations[track.camera].image_to_ground(track.foot_points())
        errors.setdefault(track.camera, []).extend(np.linalg.norm(mapped - truth, axis=1))
    return {camera: float(np.median(values)) for camera, values in errors.items()}


def test_cameras_that_disagree_are_re_estimated_to_within_half_a_metre(sample):
    tracks, truths, embeddings, calibrations = sample
    before = position_errors(tracks, truths, calibrations)
    assert before["C4"] > 2 and before["C5"] > 2  # the sample's Camera4/5 files are metres off

    refined, report = refine_calibrations(tracks, embeddings, calibrations)

    after = position_errors(tracks, truths, refined)
    assert max(after.values()) < 0.5, after
    by_camera = {line.camera: line for line in report}
    assert by_camera["C4"].replaced and by_camera["C5"].replaced
    assert by_camera["C4"].agreeing_before == 0 and by_camera["C4"].agreeing_after >= 0.9 * by_camera["C4"].tracklets
    assert "C4: 0/" in by_camera["C4"].describe() and "re-estimated" in by_camera["C4"].describe()


def test_consistent_cameras_are_kept(sample):
    tracks, truths, embeddings, calibrations = sample
    keep = [i for i, track in enumerate(tracks) if track.camera in ("C1", "C3", "C6")]
    subset = [tracks[i] for i in keep]
    refined, report = refine_calibrations(subset, embeddings[keep], calibrations)
    assert {line.camera for line in report} == {"C1", "C3", "C6"}
    assert all(line.agreeing_after >= line.agreeing_before for line in report)
    after = position_errors(subset, [truths[i] for i in keep], refined)
    assert max(after.values()) < 0.3, after  # polishing against each other keeps them within centimetres


def test_one_calibrated_camera_has_nothing_to_check_against(sample):
    tracks, _, embeddings, calibrations = sample
    keep = [i for i, track in enumerate(tracks) if track.camera == "C1"]
    refined, report = refine_calibrations([tracks[i] for i in keep], embeddings[keep], calibrations)
    assert report == [] and refined["C1"] is calibrations["C1"]
