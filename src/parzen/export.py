"""Export a study's trials (pandas DataFrame, CSV, JSON), and the one file format that saves a study
and loads it back.

The study file (:func:`save_study_file`, :func:`read_study_file`, :func:`add_trials`) is what every
front door uses to save and resume: ``parzen.hpo`` checkpoints, ``parzen.adaptive``'s
``save_study``. It is JSON with a ``format`` and a ``version``, the study's directions and user
attributes, a free ``metadata`` object for the front door's own settings, and every finished trial
with its distributions, so that it loads into any storage with params, values, states,
intermediate values (NaN and infinities included), user attributes and fail reasons exact.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import json
import math
import os
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from parzen.exceptions import ParzenError
from parzen.multi_objective.constraints import CONSTRAINTS_ATTR, is_feasible
from parzen.space import distribution_from_dict, distribution_to_dict
from parzen.trial import FAIL_REASON_ATTR, FrozenTrial, TrialState

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
    A study with constraints (``create_study(constraints_func=...)``) also has a column per
    constraint value, ``constraints_0``, ..., and ``feasible``, for the trials that have them.
    """
    trials = study.trials
    param_names: list[str] = []
    attr_names: list[str] = []
    n_constraints = 0
    for t in trials:
        param_names += [n for n in t.params if n not in param_names]
        attr_names += [n for n in t.user_attrs if n not in attr_names]
        n_constraints = max(n_constraints, len(t.system_attrs.get(CONSTRAINTS_ATTR) or ()))
    value_cols = _value_columns(study)
    constraint_cols = [f"constraints_{i}" for i in range(n_constraints)] + (["feasible"] if n_constraints else [])
    columns = (["number", *value_cols, "state", "datetime_start", "datetime_complete", "duration_s"]
               + constraint_cols + [f"params_{n}" for n in param_names] + [f"user_attrs_{n}" for n in attr_names]
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
    constraints = t.system_attrs.get(CONSTRAINTS_ATTR)
    if constraints:
        row.update((f"constraints_{i}", float(c)) for i, c in enumerate(constraints))
        row["feasible"] = is_feasible(t)
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


# --- the study file: save and load back ------------------------------------------------------
STUDY_FILE_FORMAT = "parzen.study"
STUDY_FILE_VERSION = 1
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class StudyFileError(ParzenError, ValueError):
    """A study file that cannot be read: not JSON, another format or version, or incomplete."""


@dataclasses.dataclass(frozen=True)
class StudyFile:
    """What a study file holds: the study's name, directions and user attributes, the front door's
    ``metadata``, and the finished trials in order (their numbers as saved)."""

    study_name: str
    directions: list[str]
    user_attrs: dict[str, Any]
    metadata: dict[str, Any]
    trials: list[FrozenTrial]


def _float_to_json(value: float) -> float | str:
    """A float as JSON holds it: NaN and infinities (diverged reports) become their names."""
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _float_from_json(value: Any) -> float:
    if isinstance(value, str):
        return _NON_FINITE[value]
    return float(value)


def _saved_trial(t: FrozenTrial) -> dict[str, Any]:
    return {
        "number": t.number,
        "state": t.state.name,
        "values": None if t.values is None else [_float_to_json(v) for v in t.values],
        "params": dict(t.params),
        "distributions": {n: distribution_to_dict(d) for n, d in t.distributions.items()},
        "intermediate_values": [[step, _float_to_json(v)] for step, v in sorted(t.intermediate_values.items())],
        "user_attrs": dict(t.user_attrs),
        "fail_reason": t.fail_reason,
        "datetime_start": t.datetime_start.isoformat() if t.datetime_start else None,
        "datetime_complete": t.datetime_complete.isoformat() if t.datetime_complete else None,
    }


def _loaded_trial(data: Mapping[str, Any]) -> FrozenTrial:
    state = TrialState[data["state"]]
    if not state.is_finished():
        raise ValueError(f"trial {data['number']} is {state.name}; a study file holds finished trials only")
    times = {k: None if data.get(k) is None else datetime.datetime.fromisoformat(data[k])
             for k in ("datetime_start", "datetime_complete")}
    return FrozenTrial(
        number=int(data["number"]), trial_id=-1, state=state,
        values=None if data["values"] is None else tuple(_float_from_json(v) for v in data["values"]),
        params=dict(data["params"]),
        distributions={n: distribution_from_dict(d) for n, d in data["distributions"].items()},
        intermediate_values={int(step): _float_from_json(v) for step, v in data["intermediate_values"]},
        user_attrs=dict(data["user_attrs"]),
        system_attrs={} if data.get("fail_reason") is None else {FAIL_REASON_ATTR: data["fail_reason"]},
        **times,
    )


def save_study_file(study: "Study", path: str | os.PathLike[str], *,
                    metadata: Mapping[str, Any] | None = None) -> None:
    """Write the study's finished trials and ``metadata`` (JSON-ready) to ``path``, atomically.

    Running and waiting trials are left out: they have no outcome yet, and a resumed study asks
    again for what they would have evaluated.
    """
    data = {
        "format": STUDY_FILE_FORMAT, "version": STUDY_FILE_VERSION,
        "study_name": study.study_name, "directions": list(study.directions),
        "user_attrs": study.user_attrs, "metadata": dict(metadata or {}),
        "trials": [_saved_trial(t) for t in study.trials if t.state.is_finished()],
    }
    tmp = f"{os.fspath(path)}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, allow_nan=False)
    os.replace(tmp, path)


def read_study_file(path: str | os.PathLike[str]) -> StudyFile:
    """The content of a file written by :func:`save_study_file`; StudyFileError naming ``path`` if it is not one."""
    where = repr(os.fspath(path))
    try:
        with open(path) as f:
            data = json.load(f)
    except json.JSONDecodeError as exc:
        raise StudyFileError(f"{where} is not a parzen study file: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != STUDY_FILE_FORMAT:
        raise StudyFileError(f"{where} is not a parzen study file (format {STUDY_FILE_FORMAT!r})")
    if data.get("version") != STUDY_FILE_VERSION:
        raise StudyFileError(f"{where} is a study file of version {data.get('version')!r}; "
                             f"this parzen reads version {STUDY_FILE_VERSION}")
    try:
        return StudyFile(study_name=str(data["study_name"]), directions=list(data["directions"]),
                         user_attrs=dict(data["user_attrs"]), metadata=dict(data["metadata"]),
                         trials=[_loaded_trial(t) for t in data["trials"]])
    except KeyError as exc:
        raise StudyFileError(f"{where} is an incomplete study file: no {exc}") from None
    except (TypeError, ValueError) as exc:
        raise StudyFileError(f"{where} is a damaged study file: {exc}") from None


def add_trials(study: "Study", trials: Sequence[FrozenTrial]) -> None:
    """Add finished ``trials`` to ``study``, in order, each as one new trial of the same outcome.

    The sampler is not consulted (no grid point is claimed, nothing is sampled); each trial is
    written through the storage's ordinary trial writes, so a crash leaves whole trials only.
    Params, distributions, values, state, intermediate values, user attributes, the fail reason and
    constraint values carry over; a trial that is not finished is refused before any is written.
    """
    from parzen.storages._base import TrialTemplate

    storage, study_id = study.storage, study.study_id
    for t in trials:
        if not t.state.is_finished():
            raise ValueError(f"trial {t.number} is {t.state.name}; only finished trials can be added")
    for t in trials:
        constraints = t.system_attrs.get(CONSTRAINTS_ATTR)
        trial_id, _ = storage.create_trial(study_id, TrialTemplate(
            params=t.params, distributions=t.distributions, user_attrs=t.user_attrs,
            system_attrs=None if constraints is None else {CONSTRAINTS_ATTR: constraints}))
        for step, value in sorted(t.intermediate_values.items()):
            storage.set_trial_intermediate_value(trial_id, step, value)
        extra = {} if t.fail_reason is None else {FAIL_REASON_ATTR: t.fail_reason}
        storage.finish_trial(trial_id, t.state, t.values, extra)
