"""Export a study's trials: pandas DataFrame, CSV and JSON."""

from __future__ import annotations

import csv
import json
import math
from typing import TYPE_CHECKING, Any

from parzen.space import distribution_to_dict
from parzen.trial import FrozenTrial

if TYPE_CHECKING:
    import pandas

    from parzen.study import Study


def _value_columns(study: "Study") -> list[str]:
    return ["value"] if study.n_objectives == 1 else [f"values_{i}" for i in range(study.n_objectives)]


def trial_rows(study: "Study") -> tuple[list[str], list[dict[str, Any]]]:
    """Flat rows (one per trial) and their column names, in a stable order.

    A row holds only the fields its trial has: a parameter it never suggested (a conditional one
    whose parent took another value), a user attribute it never set, the value and end time of a
    trial that is not finished are left out of it. A field whose value is None, such as the
    Categorical choice None, is in the row as None. The writers below keep the two apart.
    """
    trials = study.trials
    param_names: list[str] = []
    attr_names: list[str] = []
    for t in trials:
        param_names += [n for n in t.params if n not in param_names]
        attr_names += [n for n in t.user_attrs if n not in attr_names]
    value_cols = _value_columns(study)
    columns = (["number", *value_cols, "state", "datetime_start", "datetime_complete", "duration_s"]
               + [f"params_{n}" for n in param_names] + [f"user_attrs_{n}" for n in attr_names]
               + ["fail_reason"])
    return columns, [_trial_row(t, value_cols) for t in trials]


def _trial_row(t: FrozenTrial, value_cols: list[str]) -> dict[str, Any]:
    """One trial's row for :func:`trial_rows`: only the fields it has, None values included."""
    optional = {"datetime_start": t.datetime_start, "datetime_complete": t.datetime_complete,
                "duration_s": t.duration.total_seconds() if t.duration is not None else None,
                "fail_reason": t.fail_reason}
    row: dict[str, Any] = {"number": t.number, "state": t.state.name}
    row.update((key, value) for key, value in optional.items() if value is not None)
    if t.values is not None:
        row.update(zip(value_cols, t.values))
    row.update((f"params_{n}", v) for n, v in t.params.items())
    row.update((f"user_attrs_{n}", v) for n, v in t.user_attrs.items())
    return row


def trials_dataframe(study: "Study") -> "pandas.DataFrame":
    """The trials as a pandas DataFrame, one row per trial.

    A field the trial does not have (a conditional parameter it did not use, the value of a trial
    that is not COMPLETE) is NaN, pandas' missing value (NaT for times). A field whose value is None,
    such as the Categorical choice None, is the object None itself, in a column of dtype object.
    pandas' ``isna()`` is true for both; ``column.map(lambda v: v is None)`` finds the None values.
    """
    try:
        import pandas
    except ImportError as exc:
        raise ImportError("trials_dataframe() needs pandas: pip install 'parzen[pandas]'") from exc
    columns, rows = trial_rows(study)
    frame = pandas.DataFrame(rows, columns=columns)
    for name in columns:
        if any(name in row and row[name] is None for row in rows):
            # Built by hand: pandas would turn None into NaN in a column it infers itself.
            frame[name] = pandas.Series([row.get(name, math.nan) for row in rows], index=frame.index,
                                        dtype=object)
    return frame


def write_csv(study: "Study", path: str) -> None:
    """Write one row per trial to a CSV file at ``path``.

    An empty cell means the trial does not have that field (a conditional parameter it did not
    use, the value of a trial that is not COMPLETE); a field whose value is None, such as the
    Categorical choice None, is written ``None``. ``pandas.read_csv`` reads both as NaN unless
    given ``keep_default_na=False``, which reads them as ``""`` and ``"None"``.
    """
    columns, rows = trial_rows(study)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("None" if v is None else v) for k, v in row.items()})


def trial_to_dict(t: FrozenTrial) -> dict[str, Any]:
    return {
        "number": t.number,
        "state": t.state.name,
        "values": list(t.values) if t.values is not None else None,
        "params": dict(t.params),
        "distributions": {n: distribution_to_dict(d) for n, d in t.distributions.items()},
        "intermediate_values": {str(k): v for k, v in t.intermediate_values.items()},
        "user_attrs": dict(t.user_attrs),
        "datetime_start": t.datetime_start.isoformat() if t.datetime_start else None,
        "datetime_complete": t.datetime_complete.isoformat() if t.datetime_complete else None,
        "fail_reason": t.fail_reason,
    }


def write_json(study: "Study", path: str) -> None:
    data = {
        "study_name": study.study_name,
        "directions": study.directions,
        "user_attrs": study.user_attrs,
        "trials": [trial_to_dict(t) for t in study.trials],
    }
    with open(path, "w") as f:
        json.dump(_finite_or_none(data), f, indent=2, default=repr, allow_nan=False)


def _finite_or_none(obj: Any) -> Any:
    """``obj`` with NaN and infinities as None: standard JSON has no literal for them."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite_or_none(v) for v in obj]
    return obj
