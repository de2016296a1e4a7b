import numpy as np
import pytest

from crosscam.associate.calibration import (
    Calibration,
    cross_camera_pairs,
    expected_calibration_error,
    fit_calibration,
    load_calibration,
    reliability_table,
    tracklet_embeddings,
)
from crosscam.errors import CrosscamError
from crosscam.reid.datasets import ReidSample


def _pairs(rng, n_pos, n_neg):
    similarities = np.concatenate([rng.normal(0.7, 0.1, n_pos), rng.normal(0.3, 0.1, n_neg)])
    same = np.concatenate([np.ones(n_pos, bool), np.zeros(n_neg, bool)])
    return similarities, same


def test_fit_puts_threshold_between_the_classes_whatever_their_counts():
    rng = np.random.default_rng(0)
    calibration = fit_calibration("x", *_pairs(rng, 500, 20000), fitted_on=["synthetic"])
    # Balanced weighting: the threshold sits where the two equal-variance classes cross, at 0.5.
    assert calibration.threshold == pytest.approx(0.5, abs=0.02)
    assert calibration.probability(0.9) > 0.95 and calibration.probability(0.1) < 0.05


def test_reliability_of_a_well_specified_model_is_close():
    rng = np.random.default_rng(1)
    calibration = fit_calibration("x", *_pairs(rng, 2000, 20000), fitted_on=["synthetic"])
    rows = reliability_table(calibration, *_pairs(rng, 2000, 20000))
    assert sum(row["pairs"] for row in rows) == 4000  # negatives subsampled to the positives
    assert expected_calibration_error(rows) < 0.05


def test_tracklet_embeddings_average_each_person_camera():
    samples = [ReidSample(f"{i}.png", pid, cam) for i, (pid, cam) in enumerate([(1, 0), (1, 0), (1, 1), (2, 1)])]
    features = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=np.float32)
    embeddings, pids, camids = tracklet_embeddings(features, samples)
    assert len(embeddings) == 3
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-6)
    similarities, same = cross_camera_pairs(embeddings, pids, camids)
    assert len(similarities) == 2 and same.sum() == 1  # (1,cam0)-(1,cam1) and (1,cam0)-(2,cam1)


def test_save_load_round_trip(tmp_path):
    calibration = Calibration("x", 10.0, -5.0, ["a"], 3, 4, [{"bin": "0.0-0.1"}])
    calibration.save(tmp_path / "c.json")
    assert Calibration.load(tmp_path / "c.json") == calibration


def test_missing_calibration_names_the_command():
    with pytest.raises(CrosscamError, match="crosscam calibrate --embedder no-such"):
        load_calibration("no-such")


def test_fit_needs_both_classes():
    with pytest.raises(CrosscamError):
        fit_calibration("x", np.array([0.1, 0.2]), np.array([True, True]), fitted_on=[])
