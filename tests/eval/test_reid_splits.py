import os
from pathlib import Path

import numpy as np
import pytest

from crosscam.errors import CrosscamError
from crosscam.eval.reid_metrics import evaluate_features
from crosscam.eval.reid_splits import evaluate_splits, rows_of, split_samples, split_seeds, summarize

CUHK01 = Path(os.environ.get("CROSSCAM_ASSETS", Path(__file__).parents[2] / "../shared/assets")) / (
    "data/cuhk01/CUHK01/campus"
)


def test_split_seeds():
    assert split_seeds("cuhk01", 10, 3) == [10, 11, 12]
    assert split_seeds("market1501", 0, 1) == [0]
    with pytest.raises(CrosscamError, match="cuhk01 only"):
        split_seeds("market1501", 0, 2)
    with pytest.raises(CrosscamError, match="at least one"):
        split_seeds("cuhk01", 0, 0)


@pytest.mark.skipif(not CUHK01.is_dir(), reason="CUHK01 not in the assets")
def test_cuhk01_splits_embedded_once_and_evaluated_by_subsetting():
    seeds = [0, 1, 2]
    samples, splits = split_samples("cuhk01", CUHK01, seeds)
    in_test = {s.path for split in splits for s in (*split.query, *split.gallery)}
    assert {s.path for s in samples} == in_test and len(samples) == len(in_test)  # union, no duplicates
    assert 2 * 972 < len(samples) < 3884  # three splits overlap but do not cover every id
    # Fake features that identify the person: evaluation by subsetting equals evaluating each split directly.
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(972, 16))
    features = centers[[s.pid for s in samples]] + 2.0 * rng.normal(size=(len(samples), 16))
    features = (features / np.linalg.norm(features, axis=1, keepdims=True)).astype(np.float32)
    results = evaluate_splits(features, samples, splits, seeds)
    for result, split in zip(results, splits, strict=True):
        query = features[rows_of(samples, split.query)]
        gallery = features[rows_of(samples, split.gallery)]
        direct = evaluate_features(query, gallery, split.query, split.gallery)
        assert result.plain.mAP == pytest.approx(direct.mAP) and result.plain.num_valid_queries == 972
    summary = summarize([r.plain for r in results])
    assert summary["rank1"]["mean"] == pytest.approx(np.mean([r.plain.rank1 for r in results]))
    assert summary["mAP"]["std"] > 0  # different splits, different scores
