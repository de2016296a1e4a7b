"""``crosscam assets``: list every asset as present / missing / corrupt."""

from __future__ import annotations

import argparse

from crosscam.assets import all_statuses, search_roots

NAME = "assets"
HELP = "list weights and data sets as present / missing / corrupt"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true", help="exit 1 if any asset is not present")


def run(args: argparse.Namespace) -> int:
    statuses = all_statuses(args.assets)
    print("searched: " + ", ".join(str(root) for root in search_roots(args.assets)))
    width = max(len(s.name) for s in statuses)
    for item in statuses:
        where = str(item.location) if item.location else item.relative_path
        print(f"{item.name:<{width}}  {item.kind:<7}  {item.state:<7}  {where}")
    return 1 if args.strict and any(s.state != "present" for s in statuses) else 0
