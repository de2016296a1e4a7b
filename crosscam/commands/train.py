"""``crosscam train``: train the EfficientNet-Lite0 triplet embedding (see crosscam.reid.train).

The training options are generated from :class:`crosscam.reid.train.TrainConfig`: every field with a help text
in its metadata becomes ``--field-name`` (or the metadata's ``flag``), typed from the field's annotation, and
left unset (``None``) unless given, so the preset and then the dataclass default apply.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys

NAME = "train"
HELP = "train the EfficientNet-Lite0 re-identification embedding (batch-hard triplet, PK batches) on CPU"
_TYPES = {"int": int, "float": float, "str": str}


def _annotation(field: dataclasses.Field) -> str:
    """The field's type without ``| None`` (annotations are strings under ``from __future__ import annotations``)."""
    return str(field.type).replace(" | None", "")


def cli_fields(config_class: type) -> list[dataclasses.Field]:
    """The dataclass fields that are command-line options."""
    return [f for f in dataclasses.fields(config_class) if f.metadata.get("cli", True)]


def default_text(field: dataclasses.Field, presets: dict[str, dict]) -> str:
    """What an option's help says about its default: the presets' values where a preset sets the field."""
    by_preset = {name: values[field.name] for name, values in presets.items() if field.name in values}
    if by_preset:
        default = "none" if field.default is None else field.default
        named = ", ".join(f"{name} {by_preset.get(name, default)}" for name in presets)
        return f" (default by preset: {named})"
    if field.default is dataclasses.MISSING or field.default is None or _annotation(field) not in _TYPES:
        return ""
    return f" (default: {field.default})"


def add_config_arguments(parser: argparse.ArgumentParser, config_class: type, presets: dict[str, dict]) -> None:
    """One option per :func:`cli_fields` field: scalars typed, ``bool`` a switch, ``tuple[int, int]`` two ints,
    ``list[str]`` repeatable (values may be joined with '+'), ``dict[str, int]`` repeatable ``NAME=N``."""
    for field in cli_fields(config_class):
        meta, kind = field.metadata, _annotation(field)
        flag = meta.get("flag", "--" + field.name.replace("_", "-"))
        options = {"dest": field.name, "help": meta.get("help", "") + default_text(field, presets)}
        options.update({key: meta[key] for key in ("choices", "metavar", "required") if key in meta})
        if kind == "bool":
            options.update(action="store_true", default=None)
        elif kind == "tuple[int, int]":
            options.update(type=int, nargs=2)
        elif kind.startswith(("list[", "dict[")):
            options.update(action="append", default=[])
        elif kind in _TYPES:
            options["type"] = _TYPES[kind]
        else:
            raise TypeError(f"TrainConfig.{field.name}: no command-line form for type {kind}")
        parser.add_argument(flag, **options)


def _repeats(items: list[str]) -> dict[str, int]:
    from crosscam.errors import CrosscamError

    repeats = {}
    for item in items:
        name, _, count = item.partition("=")
        if not count.isdigit() or int(count) < 1:
            raise CrosscamError(f"--repeat {item!r}: expected NAME=N with N a whole number >= 1")
        repeats[name] = int(count)
    return repeats


def config_values(args: argparse.Namespace, config_class: type) -> dict:
    """The given options as TrainConfig values (``None`` / empty for options not given)."""
    values = {}
    for field in cli_fields(config_class):
        value, kind = getattr(args, field.name), _annotation(field)
        if kind.startswith("list["):
            value = [name for item in value for name in item.split("+")] or None
        elif kind.startswith("dict["):
            value = _repeats(value) or None
        elif kind.startswith("tuple[") and value is not None:
            value = tuple(value)
        values[field.name] = value
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from crosscam.reid.train import PRESETS, TrainConfig

    add_config_arguments(parser, TrainConfig, PRESETS)
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="data set root (default: from the assets directory)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    parser.add_argument("--no-progress", action="store_true")


def build_config(args: argparse.Namespace, argv: list[str]):
    """The TrainConfig of parsed ``crosscam train`` options (``argv``: the command line, recorded in the run)."""
    from crosscam.assets import resolve_dataset
    from crosscam.errors import CrosscamError
    from crosscam.reid.datasets import ASSET_NAMES
    from crosscam.reid.train import TrainConfig

    values = config_values(args, TrainConfig)
    roots = dict(item.split("=", 1) for item in args.data)
    for name in {*values["datasets"], values["val"], values["test"]} - {None}:
        if name not in roots:
            if name not in ASSET_NAMES:
                raise CrosscamError(f"data set {name!r} is not in the assets directory; give --data {name}=DIR")
            roots[name] = str(resolve_dataset(ASSET_NAMES[name], args.assets))
    preset = values.pop("preset") or TrainConfig.preset
    return TrainConfig.from_preset(preset, data_roots=roots, command="crosscam " + shlex.join(argv), **values)


def run(args: argparse.Namespace) -> int:
    from crosscam.reid.train import train

    config = build_config(args, sys.argv[1:])
    train(config, resume=args.resume, progress=not args.no_progress, assets_dir=args.assets)
    return 0
