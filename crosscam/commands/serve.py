"""``crosscam serve``: a web interface for investigators over one run folder.

Example:
    crosscam serve --index out/demo                       # http://127.0.0.1:8000/
    crosscam serve --index out/demo --host 0.0.0.0 --token "$(openssl rand -hex 16)"
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

NAME = "serve"
HELP = "browse, search and correct a run's identities in a web browser"
TOKEN_VARIABLE = "CROSSCAM_TOKEN"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, required=True, metavar="DIR", help="run folder made by `crosscam run`")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--cameras",
        type=Path,
        metavar="FILE.yaml",
        help="the cameras file given to `crosscam run`: its ground-plane calibrations draw where people walked",
    )
    parser.add_argument(
        "--token",
        default=None,
        help=f"access token every request must carry (else ${TOKEN_VARIABLE}); required off loopback",
    )


def check_port_free(host: str, port: int) -> None:
    """A one-line error when another program (a second ``crosscam serve``?) already listens on ``host:port``."""
    import socket

    from crosscam.errors import CrosscamError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CrosscamError(
                f"{host}:{port}: cannot listen there ({error.strerror}); is another server running? use --port"
            ) from None


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from crosscam.serve.app import create_app
    from crosscam.serve.data import RunData
    from crosscam.serve.ground import load_grounds
    from crosscam.serve.security import LOOPBACK, check_binding

    token = args.token or os.environ.get(TOKEN_VARIABLE) or None
    check_binding(args.host, token)
    check_port_free(args.host, args.port)
    data = RunData.open(args.index)
    grounds = load_grounds(args.cameras) if args.cameras else None
    hosts = None if token else LOOPBACK | {args.host}
    app = create_app(data, token=token, assets=args.assets, grounds=grounds, allowed_hosts=hosts)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    suffix = "/?token=<your token>" if token else "/"
    print(f"serving {data.folder} ({len(data.tracklets)} tracklets) on http://{shown}:{args.port}{suffix}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
