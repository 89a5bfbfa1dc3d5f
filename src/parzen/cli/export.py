"""parzen export: the trials of a study as CSV or JSON, to a file or to standard output."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from parzen.cli._common import EXIT_OK, CLIError, add_storage_argument, add_study_argument, study_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parzen export`` to the command."""
    parser = subparsers.add_parser("export", help="write the trials of a study as CSV or JSON",
                                   description="Write the trials of a study as CSV (one row per trial) or JSON "
                                               "(the study and every trial), to --out or to standard output.")
    add_storage_argument(parser)
    add_study_argument(parser)
    parser.add_argument("--format", choices=("csv", "json"), default="csv", help="file format (default csv)")
    parser.add_argument("--out", metavar="FILE", help="file to write (default: standard output)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the export with the study's own writers (Study.to_csv / Study.to_json)."""
    study = study_from_args(args)
    write = study.to_csv if args.format == "csv" else study.to_json
    if args.out is not None:
        try:
            write(args.out)
        except OSError as exc:
            raise CLIError(f"cannot write --out {args.out!r}: {exc.strerror}") from None
        print(f"wrote {len(study.trials)} trial(s) of {study.study_name!r} to {args.out}", file=sys.stderr)
        return EXIT_OK
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"export.{args.format}")
        write(path)
        with open(path, newline="") as f:
            sys.stdout.write(f.read())
    return EXIT_OK
