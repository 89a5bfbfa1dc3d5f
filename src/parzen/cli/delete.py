"""parzen delete: remove a study and all its trials from a storage, after confirmation."""

from __future__ import annotations

import argparse
import sys

from parzen.cli._common import EXIT_FAILURE, EXIT_OK, add_storage_argument, study_from_args
from parzen.storages._retry import hide_password


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parzen delete`` to the command."""
    parser = subparsers.add_parser("delete", help="delete a study and its trials",
                                   description="Delete a study and all its trials. Asks for confirmation "
                                               "unless --yes is given.")
    add_storage_argument(parser)
    parser.add_argument("--study", metavar="NAME", required=True, help="name of the study to delete")
    parser.add_argument("--yes", action="store_true", help="delete without asking")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Delete the study once confirmed; exit status 1 when the user declines."""
    import parzen

    study = study_from_args(args, writable=True)
    if not args.yes:
        # The question goes where the answer's echo goes (the terminal), not into a redirected output.
        print(f"delete study {study.study_name!r} and its {len(study.trials)} trial(s) from {hide_password(args.storage)}? "
              "[y/N] ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line.endswith("\n"):  # no answer typed (stdin is not a terminal, or at its end)
            print(file=sys.stderr)
        if line.strip().lower() not in ("y", "yes"):
            print("not deleted (--yes deletes without asking)", file=sys.stderr)
            return EXIT_FAILURE
    parzen.delete_study(study.study_name, storage=study.storage)
    print(f"deleted study {study.study_name!r}")
    return EXIT_OK
