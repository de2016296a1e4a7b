"""``crosscam train``'s options are generated from TrainConfig: they must parse the shipped model's command."""

import argparse
import dataclasses
import json
import shlex

import pytest

from crosscam.commands import train as train_command
from crosscam.embed.trained import SHIPPED_WEIGHTS
from crosscam.errors import CrosscamError
from crosscam.reid.train import TrainConfig


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", default=None)
    train_command.add_arguments(parser)
    return parser.parse_args(argv)


def test_every_config_field_but_the_filled_ones_is_an_option():
    parser = argparse.ArgumentParser()
    train_command.add_arguments(parser)
    dests = {action.dest for action in parser._actions}
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert fields - dests == {"data_roots", "command"}
    assert all(f.metadata.get("help") for f in train_command.cli_fields(TrainConfig))
    helps = {action.dest: action.help for action in parser._actions}
    assert helps["lr"].endswith("(default by preset: user 0.001, strong 0.00035, distill 0.001)")
    assert helps["margin"].endswith("(default: 0.3)") and "default" not in helps["val"]


def test_the_shipped_command_parses_into_the_shipped_config(assets_dir):
    shipped = json.loads(SHIPPED_WEIGHTS.with_suffix(".json").read_text())["config"]
    argv = shlex.split(shipped["command"])[1:]  # from "train" on, as sys.argv[1:]
    config = train_command.build_config(parse(["--assets", str(assets_dir), *argv[1:]]), argv)
    produced = dataclasses.asdict(config)
    assert produced["command"] == shipped["command"]
    defaults = dataclasses.asdict(TrainConfig(datasets=[], data_roots={}, out=""))
    newer = set(produced) - set(shipped)
    assert all(produced[key] == defaults[key] for key in newer)  # options added after the release: defaults
    for key in ("data_roots", "command", *newer):
        produced.pop(key), shipped.pop(key, None)
    shipped["input_size"] = tuple(shipped["input_size"])
    assert produced == {k: v for k, v in shipped.items() if k != "data_roots"}


def test_list_dict_tuple_and_switch_options(tmp_path):
    argv = ["--dataset", "cuhk01+cuhk03_pair1", "--dataset", "folder", "--out", "x", "--repeat", "cuhk01=2"]
    argv += ["--input-size", "128", "64", "--cache-frozen", "--lda-data", f"cuhk01+folder:{tmp_path}"]
    argv += ["--data", "folder=somewhere", "--unlabelled", "a", "--unlabelled", "b"]
    values = train_command.config_values(parse(argv), TrainConfig)
    assert values["datasets"] == ["cuhk01", "cuhk03_pair1", "folder"] and values["source_repeats"] == {"cuhk01": 2}
    assert values["input_size"] == (128, 64) and values["cache_frozen"] is True and values["lr"] is None
    assert values["lda_data"] == ["cuhk01", f"folder:{tmp_path}"] and values["unlabelled"] == ["a", "b"]


def test_bad_repeat_is_a_one_line_error():
    with pytest.raises(CrosscamError, match="expected NAME=N"):
        train_command.config_values(parse(["--dataset", "cuhk01", "--out", "x", "--repeat", "cuhk01"]), TrainConfig)
