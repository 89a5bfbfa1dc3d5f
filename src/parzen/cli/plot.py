"""parzen plot: write every plot that applies to a study into a folder (parzen.visualization.save_plots)."""

from __future__ import annotations

import argparse

from parzen.cli._common import EXIT_OK, CLIError, UsageError, add_storage_argument, add_study_argument, study_from_args

# File formats each back end writes.
FORMATS = {"matplotlib": ("png", "svg", "pdf"), "plotly": ("html", "json")}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parzen plot`` to the command."""
    parser = subparsers.add_parser("plot", help="write the plots of a study into a folder",
                                   description="Write every plot that applies to a study (history, importance, "
                                               "parallel coordinates, slice, contour, Pareto front, ...) into "
                                               "--out: PNG or SVG files with matplotlib, interactive HTML files "
                                               "that work offline with plotly.")
    add_storage_argument(parser)
    add_study_argument(parser)
    parser.add_argument("--out", metavar="DIR", required=True, help="folder to write the plots into (created)")
    parser.add_argument("--backend", choices=tuple(FORMATS), default="matplotlib",
                        help="matplotlib (default) or plotly")
    parser.add_argument("--format", choices=[f for formats in FORMATS.values() for f in formats],
                        help="file format: png (default), svg or pdf with matplotlib; html (default, works "
                             "offline) or json with plotly")
    parser.add_argument("--inline-js", action="store_true",
                        help="plotly only: put plotly.js inside each HTML file (larger files that each work alone) "
                             "instead of one plotly.min.js beside them")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the plots and print the path of each file."""
    fmt = args.format or FORMATS[args.backend][0]
    if fmt not in FORMATS[args.backend]:
        raise UsageError(f"--format {fmt} does not go with --backend {args.backend} "
                         f"(use {' or '.join(FORMATS[args.backend])})")
    if args.inline_js and fmt != "html":
        raise UsageError("--inline-js goes with --backend plotly and HTML files")
    study = study_from_args(args)
    try:
        from parzen.visualization import save_plots
    except ImportError as exc:
        raise CLIError(f"plots need the plot extra: pip install 'parzen[plot]' ({exc})") from None
    try:
        paths = save_plots(study, args.out, backend=args.backend, fmt=fmt, inline_js=args.inline_js)
    except ImportError as exc:
        raise CLIError(f"--backend {args.backend} is not installed: {exc}") from None
    except OSError as exc:
        raise CLIError(f"cannot write into --out {args.out!r}: {exc}") from None
    for path in paths:
        print(path)
    if not paths:
        print(f"no plot applies to study {study.study_name!r} yet")
    return EXIT_OK
