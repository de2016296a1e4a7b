"""Spec parsing, availability listing, the default choice and one-line errors."""

import logging
from pathlib import Path

import pytest

from crosscam.embed.compose import FlipEmbedder, FusedEmbedder
from crosscam.embed.registry import (
    DEFAULT_PREFERENCE,
    EMBEDDERS,
    available_embedders,
    create_embedder,
    default_among,
    default_embedder_name,
)
from crosscam.errors import CrosscamError


@pytest.fixture
def no_assets(tmp_path, monkeypatch):
    """An empty assets directory and nothing else to fall back on."""
    monkeypatch.delenv("CROSSCAM_ASSETS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "assets").mkdir()
    return str(tmp_path / "assets")


def test_unknown_name_is_a_one_line_error_listing_the_known_ones():
    with pytest.raises(CrosscamError, match="unknown embedder 'resnet9000'") as error:
        create_embedder("hsv-stripes*0.5+resnet9000")
    message = str(error.value)
    assert "\n" not in message and all(name in message for name in EMBEDDERS)


@pytest.mark.parametrize("spec", ["hsv-stripes:flop", "hsv-stripes*x", "hsv-stripes+", ""])
def test_malformed_spec_is_a_one_line_error(spec):
    with pytest.raises(CrosscamError, match="bad embedder spec part") as error:
        create_embedder(spec)
    assert "\n" not in str(error.value)


def test_weights_summing_to_zero_are_refused():
    with pytest.raises(CrosscamError, match="summing to 0"):
        create_embedder("hsv-stripes*0+hsv-stripes:flip*0")


def test_missing_assets_give_a_one_line_error_naming_the_asset(no_assets):
    with pytest.raises(CrosscamError, match="osnet_x0_25_msmt17") as error:
        create_embedder("osnet-x0.25-msmt17", no_assets)
    assert "\n" not in str(error.value) and no_assets in str(error.value)


def test_spec_builds_flip_and_weighted_fusion():
    fused = create_embedder("hsv-stripes:flip*2+hsv-stripes")
    assert isinstance(fused, FusedEmbedder)
    assert fused.name == "hsv-stripes:flip*2+hsv-stripes*1" and fused.dim == 2 * 768
    assert isinstance(fused.parts[0][0], FlipEmbedder)
    assert [scale**2 for _, scale in fused.parts] == pytest.approx([2 / 3, 1 / 3])
    assert isinstance(create_embedder("hsv-stripes:flip"), FlipEmbedder)


def test_listing_marks_missing_assets_with_the_reason(no_assets):
    infos = {info.name: info for info in available_embedders(no_assets)}
    assert list(infos) == list(EMBEDDERS)
    assert infos["hsv-stripes"].available and infos["effnet-lite0-imagenet"].available
    missing = infos["openvino-0277"]
    assert not missing.available and missing.dim == 256 and missing.input_size == (256, 128)
    assert missing.reason == "asset 'person-reidentification-retail-0277.xml' is missing"


def test_default_is_openvino_0277_when_the_assets_have_it(assets_dir):
    assert default_embedder_name(str(assets_dir)) == "openvino-0277" == DEFAULT_PREFERENCE[0]


def test_default_falls_back_without_assets(no_assets):
    infos = available_embedders(no_assets)
    # Without assets, the model shipped inside the package is the default.
    assert default_embedder_name(no_assets) == "crosscam-lite0" == default_among(infos)


def test_a_corrupt_default_asset_is_an_error_naming_the_file(no_assets):
    from crosscam.assets import manifest

    relative = manifest()["files"]["person-reidentification-retail-0277.xml"]["path"]
    damaged = Path(no_assets) / relative
    damaged.parent.mkdir(parents=True)
    damaged.write_text("<not the real network/>")
    with pytest.raises(CrosscamError, match="is corrupt") as error:
        default_embedder_name(no_assets)
    message = str(error.value)
    assert str(damaged) in message and "openvino-0277" in message and "\n" not in message


def test_a_fallback_because_assets_are_absent_is_logged(no_assets, caplog):
    with caplog.at_level(logging.WARNING, logger="crosscam"):
        assert default_embedder_name(no_assets) == "crosscam-lite0"
    [record] = [r for r in caplog.records if r.name == "crosscam.embed.registry"]
    assert record.levelno == logging.WARNING
    assert "embedder crosscam-lite0" in record.getMessage() and "openvino-0277: asset" in record.getMessage()


def test_no_warning_when_the_first_choice_is_available(assets_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="crosscam"):
        assert default_embedder_name(str(assets_dir)) == "openvino-0277"
    assert not [r for r in caplog.records if r.name == "crosscam.embed.registry"]
