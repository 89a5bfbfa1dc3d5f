"""parzen trials: the trials of one study as a table (number, state, values, duration, params, user attributes)."""

from __future__ import annotations

import argparse

from parzen.cli._common import EXIT_OK, add_storage_argument, add_study_argument, print_table, study_from_args
from parzen.cli._summary import STATES
from parzen.trial import TrialState


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parzen trials`` to the command."""
    parser = subparsers.add_parser("trials", help="show the trials of a study",
                                   description="Show the trials of a study: number, state, values, duration in "
                                               "seconds, parameters and user attributes.")
    add_storage_argument(parser)
    add_study_argument(parser)
    parser.add_argument("--state", choices=[s.lower() for s in STATES], action="append",
                        help="show only trials in this state (may be repeated)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print one row per trial, in the order of their numbers."""
    study = study_from_args(args)
    states = None if args.state is None else [TrialState[s.upper()] for s in args.state]
    trials = study.get_trials(states)
    if not trials:
        print(f"study {study.study_name!r} has no trials" + ("" if states is None else " in that state"))
        return EXIT_OK
    value_names = ["value"] if study.n_objectives == 1 else [f"value_{i}" for i in range(study.n_objectives)]
    param_names: dict[str, None] = {}
    attr_names: dict[str, None] = {}
    for t in trials:
        param_names.update(dict.fromkeys(t.params))
        attr_names.update(dict.fromkeys(t.user_attrs))
    headers = ["number", "state", *value_names, "duration_s", *param_names, *attr_names]
    rows = []
    for t in trials:
        values = list(t.values) if t.values is not None else [None] * len(value_names)
        duration = None if t.duration is None else round(t.duration.total_seconds(), 3)
        rows.append([t.number, t.state.name, *values, duration, *(t.params.get(n) for n in param_names),
                     *(t.user_attrs.get(n) for n in attr_names)])
    numeric = [True, False, *[True] * (len(value_names) + 1),
               *(all(isinstance(t.params.get(n, 0.0), (int, float)) for t in trials) for n in param_names),
               *(all(isinstance(t.user_attrs.get(n, 0.0), (int, float)) for t in trials) for n in attr_names)]
    print_table(headers, rows, numeric=numeric)
    return EXIT_OK
