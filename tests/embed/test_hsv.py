import numpy as np
import pytest

from crosscam.embed.hsv import DIM, HsvStripesEmbedder

RED, BLUE = (0, 0, 200), (200, 0, 0)  # BGR


def two_tone(top, bottom, height=160, width=60):
    crop = np.empty((height, width, 3), np.uint8)
    crop[: height // 2], crop[height // 2 :] = top, bottom
    return crop


def test_colour_and_its_place_on_the_body_both_count():
    embedder = HsvStripesEmbedder()
    red_over_blue, small_copy, blue_over_red, all_red = embedder.embed(
        [two_tone(RED, BLUE), two_tone(RED, BLUE, 80, 30), two_tone(BLUE, RED), two_tone(RED, RED)]
    )
    assert red_over_blue.shape == (DIM,)
    assert red_over_blue @ small_copy > 0.99  # size hardly matters (the resize blurs the colour edge)
    assert red_over_blue @ blue_over_red < 0.01  # same colours, swapped places
    assert red_over_blue @ all_red == pytest.approx(0.5, abs=0.02)  # 3 of the 6 stripes agree


def test_real_crops_have_non_negative_similarities(crops):
    features = HsvStripesEmbedder().embed(crops)
    assert (features >= 0).all()
    assert np.linalg.norm(features, axis=1) == pytest.approx(1.0, abs=1e-5)
