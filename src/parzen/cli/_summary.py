"""What the command and the dashboard show of a study and of a trial, as plain data.

One place decides how a study is summed up (trial counts by state, best value or Pareto front size)
and how a trial is flattened into cells, so that ``parzen studies`` and the dashboard agree.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from parzen.trial import FrozenTrial

if TYPE_CHECKING:
    from parzen.study import Study

STATES = ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")
"""Names of the trial states, in the order tables show them."""


def study_summary(study: "Study", trials: list[FrozenTrial] | None = None) -> dict[str, Any]:
    """Name, directions, trial counts by state and the best value(s) of ``study``.

    ``best`` is the best value of a single-objective study (None before a trial completes), and
    ``n_pareto`` the size of the Pareto front of a study with several objectives. ``trials``, when
    given, are the study's trials as already read.
    """
    trials = study.trials if trials is None else trials
    counts = {name: 0 for name in STATES}
    for t in trials:
        counts[t.state.name] += 1
    summary: dict[str, Any] = {"name": study.study_name, "directions": study.directions, "n_trials": len(trials),
                               "counts": counts, "best": None, "best_number": None, "n_pareto": None}
    if study.n_objectives == 1:
        try:
            best = study.best_trial
        except ValueError:
            return summary
        summary["best"] = best.values[0] if best.values else None
        summary["best_number"] = best.number
    else:
        summary["n_pareto"] = len(study.best_trials)
    return summary


def json_number(value: Any) -> Any:
    """``value`` with NaN and infinities as their names: JSON has no literal for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def trial_record(trial: FrozenTrial) -> dict[str, Any]:
    """A trial as JSON-ready data: number, state, values, params, user attributes, duration in seconds."""
    duration = trial.duration
    return {
        "number": trial.number,
        "state": trial.state.name,
        "values": None if trial.values is None else [json_number(v) for v in trial.values],
        "params": {name: json_number(v) for name, v in trial.params.items()},
        "user_attrs": {name: json_number(v) for name, v in trial.user_attrs.items()},
        "duration_s": None if duration is None else duration.total_seconds(),
        "datetime_start": None if trial.datetime_start is None else trial.datetime_start.isoformat(),
        "fail_reason": trial.fail_reason,
    }
