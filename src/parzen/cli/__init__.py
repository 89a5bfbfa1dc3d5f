"""The ``parzen`` command: one subcommand per module of this package.

    parzen studies --storage sqlite:///parzen.db
    parzen trials --storage sqlite:///parzen.db --study NAME
    parzen dashboard --storage sqlite:///parzen.db

Convention every subcommand module follows (``sweep.py`` is an example):

* ``register(subparsers) -> None`` adds the subcommand's parser to ``subparsers`` (the object
  ``ArgumentParser.add_subparsers`` returns) and calls ``parser.set_defaults(func=run)``.
* ``run(args) -> int`` does the work and returns the exit status: 0 on success, 1 on a runtime
  failure. It raises :class:`parzen.cli._common.CLIError` for a runtime failure (printed as
  ``parzen COMMAND: error: ...``, exit status 1) and :class:`parzen.cli._common.UsageError` for a wrong
  combination of options (printed with the subcommand's usage, exit status 2, like argparse's errors).
* Output goes to ``sys.stdout``; when its reader goes away (``| head``), :func:`main` ends the command
  quietly with status 141, for every subcommand alike.
* Help text is plain text (no markup); heavy imports (plotly, starlette, ...) happen inside ``run``,
  so ``parzen --help`` stays fast.

:data:`SUBCOMMANDS` lists the modules in the order ``parzen --help`` shows them; a module that is
not installed (``worker``) is left out.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from parzen.cli._common import EXIT_BROKEN_PIPE, EXIT_FAILURE, CLIError, UsageError

__all__ = ["main"]

SUBCOMMANDS = ("sweep", "studies", "trials", "best", "export", "delete", "plot", "dashboard", "worker")


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command's parser and the parser of each subcommand, by name."""
    parser = argparse.ArgumentParser(prog="parzen", description="Find the best parameters of anything you can measure.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"parzen.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"parzen.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser, subparsers.choices


def _reader_gone() -> int:
    """Exit quietly when the reader of standard output has gone (``parzen trials ... | head``).

    What is still buffered cannot be written, and Python would report that at exit: standard output
    is pointed at the null device instead. The status is the shell's for a command ended by SIGPIPE,
    as ``git log | head`` leaves it.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture): nothing is left to flush
        return EXIT_BROKEN_PIPE
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``parzen`` command with ``argv`` (default: the process's arguments); returns the exit status."""
    parser, subcommands = _parser()
    args = parser.parse_args(argv)
    try:
        status = int(args.func(args))
        sys.stdout.flush()  # here, so that a reader gone before the last lines is handled below
        return status
    except BrokenPipeError:
        return _reader_gone()
    except UsageError as exc:
        subcommands[args.command].error(str(exc))  # exits with status 2
    except CLIError as exc:
        print(f"parzen {args.command}: error: {exc}", file=sys.stderr)
    return EXIT_FAILURE
