"""parzen best: the best trial of a study, or its Pareto front when it has several objectives."""

from __future__ import annotations

import argparse

from parzen.cli._common import EXIT_OK, CLIError, add_storage_argument, add_study_argument, print_table, study_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parzen best`` to the command."""
    parser = subparsers.add_parser("best", help="show the best trial (or the Pareto front) of a study",
                                   description="Show the best trial of a study: its number, value and "
                                               "parameters; for several objectives, the trials of the "
                                               "Pareto front.")
    add_storage_argument(parser)
    add_study_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the best trial, or a table of the Pareto front."""
    study = study_from_args(args)
    if study.n_objectives == 1:
        try:
            best = study.best_trial
        except ValueError as exc:
            raise CLIError(str(exc)) from None
        print(f"study:  {study.study_name} ({study.direction})")
        print(f"trial:  {best.number}")
        print(f"value:  {best.value!r}")
        print_table(["param", "value"], [[name, value] for name, value in best.params.items()])
        if best.user_attrs:
            print_table(["user attr", "value"], [[name, value] for name, value in best.user_attrs.items()])
        return EXIT_OK
    front = sorted(study.best_trials, key=lambda t: t.number)
    if not front:
        raise CLIError(f"study {study.study_name!r} has no feasible COMPLETE trial yet")
    print(f"study:  {study.study_name} ({', '.join(study.directions)}); {len(front)} trial(s) on the Pareto front")
    param_names: dict[str, None] = {}
    for t in front:
        param_names.update(dict.fromkeys(t.params))
    value_names = [f"value_{i}" for i in range(study.n_objectives)]
    print_table(["number", *value_names, *param_names],
                [[t.number, *(t.values or ()), *(t.params.get(n) for n in param_names)] for t in front],
                numeric=[True] * (1 + len(value_names)) + [False] * len(param_names))
    return EXIT_OK
