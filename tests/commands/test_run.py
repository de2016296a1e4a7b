"""`crosscam run`'s options become one RunConfig: the cameras file's settings, then the command line over them."""

from crosscam.cli import build_parser
from crosscam.commands.run import config_from_args
from crosscam.config import RunConfig


def _config(tmp_path, *options):
    cameras = tmp_path / "cams.yaml"
    cameras.write_text(
        "cameras:\n  - {name: a, source: a.mp4}\n  - {name: b, source: b.mp4}\n"
        "transit:\n  - {cameras: [a, b], min_seconds: 1, max_seconds: 9}\n"
        "config: {detector: yolox-nano-coco, crops: {max_crops: 4}}\n"
    )
    args = build_parser().parse_args(["run", "--out", str(tmp_path / "o"), "--cameras", str(cameras), *options])
    return config_from_args(args)


def test_defaults_and_the_cameras_file(tmp_path):
    cameras, config = _config(tmp_path)
    assert [c.name for c in cameras] == ["a", "b"]
    assert config.detector == "yolox-nano-coco" and config.crops.max_crops == 4
    assert config.tracker_embedder == RunConfig().tracker_embedder and config.association.refine_grounds
    assert [(w.camera_a, w.max_seconds) for w in config.association.transit] == [("a", 9.0)]


def test_command_line_options_override_the_file(tmp_path):
    cameras, config = _config(
        tmp_path,
        "--camera", "c=c.mp4", "--detector", "bytetrack-nano", "--tracker-embedder", "none", "--transit", "a:c:2:20",
        "--keep-calibrations", "--embedder", "hsv-stripes",
    )  # fmt: skip
    assert [c.name for c in cameras] == ["c", "a", "b"]
    assert (config.detector, config.tracker_embedder, config.embedder) == ("bytetrack-nano", None, "hsv-stripes")
    assert [w.camera_b for w in config.association.transit] == ["b", "c"]
    assert not config.association.refine_grounds and config.crops.max_crops == 4
