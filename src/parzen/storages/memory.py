"""In-memory storage: the default, for one process and any number of threads."""

from __future__ import annotations

import collections
import copy
import datetime
import math
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Container, Mapping, Sequence

from parzen.exceptions import DuplicatedStudyError, StudyNotFoundError, TrialFinishedError
from parzen.space import Distribution
from parzen.storages._base import BaseStorage, StudySummary, TrialTemplate
from parzen.storages._cache import select_trials
from parzen.trial import FAIL_REASON_ATTR, FrozenTrial, TrialState


@dataclass
class _StudyRecord:
    name: str
    directions: tuple[str, ...]
    trials: list[FrozenTrial] = field(default_factory=list)
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)
    claims: set[str] = field(default_factory=set)
    waiting: collections.deque[int] = field(default_factory=collections.deque)  # numbers, oldest first
    open_numbers: set[int] = field(default_factory=set)  # numbers of the unfinished trials
    running_numbers: set[int] = field(default_factory=set)  # those RUNNING (the rest are WAITING)
    finished_counts: collections.Counter[TrialState] = field(default_factory=collections.Counter)

    def note_state(self, number: int, state: TrialState) -> None:
        if state.is_finished():
            self.open_numbers.discard(number)
            self.finished_counts[state] += 1
        else:
            self.open_numbers.add(number)
        if state == TrialState.RUNNING:
            self.running_numbers.add(number)
        else:
            self.running_numbers.discard(number)


def _now() -> datetime.datetime:
    return datetime.datetime.now()


class InMemoryStorage(BaseStorage):
    """Keeps everything in process memory; finished trials are shared, never copied."""

    starts_trials_beating = True

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[int, _StudyRecord] = {}
        self._names: dict[str, int] = {}
        self._trial_owner: dict[int, tuple[int, int]] = {}  # trial_id -> (study_id, number)
        self._next_study_id = 0
        self._heartbeats: dict[int, float] = {}  # trial_id -> time.monotonic() of its last beat

    # --- studies -------------------------------------------------------------------------
    def create_study(self, study_name: str, directions: Sequence[str]) -> int:
        with self._lock:
            if study_name in self._names:
                raise DuplicatedStudyError(f"a study named {study_name!r} already exists")
            study_id = self._next_study_id
            self._next_study_id += 1
            self._studies[study_id] = _StudyRecord(study_name, tuple(directions))
            self._names[study_name] = study_id
            return study_id

    def _study(self, study_id: int) -> _StudyRecord:
        try:
            return self._studies[study_id]
        except KeyError:
            raise StudyNotFoundError(f"no study with id {study_id}") from None

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            record = self._study(study_id)
            for t in record.trials:
                del self._trial_owner[t.trial_id]
                self._heartbeats.pop(t.trial_id, None)
            del self._names[record.name]
            del self._studies[study_id]

    def get_study_id(self, study_name: str) -> int:
        with self._lock:
            if study_name not in self._names:
                raise StudyNotFoundError(f"no study named {study_name!r}")
            return self._names[study_name]

    def get_study_name(self, study_id: int) -> str:
        return self._study(study_id).name

    def get_study_directions(self, study_id: int) -> tuple[str, ...]:
        return self._study(study_id).directions

    def get_all_studies(self) -> list[StudySummary]:
        with self._lock:
            return [
                StudySummary(sid, r.name, r.directions, len(r.trials),
                             r.trials[0].datetime_start if r.trials else None)
                for sid, r in self._studies.items()
            ]

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._study(study_id).user_attrs[key] = copy.deepcopy(value)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._study(study_id).user_attrs)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._study(study_id).system_attrs[key] = copy.deepcopy(value)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._study(study_id).system_attrs)

    def claim(self, study_id: int, key: str) -> bool:
        with self._lock:
            claims = self._study(study_id).claims
            if key in claims:
                return False
            claims.add(key)
            return True

    # --- trials --------------------------------------------------------------------------
    def create_trial(self, study_id: int, template: TrialTemplate | None = None) -> tuple[int, int]:
        template = template or TrialTemplate()
        with self._lock:
            record = self._study(study_id)
            number = len(record.trials)
            trial_id = len(self._trial_owner)
            while trial_id in self._trial_owner:
                trial_id += 1
            system_attrs = dict(template.system_attrs or {})
            if template.fixed_params:
                system_attrs["fixed_params"] = dict(template.fixed_params)
            record.trials.append(FrozenTrial(
                number=number,
                trial_id=trial_id,
                state=template.state,
                params=dict(template.params or {}),
                distributions=dict(template.distributions or {}),
                user_attrs=copy.deepcopy(dict(template.user_attrs or {})),
                system_attrs=system_attrs,
                datetime_start=_now() if template.state == TrialState.RUNNING else None,
            ))
            if template.state == TrialState.WAITING:
                record.waiting.append(number)
            record.note_state(number, TrialState(template.state))
            self._trial_owner[trial_id] = (study_id, number)
            if template.heartbeat and template.state == TrialState.RUNNING:
                self._heartbeats[trial_id] = time.monotonic()
            return trial_id, number

    def pop_waiting_trial(self, study_id: int) -> int | None:
        return self._pop_waiting(study_id, beat=False)

    def pop_waiting_trial_beating(self, study_id: int) -> int | None:
        return self._pop_waiting(study_id, beat=True)

    def _pop_waiting(self, study_id: int, beat: bool) -> int | None:
        with self._lock:
            record = self._study(study_id)
            while record.waiting:
                t = record.trials[record.waiting.popleft()]
                if t.state == TrialState.WAITING:  # not finished directly while it waited
                    record.trials[t.number] = replace(t, state=TrialState.RUNNING, datetime_start=_now())
                    record.note_state(t.number, TrialState.RUNNING)
                    if beat:
                        self._heartbeats[t.trial_id] = time.monotonic()
                    return t.trial_id
            return None

    def _running(self, trial_id: int) -> tuple[_StudyRecord, int, FrozenTrial]:
        try:
            study_id, number = self._trial_owner[trial_id]
        except KeyError:
            raise KeyError(f"no trial with id {trial_id}") from None
        record = self._studies[study_id]
        trial = record.trials[number]
        if trial.state.is_finished():
            raise TrialFinishedError(f"trial {number} is already {trial.state.name} and cannot change")
        return record, number, trial

    def _update(self, trial_id: int, **changes: Any) -> None:
        record, number, trial = self._running(trial_id)
        record.trials[number] = replace(trial, **changes)

    def set_trial_params(self, trial_id: int, params: Mapping[str, Any],
                         distributions: Mapping[str, Distribution]) -> None:
        with self._lock:
            _, _, trial = self._running(trial_id)
            self._update(trial_id, params={**trial.params, **params},
                         distributions={**trial.distributions, **distributions})

    def finish_trial(self, trial_id: int, state: TrialState, values: Sequence[float] | None,
                     system_attrs: Mapping[str, Any] | None = None) -> FrozenTrial:
        state = TrialState(state)
        if not state.is_finished():
            raise ValueError(f"a trial can only be finished as COMPLETE, PRUNED or FAIL, not {state.name}")
        with self._lock:
            record, number, trial = self._running(trial_id)
            final = replace(
                trial,
                state=state,
                values=tuple(float(v) for v in values) if values is not None else None,
                system_attrs={**trial.system_attrs, **(system_attrs or {})},
                datetime_complete=_now(),
            )
            record.trials[number] = final
            record.note_state(number, state)
            self._heartbeats.pop(trial_id, None)
            return final

    # --- heartbeats ----------------------------------------------------------------------
    def record_heartbeat(self, trial_id: int) -> bool:
        with self._lock:
            if self.get_trial(trial_id).state != TrialState.RUNNING:
                return False
            self._heartbeats[trial_id] = time.monotonic()
            return True

    def get_stale_trial_ids(self, study_id: int, grace_period: float) -> list[int]:
        with self._lock:
            trials = self._study(study_id).trials
            cutoff = time.monotonic() - grace_period
            return [t.trial_id for t in trials
                    if t.state == TrialState.RUNNING and self._heartbeats.get(t.trial_id, math.inf) < cutoff]

    def fail_stale_trial(self, trial_id: int, reason: str, grace_period: float | None = None) -> bool:
        with self._lock:
            trial = self.get_trial(trial_id)
            if trial.state != TrialState.RUNNING:
                return False
            beat = self._heartbeats.get(trial_id)
            if grace_period is not None and beat is not None and beat >= time.monotonic() - grace_period:
                return False
            self.finish_trial(trial_id, TrialState.FAIL, None, {FAIL_REASON_ATTR: reason})
            return True

    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None:
        with self._lock:
            _, _, trial = self._running(trial_id)
            self._update(trial_id, intermediate_values={**trial.intermediate_values, step: value})

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._lock:
            _, _, trial = self._running(trial_id)
            self._update(trial_id, user_attrs={**trial.user_attrs, key: copy.deepcopy(value)})

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._lock:
            _, _, trial = self._running(trial_id)
            self._update(trial_id, system_attrs={**trial.system_attrs, key: copy.deepcopy(value)})

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            try:
                study_id, number = self._trial_owner[trial_id]
            except KeyError:
                raise KeyError(f"no trial with id {trial_id}") from None
            return self._studies[study_id].trials[number]

    def get_all_trials(self, study_id: int, states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        with self._lock:
            record = self._study(study_id)
            if states is not None and not any(s in states for s in TrialState if s != TrialState.RUNNING):
                # RUNNING only (the constant liar's read): a long queue of WAITING trials is not looked at
                return [record.trials[n] for n in sorted(record.running_numbers)] if TrialState.RUNNING in states else []
            return select_trials(record.trials, record.open_numbers, record.finished_counts, states)

    def get_n_trials(self, study_id: int, states: Container[TrialState] | None = None) -> int:
        with self._lock:
            record = self._study(study_id)
            if states is None:
                return len(record.trials)
            finished = sum(count for state, count in record.finished_counts.items() if state in states)
            if not any(s in states for s in (TrialState.RUNNING, TrialState.WAITING)):
                return finished  # no need to look at the open trials
            return finished + sum(1 for n in record.open_numbers if record.trials[n].state in states)

    def get_trial_id_from_number(self, study_id: int, number: int) -> int:
        with self._lock:
            trials = self._study(study_id).trials
            if not 0 <= number < len(trials):
                raise KeyError(f"the study has no trial number {number}")
            return trials[number].trial_id
