"""``crosscam embedders``: list every embedder with its dimension, input size and availability; mark the default."""

from __future__ import annotations

import argparse

NAME = "embedders"
HELP = "list the appearance embedders (dimension, input size, available or why not) and mark the default"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Specs accepted wherever an embedder is named: NAME, NAME:flip (horizontal-flip test-time augmentation), "
        "or a weighted fusion such as openvino-0277*0.6+osnet-x0.25-msmt17:flip*0.4."
    )


def run(args: argparse.Namespace) -> int:
    from crosscam.embed.registry import available_embedders, default_among

    infos = available_embedders(args.assets)
    default = default_among(infos)
    width = max(len(info.name) for info in infos)
    print(f"  {'name':<{width}}  {'dim':>5}  {'input':<7}  status")
    for info in infos:
        mark = "*" if info.name == default else " "
        dim = str(info.dim) if info.dim else "?"
        size = f"{info.input_size[0]}x{info.input_size[1]}" if info.input_size else "?"
        state = "available" if info.available else f"missing: {info.reason}"
        print(f"{mark} {info.name:<{width}}  {dim:>5}  {size:<7}  {state}")
    print(f"* default: {default}")
    return 0
