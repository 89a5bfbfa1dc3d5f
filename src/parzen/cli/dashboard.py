"""parzen dashboard: serve the local, read-only web dashboard of a storage."""

from __future__ import annotations

import argparse
import socket

from parzen.cli._common import EXIT_OK, CLIError, UsageError, add_storage_argument, open_storage
from parzen.storages._retry import hide_password


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parzen dashboard`` to the command."""
    parser = subparsers.add_parser(
        "dashboard", help="serve a live web dashboard of the studies of a storage",
        description="Serve a web page that lists the studies of a storage and shows each one (trials, history, "
                    "importance, parallel coordinates, slice, intermediate values, Pareto front), updated "
                    "live while the study runs. It only reads the storage. Open the printed address in a "
                    "browser; Ctrl-C stops the server.")
    add_storage_argument(parser)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port must be in [1, 65535], got {args.port}")
    try:
        import parzen.dashboard.app  # noqa: F401  (fails early, with the extra to install)
    except ImportError as exc:
        raise CLIError(f"the dashboard needs starlette, uvicorn and plotly: pip install 'parzen[dashboard]' "
                       f"({exc})") from None
    from parzen.dashboard import serve
    from parzen.dashboard.app import plotly_js_path

    try:
        plotly_js_path()
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    storage = open_storage(args.storage)
    _check_address(args.host, args.port)
    print(f"parzen dashboard of {hide_password(args.storage)} (read-only) at http://{args.host}:{args.port}/ ; Ctrl-C stops it",
          flush=True)
    try:
        serve(storage, host=args.host, port=args.port)
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _check_address(host: str, port: int) -> None:
    """CLIError when the server could not listen on ``host:port`` (a port in use, an unknown address)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CLIError(f"--host {host!r} is not an address of this machine: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise CLIError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
