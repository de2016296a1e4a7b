"""The ``crosscam`` command.

Each subcommand lives in its own module under ``crosscam.commands`` and
exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
Modules are imported lazily so ``crosscam assets`` does not pay for torch.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import crosscam.commands
from crosscam.errors import CrosscamError

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
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CrosscamError as error:
        print(f"crosscam: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("crosscam: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
