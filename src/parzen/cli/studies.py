"""parzen studies: the studies of a storage, one line each (directions, trial counts by state, best value)."""

from __future__ import annotations

import argparse

from parzen.cli._common import EXIT_OK, add_storage_argument, open_storage, print_table
from parzen.cli._summary import STATES, study_summary
from parzen.storages._retry import hide_password


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parzen studies`` to the command."""
    parser = subparsers.add_parser("studies", help="list the studies of a storage",
                                   description="List the studies of a storage: directions, number of trials "
                                               "in each state, and the best value.")
    add_storage_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print one row per study."""
    import parzen

    storage = open_storage(args.storage)
    names = parzen.get_all_study_names(storage)
    if not names:
        print(f"no studies in {hide_password(args.storage)}")
        return EXIT_OK
    rows = []
    for name in names:
        summary = study_summary(parzen.load_study(name, storage=storage))
        best = summary["best"] if summary["n_pareto"] is None else f"{summary['n_pareto']} on the Pareto front"
        rows.append([name, ",".join(summary["directions"]), summary["n_trials"],
                     *(summary["counts"][state] for state in STATES), best])
    headers = ["study", "directions", "trials", *(state.lower() for state in STATES), "best"]
    print_table(headers, rows, numeric=[False, False, *[True] * (len(STATES) + 1), False])
    return EXIT_OK
