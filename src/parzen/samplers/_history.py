"""The finished trials of a study as the model-based samplers read them: encoded once, kept up to date.

TPE, the GP, CMA-ES and NSGA-II all learn from the same record: which trials finished, in which state,
with which (signed) objective values and constraint violations, and each parameter's value in the
unit-interval encoding of :mod:`parzen.space`. :class:`StudyHistory` holds that record for one study.
Finished trials never change, so rows are appended and never rewritten; a column (one parameter read
in one distribution) is encoded once per row and extended as rows arrive.

A column is read in the distribution the caller samples from, not the one each trial was sampled
from: in a study whose space changed (a range widened or narrowed, a choice added or dropped), an
earlier value counts wherever the new distribution can take it and is NaN (ignored for that
parameter) where it cannot.

Histories are cached per storage and study, shared by every sampler in the process, and brought up
to date at each ask (:func:`study_history`) and when a trial finishes (:func:`record_finished`).
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from parzen.multi_objective.constraints import violation
from parzen.space import Distribution, intersect_spaces
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
_STATE_CODES = {TrialState.COMPLETE: 0, TrialState.PRUNED: 1, TrialState.FAIL: 2}


class StudyHistory:
    """The finished (COMPLETE, PRUNED, FAIL) trials of one study, one row each, in the order they were seen.

    ``losses`` (n, n_objectives) are objective values turned so that smaller is better (``inf`` for
    trials without values); ``violations`` each trial's total constraint violation (0 when feasible).
    """

    def __init__(self, directions: Sequence[str]) -> None:
        self._signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
        self.trials: list[FrozenTrial] = []
        self._ids: set[int] = set()
        self._capacity = 64
        self._numbers = np.empty(self._capacity, dtype=np.int64)
        self._states = np.empty(self._capacity, dtype=np.int8)
        self._losses = np.empty((self._capacity, len(self._signs)))
        self._violations = np.empty(self._capacity)
        self._columns: dict[tuple[str, str], tuple[Distribution, np.ndarray, int]] = {}
        self._missing: dict[tuple[str, str], tuple[np.ndarray, int]] = {}
        self._selections: dict[tuple[TrialState, ...], list[FrozenTrial]] = {}
        self._intersections: dict[tuple[TrialState, ...], tuple[int, dict[str, Distribution] | None]] = {}
        self._lock = threading.RLock()

    # --- rows ----------------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.trials)

    @property
    def numbers(self) -> np.ndarray:
        return self._numbers[: self.n]

    @property
    def losses(self) -> np.ndarray:
        return self._losses[: self.n]

    @property
    def violations(self) -> np.ndarray:
        return self._violations[: self.n]

    def mask(self, *states: TrialState) -> np.ndarray:
        """Which rows are in one of ``states``."""
        codes = [_STATE_CODES[s] for s in states]
        return np.isin(self._states[: self.n], codes)

    def count(self, state: TrialState) -> int:
        return len(self.select((state,)))

    def add(self, trial: FrozenTrial) -> None:
        """Append a finished trial (once; unfinished trials and ones already held are skipped)."""
        with self._lock:
            if trial.trial_id in self._ids or trial.state not in _STATE_CODES:
                return
            row = self.n
            if row == self._capacity:
                self._grow()
            complete = trial.state == TrialState.COMPLETE
            self._losses[row] = self._signs * np.asarray(trial.values, dtype=float) if complete else math.inf
            self._violations[row] = violation(trial)
            self._numbers[row] = trial.number
            self._states[row] = _STATE_CODES[trial.state]
            self.trials.append(trial)
            self._ids.add(trial.trial_id)
            for states, selected in self._selections.items():
                if trial.state in states:
                    selected.append(trial)

    def _grow(self) -> None:
        self._capacity *= 2
        self._numbers = np.resize(self._numbers, self._capacity)
        self._states = np.resize(self._states, self._capacity)
        self._violations = np.resize(self._violations, self._capacity)
        grown = np.empty((self._capacity, self._losses.shape[1]))
        grown[: self.n] = self._losses[: self.n]
        self._losses = grown

    # --- what the samplers read ----------------------------------------------------------------------
    def select(self, states: Iterable[TrialState]) -> list[FrozenTrial]:
        """The trials in one of ``states``, in row order (kept up to date; do not modify)."""
        key = tuple(sorted(set(states), key=lambda s: s.value))
        with self._lock:
            selected = self._selections.get(key)
            if selected is None:
                selected = self._selections[key] = [t for t in self.trials if t.state in key]
            return selected

    def column(self, name: str, dist: Distribution) -> np.ndarray:
        """Internal values of ``name`` read in ``dist``, one per row: NaN where a trial lacks it or ``dist``
        cannot take its value."""
        return self.column_and_missing(name, dist)[0]

    def column_and_missing(self, name: str, dist: Distribution) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`column` ``(name, dist)`` and the rows, ascending, where it is NaN: kept up to date with the
        column, so that a sampler finds the trials that lack a parameter without scanning every row."""
        key = (name, dist.describe())
        with self._lock:
            _, values, filled = self._columns.get(key, (dist, np.empty(0), 0))
            if filled < self.n:
                if len(values) < self._capacity:
                    values = np.resize(values, self._capacity)
                for row in range(filled, self.n):
                    values[row] = encoded(self.trials[row].params, name, dist)
                self._note_missing(key, np.flatnonzero(np.isnan(values[filled: self.n])) + filled)
                self._columns[key] = (dist, values, self.n)
            rows, count = self._missing.get(key, (np.empty(0, dtype=np.int64), 0))
            return values[: self.n], rows[:count]

    def _note_missing(self, key: tuple[str, str], new: np.ndarray) -> None:
        rows, count = self._missing.get(key, (np.empty(0, dtype=np.int64), 0))
        if count + len(new) > len(rows):
            rows = np.resize(rows, max(2 * len(rows), count + len(new), 64))
        rows[count: count + len(new)] = new
        self._missing[key] = (rows, count + len(new))

    def intersection(self, states: Iterable[TrialState]) -> dict[str, Distribution] | None:
        """The distributions every trial in ``states`` holds with the same range (None before the first)."""
        key = tuple(sorted(set(states), key=lambda s: s.value))
        with self._lock:
            selected = self.select(key)
            done, shared = self._intersections.get(key, (0, None))
            for trial in selected[done:]:
                shared = intersect_spaces(shared, trial.distributions)
            self._intersections[key] = (len(selected), shared)
            return shared


def encoded(params: Mapping[str, Any], name: str, dist: Distribution) -> float:
    """The internal value of ``params[name]`` in ``dist``; NaN when absent or not a value of ``dist``."""
    return dist.encode(params[name]) if name in params else math.nan


def encode_trial(trial: FrozenTrial, space: Iterable[tuple[str, Distribution]],
                 stand_in: Callable[[Distribution], float] | None = None) -> list[float] | None:
    """The encoded values of ``trial`` for the parameters of ``space``, or None if one is missing or invalid.

    With ``stand_in``, a conditional parameter the trial lacks because its condition does not hold
    takes ``stand_in(dist)`` instead (for models with one dimension per parameter).
    """
    row: list[float] = []
    for name, dist in space:
        if name not in trial.params:
            if stand_in is not None and dist.when is not None and not dist.when.is_met(trial.params):
                row.append(stand_in(dist))
                continue
            return None
        u = dist.encode(trial.params[name])
        if math.isnan(u):
            return None
        row.append(u)
    return row


def running_trials(study: "Study", trial: "Trial") -> list[FrozenTrial]:
    """The study's RUNNING trials other than ``trial``: what the constant liar lies about."""
    return [t for t in study.get_trials((TrialState.RUNNING,)) if t.trial_id != trial.trial_id]


_HISTORIES: weakref.WeakKeyDictionary[Any, dict[int, StudyHistory]] = weakref.WeakKeyDictionary()
_HISTORIES_LOCK = threading.Lock()


def _cached(study: "Study") -> dict[int, StudyHistory] | None:
    with _HISTORIES_LOCK:
        try:
            return _HISTORIES.setdefault(study.storage, {})
        except TypeError:  # a storage that cannot be weakly referenced: no cache, re-read every time
            return None


def study_history(study: "Study") -> StudyHistory:
    """The study's history, brought up to date with the trials finished since the last call."""
    per_study = _cached(study)
    history = per_study.get(study.study_id) if per_study is not None else None
    if history is not None and study.storage.get_n_trials(study.study_id, FINISHED) == history.n:
        return history  # a count is cheaper than the list (a study with a long queue of WAITING trials)
    finished = study.get_trials(FINISHED)
    if history is None or len(finished) < history.n:  # fewer finished trials: the study was deleted and remade
        history = StudyHistory(study.directions)
        if per_study is not None:
            per_study[study.study_id] = history
    if len(finished) != history.n:  # finished trials never change, so an equal count means nothing is new
        for t in finished:
            history.add(t)
    return history


def record_finished(study: "Study", trial: FrozenTrial) -> None:
    """Append a trial that just finished to the study's cached history, if one is cached."""
    per_study = _cached(study)
    if per_study is not None and study.study_id in per_study:
        per_study[study.study_id].add(trial)
