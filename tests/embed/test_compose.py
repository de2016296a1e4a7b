"""Flip test-time augmentation and weighted fusion, on real crops and real models."""

import numpy as np
import pytest

from crosscam.embed.base import l2_normalize
from crosscam.embed.compose import FlipEmbedder, FusedEmbedder


@pytest.mark.parametrize("name", ["hsv-stripes", "osnet-x0.25-msmt17"])
def test_flip_is_the_normalised_mean_of_the_two_passes(name, embedder_for, crops):
    inner = embedder_for(name)
    flip = FlipEmbedder(inner)
    mirrored = [crop[:, ::-1] for crop in crops]
    expected = l2_normalize(inner.embed(crops) + inner.embed(mirrored))
    np.testing.assert_allclose(flip.embed(crops), expected, atol=1e-5)
    assert flip.name == f"{name}:flip" and flip.dim == inner.dim


def test_flip_changes_an_asymmetric_embedding(embedder_for, crops):
    inner = embedder_for("osnet-x0.25-msmt17")
    assert not np.allclose(FlipEmbedder(inner).embed(crops), inner.embed(crops), atol=1e-3)


def test_fused_cosine_is_the_weighted_mean_of_the_parts_cosines(embedder_for, crops):
    colour, reid = embedder_for("hsv-stripes"), embedder_for("osnet-x0.25-msmt17")
    fused = FusedEmbedder([(colour, 3.0), (reid, 1.0)])
    features = fused.embed(crops)
    assert features.shape == (len(crops), colour.dim + reid.dim)
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, atol=1e-5)
    colour_cos = colour.embed(crops) @ colour.embed(crops).T
    reid_cos = reid.embed(crops) @ reid.embed(crops).T
    np.testing.assert_allclose(features @ features.T, 0.75 * colour_cos + 0.25 * reid_cos, atol=1e-5)
