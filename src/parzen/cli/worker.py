"""parzen worker: one of any number of independent workers on one shared study.

    parzen worker --storage postgresql+psycopg://user@db-host/parzen --study NAME --objective module:function

Start it on as many machines as you like (PostgreSQL or Redis; SQLite for processes of one machine):
each worker runs the study's sampler itself and takes trials through the storage, which hands out
every trial number, queued trial and grid point once. Trials beat every --heartbeat-interval
seconds; a worker that finds a trial silent for --grace-period seconds (its worker died) marks it
FAIL, and with --retry the trial runs again with the same parameters. The objective takes a trial
(``trial.suggest_float(...)``) and returns its value; an exception it raises fails that trial only.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from parzen.cli._common import CLIError, UsageError, check_storage_option, load_objective
from parzen.storages._retry import hide_password

__all__ = ["register", "run"]

DEFAULT_HEARTBEAT_S = 5.0
SAMPLERS = ("auto", "random", "tpe")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker", help="run trials of a shared study (start any number, on any machines)",
        description="Run trials of a study shared by many workers: each runs the sampler itself, beats while a "
                    "trial runs, fails the trials of dead workers and (with --retry) runs them again.",
    )
    parser.add_argument("--storage", required=True, metavar="URL",
                        help="the study's storage: postgresql+psycopg://..., redis://... or sqlite:///file.db")
    parser.add_argument("--study", required=True, metavar="NAME", help="name of the study (it must exist)")
    parser.add_argument("--objective", required=True, metavar="MODULE:FUNCTION",
                        help="the objective, module:function or file.py:function; it takes a trial")
    parser.add_argument("--n-trials", type=_positive_int, metavar="N",
                        help="trials this worker runs (default: until --timeout, a stop, or Ctrl-C)")
    parser.add_argument("--timeout", type=_seconds, metavar="S", help="start no trial after S seconds")
    parser.add_argument("--heartbeat-interval", type=_seconds, default=DEFAULT_HEARTBEAT_S, metavar="S",
                        help=f"seconds between heartbeats of a running trial (default {DEFAULT_HEARTBEAT_S:g})")
    parser.add_argument("--grace-period", type=_seconds, metavar="S",
                        help="seconds of silence after which a trial counts as dead (default 4 intervals)")
    parser.add_argument("--retry", type=int, default=0, metavar="N",
                        help="run a failed or dead trial again, with the same parameters, up to N times (default 0)")
    parser.add_argument("--max-failures", type=_positive_int, metavar="N",
                        help="stop after N failed trials in a row")
    parser.add_argument("--sampler", choices=SAMPLERS, default="auto",
                        help="the sampler this worker runs (default: auto, parzen's default sampler)")
    parser.add_argument("--seed", type=int, help="seed of this worker's sampler (give each worker its own)")
    parser.set_defaults(func=run)


def _sampler(name: str, seed: int | None) -> Any:
    import parzen

    if name == "random":
        return parzen.RandomSampler(seed=seed)
    if name == "tpe":
        return parzen.TPESampler(seed=seed)
    return parzen.samplers.default_sampler(seed=seed)


def run(args: argparse.Namespace) -> int:
    import parzen
    from parzen.exceptions import ParzenError, StudyNotFoundError, TooManyFailures

    if args.retry < 0:
        raise UsageError(f"--retry must be >= 0, got {args.retry}")
    if args.grace_period is not None and args.grace_period <= args.heartbeat_interval:
        raise UsageError(f"--grace-period ({args.grace_period:g} s) must be longer than --heartbeat-interval "
                         f"({args.heartbeat_interval:g} s)")
    check_storage_option(args.storage)
    objective = load_objective(args.objective)
    try:
        study = parzen.load_study(args.study, storage=args.storage, sampler=_sampler(args.sampler, args.seed))
    except StudyNotFoundError:
        raise CLIError(f"no study {args.study!r} in {hide_password(args.storage)!r}; create it first, e.g. with "
                       f"parzen.create_study(study_name={args.study!r}, storage=...)") from None
    except (ParzenError, ImportError, OSError, ValueError) as exc:
        raise CLIError(f"cannot open the storage {hide_password(args.storage)!r}: {exc}") from None
    before = len(study.trials)
    try:
        study.optimize(objective, n_trials=args.n_trials, timeout=args.timeout, catch=(Exception,),
                       heartbeat_interval=args.heartbeat_interval, grace_period=args.grace_period,
                       retry=parzen.RetryPolicy(max_retries=args.retry) if args.retry else None,
                       max_failures=args.max_failures)
    except TooManyFailures as exc:
        raise CLIError(str(exc)) from None
    except KeyboardInterrupt:
        print("parzen worker: interrupted; the running trial was marked FAIL", file=sys.stderr)
        return 130
    print(f"parzen worker: study {args.study!r} has {len(study.trials)} trials ({len(study.trials) - before} "
          "new, this worker's and others')")
    return 0
