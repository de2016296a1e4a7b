"""Per-camera centring of tracklet embeddings, the threshold carried over to it, and its place in `associate`."""

import numpy as np

from crosscam.associate.associate import AssociationConfig, associate
from crosscam.associate.site_adaptation import adapt, centre_per_camera, transfer_threshold, whiten
from crosscam.embed.base import l2_normalize
from crosscam.types import Camera, Tracklet


def _two_cameras(people: int = 40, dim: int = 32, bias: float = 1.2, noise: float = 0.25, seed: int = 0):
    """Each person one tracklet per camera: identity + noise + a strong direction every tracklet of a camera shares."""
    rng = np.random.default_rng(seed)
    identity = l2_normalize(rng.normal(size=(people, dim)))
    shared = l2_normalize(rng.normal(size=(2, dim)))
    rows = [identity + noise * rng.normal(size=identity.shape) / np.sqrt(dim) + bias * shared[c] for c in (0, 1)]
    embeddings = l2_normalize(np.concatenate(rows))
    return embeddings, ["a"] * people + ["b"] * people, np.tile(np.arange(people), 2)


def _rank1(embeddings: np.ndarray, people: int) -> float:
    similarity = embeddings[:people] @ embeddings[people:].T
    return float(np.mean(similarity.argmax(axis=1) == np.arange(people)))


def test_centring_removes_what_a_camera_adds_to_all_its_tracklets():
    embeddings, cameras, _ = _two_cameras()
    centred = centre_per_camera(embeddings, cameras)
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)
    assert _rank1(centred, 40) > _rank1(embeddings, 40)
    # Within one camera, different people no longer look alike because of the camera.
    within_raw, within_centred = embeddings[:40] @ embeddings[:40].T, centred[:40] @ centred[:40].T
    off_diagonal = ~np.eye(40, dtype=bool)
    assert within_centred[off_diagonal].mean() < within_raw[off_diagonal].mean() - 0.3


def test_the_transferred_threshold_keeps_as_many_cross_camera_pairs_above_it():
    embeddings, cameras, _ = _two_cameras()
    centred = centre_per_camera(embeddings, cameras)
    for threshold in (0.6, 0.8):
        moved = transfer_threshold(embeddings, centred, cameras, threshold)
        raw_above = int((embeddings[:40] @ embeddings[40:].T >= threshold).sum())
        centred_above = int((centred[:40] @ centred[40:].T >= moved).sum())
        assert abs(raw_above - centred_above) <= 1, (threshold, raw_above, centred_above)


def test_too_few_tracklets_per_camera_are_left_as_they_are():
    embeddings, cameras, _ = _two_cameras(people=5)
    kept = adapt(embeddings, cameras, threshold=0.5, min_tracklets=6)
    assert not kept.centred and kept.threshold == 0.5 and kept.embeddings is embeddings
    assert adapt(embeddings, cameras, threshold=0.5, min_tracklets=5).centred
    assert not adapt(embeddings[:5], cameras[:5], threshold=0.5, min_tracklets=1).centred  # one camera: nothing


def test_whitening_decorrelates_and_keeps_unit_norm():
    embeddings, cameras, _ = _two_cameras(people=200, dim=8)
    whitened = whiten(centre_per_camera(embeddings, cameras), shrinkage=0.0)
    assert np.allclose(np.linalg.norm(whitened, axis=1), 1.0, atol=1e-5)
    covariance = np.cov(whitened.T)
    off_diagonal = ~np.eye(8, dtype=bool)
    assert np.abs(covariance[off_diagonal]).max() < 0.2 * np.diag(covariance).mean()


def test_associate_adapts_by_default_and_the_option_turns_it_off():
    """Raw, the camera's share outweighs the person: at the same calibrated threshold, the raw space merges
    different people of the other camera or misses the right one; centred, every person is found."""
    embeddings, cameras, people = _two_cameras(people=30, bias=1.5, noise=0.35, seed=1)
    tracklets = [
        Tracklet(camera, i, 0.0, 1.0, 0, 1, 2, 2, embedding)
        for i, (camera, embedding) in enumerate(zip(cameras, embeddings, strict=True))
    ]
    named = [Camera("a", ""), Camera("b", "")]
    raw = embeddings[:30] @ embeddings[30:].T
    threshold = float(np.median(np.diag(raw)))  # half the true pairs above it, raw
    default = associate(
        tracklets, {}, named, AssociationConfig(site_adaptation=True, min_camera_tracklets=20), threshold
    ).labels
    off = associate(tracklets, {}, named, AssociationConfig(site_adaptation=False), threshold).labels

    def correct(labels):
        return int(sum(labels[i] == labels[30 + i] for i in range(30)))

    assert correct(default) > correct(off)


def test_centring_helps_colour_histograms_across_the_two_cuhk01_views(assets_dir):
    """Real crops: view B of CUHK01 has another colour cast than view A, which centring takes out (100 people)."""
    from crosscam.assets import resolve_dataset
    from crosscam.associate.calibration import tracklet_embeddings
    from crosscam.embed.registry import create_embedder
    from crosscam.reid.datasets import load_dataset
    from crosscam.reid.features import embed_samples

    split = load_dataset("cuhk01", resolve_dataset("cuhk01", assets_dir), split_seed=0)
    people = sorted({s.pid for s in split.query})[:100]
    samples = [s for s in [*split.query, *split.gallery] if s.pid in people]
    embeddings, pids, cameras = tracklet_embeddings(embed_samples(create_embedder("hsv-stripes"), samples), samples)

    def rank1(x: np.ndarray) -> float:
        a, b = cameras == cameras[0], cameras != cameras[0]
        return float(np.mean(pids[b][(x[a] @ x[b].T).argmax(axis=1)] == pids[a]))

    assert rank1(centre_per_camera(embeddings, cameras)) > rank1(embeddings) + 0.03
