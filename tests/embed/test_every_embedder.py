"""Every registered embedder on real crops: shape, dtype, unit norm, batch invariance, and ReID sanity."""

import numpy as np
import pytest

from crosscam.embed.registry import EMBEDDERS
from crosscam.errors import CrosscamError

REID_MODELS = ["openvino-0277", "openvino-0287", "openvino-0288", "osnet-x0.25-msmt17", "crosscam-lite0"]


@pytest.mark.parametrize("name", list(EMBEDDERS))
def test_output_is_float32_unit_norm_with_declared_dim(name, embedder_for, crops):
    embedder = embedder_for(name)
    features = embedder.embed(crops)
    assert features.shape == (len(crops), embedder.dim)
    assert features.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(features).all()
    assert len({row.tobytes() for row in features}) == len(crops)  # distinct crops, distinct embeddings


@pytest.mark.parametrize("name", list(EMBEDDERS))
def test_a_crop_alone_embeds_as_in_a_batch(name, embedder_for, crops):
    embedder = embedder_for(name)
    batched = embedder.embed(crops)  # more crops than some batch sizes: exercises the padded last batch
    alone = np.concatenate([embedder.embed([crop]) for crop in crops[:3]])
    np.testing.assert_allclose(alone, batched[:3], atol=1e-4)


@pytest.mark.parametrize("name", REID_MODELS)
def test_same_person_in_two_cameras_beats_other_people(name, embedder_for, market_pair, other_people):
    embedder = embedder_for(name)
    pair = embedder.embed(market_pair)
    others = embedder.embed(other_people)
    same = float(pair[0] @ pair[1])
    assert same > (pair @ others.T).max()


@pytest.mark.parametrize("name", list(EMBEDDERS))
def test_no_crops_give_an_empty_matrix(name, embedder_for):
    embedder = embedder_for(name)
    assert embedder.embed([]).shape == (0, embedder.dim)


def test_a_grey_or_empty_crop_is_a_one_line_error(embedder_for, crops):
    embedder = embedder_for("hsv-stripes")
    for bad in (np.zeros((20, 10), np.uint8), np.zeros((0, 10, 3), np.uint8)):
        with pytest.raises(CrosscamError, match=r"crop 1 has shape") as error:
            embedder.embed([crops[0], bad])
        assert "\n" not in str(error.value)
