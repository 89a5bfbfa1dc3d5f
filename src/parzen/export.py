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
    """Flat rows (one per trial) and their column names, in a stable order."""
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
    rows = []
    for t in trials:
        row: dict[str, Any] = {"number": t.number, "state": t.state.name,
                               "datetime_start": t.datetime_start, "datetime_complete": t.datetime_complete,
                               "duration_s": t.duration.total_seconds() if t.duration is not None else None,
                               "fail_reason": t.fail_reason}
        for i, col in enumerate(value_cols):
            row[col] = t.values[i] if t.values is not None else None
        for n in param_names:
            row[f"params_{n}"] = t.params.get(n)
        for n in attr_names:
            row[f"user_attrs_{n}"] = t.user_attrs.get(n)
        rows.append(row)
    return columns, rows


def trials_dataframe(study: "Study") -> "pandas.DataFrame":
    try:
        import pandas
    except ImportError as exc:
        raise ImportError("trials_dataframe() needs pandas: pip install 'parzen[pandas]'") from exc
    columns, rows = trial_rows(study)
    return pandas.DataFrame(rows, columns=columns)


def write_csv(study: "Study", path: str) -> None:
    columns, rows = trial_rows(study)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


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
