import os
from pathlib import Path

import numpy as np
import pytest

from crosscam.embed.hsv import HsvStripesEmbedder
from crosscam.errors import CrosscamError
from crosscam.eval.reid_metrics import evaluate_features
from crosscam.imageio import read_bgr
from crosscam.reid.datasets import ReidSample, load_dataset
from crosscam.reid.projection import CameraCenteredLDA

ASSETS = Path(os.environ.get("CROSSCAM_ASSETS", Path(__file__).parents[2] / "../shared/assets"))
CUHK01 = ASSETS / "data/cuhk01/CUHK01/campus"


def test_projection_suppresses_nuisance_directions_and_camera_shift():
    """Pose-like variation along a few directions swamps identity for cosine; the learned projection removes it."""
    rng = np.random.default_rng(0)
    people = rng.normal(size=(60, 32))
    nuisance = np.linalg.qr(rng.normal(size=(32, 6)))[0].T  # 6 orthonormal directions
    camera_shift = np.stack([np.zeros(32), 3 * rng.normal(size=32)])
    pids = np.repeat(np.arange(60), 4)
    camids = np.tile([0, 0, 1, 1], 60)
    features = people[pids] + camera_shift[camids] + 8 * rng.normal(size=(240, 6)) @ nuisance
    train, test = pids < 30, pids >= 30
    projection = CameraCenteredLDA(shrinkage=0.1).fit(features[train], pids[train], camids[train])
    query, gallery = test & (camids == 0), test & (camids == 1)
    samples = np.array(
        [ReidSample(Path(f"{i}.png"), int(p), int(c)) for i, (p, c) in enumerate(zip(pids, camids, strict=True))]
    )
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    plain = evaluate_features(unit[query], unit[gallery], samples[query], samples[gallery])
    projected = projection.transform(features, camids)
    learned = evaluate_features(projected[query], projected[gallery], samples[query], samples[gallery])
    assert learned.rank1 >= 95 and plain.rank1 < 50
    np.testing.assert_allclose(np.linalg.norm(projected, axis=1), 1, rtol=1e-5)


def test_unseen_camera_is_centred_with_the_overall_mean():
    rng = np.random.default_rng(1)
    features, pids, camids = rng.normal(size=(40, 8)), np.repeat(np.arange(10), 4), np.tile([0, 1], 20)
    projection = CameraCenteredLDA(shrinkage=0.5).fit(features, pids, camids)
    expected = (
        CameraCenteredLDA(shrinkage=0.5).fit(features, pids, camids).lda.transform(features[:3] - features.mean(axis=0))
    )
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(projection.transform(features[:3], np.array([7, 7, 7])), expected, rtol=1e-5)


def test_fit_needs_two_identities_and_transform_needs_a_fit():
    with pytest.raises(CrosscamError, match="at least two identities"):
        CameraCenteredLDA().fit(np.ones((4, 3)), np.zeros(4), np.zeros(4))
    with pytest.raises(CrosscamError, match="must be fitted"):
        CameraCenteredLDA().transform(np.ones((4, 3)), np.zeros(4))


@pytest.mark.skipif(not CUHK01.is_dir(), reason="CUHK01 not in the assets")
def test_projection_learned_on_train_ids_improves_colour_histograms_on_unseen_ids():
    """Real CUHK01 crops: LDA on 200 train ids lifts HSV stripes on 100 different test ids (inductive)."""
    split = load_dataset("cuhk01", CUHK01, split_seed=0)
    train_ids = sorted({s.pid for s in split.train})[:200]
    train = [s for s in split.train if s.pid in set(train_ids)]
    test_ids = set(sorted({s.pid for s in split.query})[:100])
    query = [s for s in split.query if s.pid in test_ids]
    gallery = [s for s in split.gallery if s.pid in test_ids]
    embedder = HsvStripesEmbedder()

    def embed(samples):
        return embedder.embed([read_bgr(s.path) for s in samples])

    def cams(samples):
        return np.array([s.camid for s in samples])

    projection = CameraCenteredLDA(shrinkage=0.5).fit(embed(train), np.array([s.pid for s in train]), cams(train))
    q, g = embed(query), embed(gallery)
    plain = evaluate_features(q, g, query, gallery)
    learned = evaluate_features(
        projection.transform(q, cams(query)), projection.transform(g, cams(gallery)), query, gallery
    )
    assert learned.mAP > plain.mAP + 10 and learned.rank1 > plain.rank1 + 10


def test_lda_head_weight_is_sklearn_lda_as_one_matrix():
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from crosscam.reid.projection import lda_head_weight

    rng = np.random.default_rng(1)
    pids = np.repeat(np.arange(5), 6)
    features = rng.normal(size=(30, 8)) + rng.normal(size=(5, 8))[pids]
    weight = lda_head_weight(features, pids, shrinkage=0.5)
    reference = LinearDiscriminantAnalysis(solver="eigen", shrinkage=0.5).fit(features, pids).transform(features)
    assert weight.shape == (8, 8) and np.abs(weight).max() == 1
    assert not weight[4:].any()  # 5 identities: 4 discriminant directions, the other rows zero
    projected = features @ weight.T
    norms = np.linalg.norm(projected, axis=1) * np.linalg.norm(reference, axis=1)
    cosine = (projected[:, :4] * reference).sum(1) / norms
    np.testing.assert_allclose(cosine, 1, rtol=1e-5)
    top2 = lda_head_weight(features, pids, shrinkage=0.5, directions=2)
    assert top2[:2].any(axis=1).all() and not top2[2:].any()
    np.testing.assert_allclose(top2[:2] / np.abs(top2).max(), weight[:2] / np.abs(weight[:2]).max(), rtol=1e-5)
    with pytest.raises(CrosscamError, match="at least two identities"):
        lda_head_weight(features, np.zeros(30), shrinkage=0.5)
