"""The storage interface every back end implements.

A storage keeps studies and their trials. All methods are safe to call from several threads;
persistent back ends are also safe across processes. Finished trials are immutable: a second
attempt to finish one raises :class:`parzen.exceptions.TrialFinishedError`, and a back end may
cache them. Values handed in and out are the user-facing ones (a category's value, not its index);
JSON-serializable attributes are the caller's responsibility.
"""

from __future__ import annotations

import abc
import datetime
from dataclasses import dataclass
from typing import Any, Container, Mapping, Sequence

from parzen.space import Distribution
from parzen.trial import FrozenTrial, TrialState

DIRECTIONS = ("minimize", "maximize")


@dataclass(frozen=True)
class StudySummary:
    study_id: int
    study_name: str
    directions: tuple[str, ...]
    n_trials: int
    datetime_start: datetime.datetime | None


@dataclass(frozen=True)
class TrialTemplate:
    """What a new trial starts with: fixed params for WAITING trials, claims for RUNNING ones.

    ``heartbeat=True`` (for a RUNNING trial) records the trial's first heartbeat as it is created, in
    the same write: a runner that beats creates its trials so, and a worker that dies before its own
    first beat still leaves a trial that goes stale. A storage that ignores it stays correct, only
    without that guarantee (its trials are never stale before their first beat).
    """

    state: TrialState = TrialState.RUNNING
    params: Mapping[str, Any] | None = None
    distributions: Mapping[str, Distribution] | None = None
    fixed_params: Mapping[str, Any] | None = None
    system_attrs: Mapping[str, Any] | None = None
    user_attrs: Mapping[str, Any] | None = None
    heartbeat: bool = False


class BaseStorage(abc.ABC):
    """Interface of a storage. See the module docstring for the guarantees."""

    starts_trials_beating: bool = False
    """Whether ``create_trial`` with ``TrialTemplate(heartbeat=True)`` and :meth:`pop_waiting_trial_beating`
    record the trial's first heartbeat themselves; a runner that beats then skips its own first beat
    (one write fewer per trial). parzen's storages do; the conformance kit checks a storage that says so."""

    def same_backend(self, other: BaseStorage) -> bool:
        """Whether ``other`` reads and writes the very same studies and trials as this storage.

        Study and trial ids are only unique within one back end; this is how a study tells its own
        trials, asked through another storage object, from those of another database. By default
        only the object itself qualifies.
        """
        return other is self

    # --- studies -------------------------------------------------------------------------
    @abc.abstractmethod
    def create_study(self, study_name: str, directions: Sequence[str]) -> int:
        """Create a study; raise DuplicatedStudyError if the name is taken."""

    @abc.abstractmethod
    def delete_study(self, study_id: int) -> None: ...

    @abc.abstractmethod
    def get_study_id(self, study_name: str) -> int:
        """Raise StudyNotFoundError when no such study exists."""

    @abc.abstractmethod
    def get_study_name(self, study_id: int) -> str: ...

    @abc.abstractmethod
    def get_study_directions(self, study_id: int) -> tuple[str, ...]: ...

    @abc.abstractmethod
    def get_all_studies(self) -> list[StudySummary]: ...

    @abc.abstractmethod
    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None: ...

    @abc.abstractmethod
    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]: ...

    @abc.abstractmethod
    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None: ...

    @abc.abstractmethod
    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]: ...

    @abc.abstractmethod
    def claim(self, study_id: int, key: str) -> bool:
        """Atomically take ``key`` for this study: True for exactly one caller, ever.

        Samplers use it to hand out each grid point once among many workers.
        """

    # --- trials --------------------------------------------------------------------------
    @abc.abstractmethod
    def create_trial(self, study_id: int, template: TrialTemplate | None = None) -> tuple[int, int]:
        """Create a trial and return ``(trial_id, number)``; numbers count from 0 per study."""

    @abc.abstractmethod
    def pop_waiting_trial(self, study_id: int) -> int | None:
        """Turn the oldest WAITING trial into RUNNING and return its id (None if there is none).

        Exactly one caller gets each waiting trial.
        """

    def pop_waiting_trial_beating(self, study_id: int) -> int | None:
        """:meth:`pop_waiting_trial`, recording the taken trial's first heartbeat in the same write.

        A runner that beats takes waiting trials (retries, enqueued trials) so, and a worker that dies
        before its own first beat still leaves a trial that goes stale. This default only pops: the
        runner's own first beat follows, and a worker that dies in between leaves a trial that is never
        found stale. parzen's storages do both in one write.
        """
        return self.pop_waiting_trial(study_id)

    @abc.abstractmethod
    def set_trial_params(self, trial_id: int, params: Mapping[str, Any],
                         distributions: Mapping[str, Distribution]) -> None:
        """Add parameters (user-facing values) and their distributions to a RUNNING trial."""

    @abc.abstractmethod
    def finish_trial(self, trial_id: int, state: TrialState, values: Sequence[float] | None,
                     system_attrs: Mapping[str, Any] | None = None) -> FrozenTrial:
        """Move a RUNNING trial to a finished state and return its final record.

        Raises TrialFinishedError when the trial is already finished.
        """

    @abc.abstractmethod
    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None: ...

    @abc.abstractmethod
    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None: ...

    @abc.abstractmethod
    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None: ...

    @abc.abstractmethod
    def get_trial(self, trial_id: int) -> FrozenTrial: ...

    @abc.abstractmethod
    def get_all_trials(self, study_id: int, states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        """Trials of a study ordered by number, optionally only those in ``states``."""

    # --- heartbeats --------------------------------------------------------------------
    @abc.abstractmethod
    def record_heartbeat(self, trial_id: int) -> bool:
        """Record, by the storage's clock, that the worker running ``trial_id`` is alive.

        Returns True while the trial is RUNNING, and False (recording nothing) once it is finished,
        for example because another worker found it stale and failed it: the caller then knows its
        result will be refused. Raises KeyError for an unknown trial.
        """

    @abc.abstractmethod
    def get_stale_trial_ids(self, study_id: int, grace_period: float) -> list[int]:
        """Ids of the RUNNING trials of a study whose last heartbeat is older than ``grace_period`` s.

        Only trials that have beaten at least once are considered (a trial created with
        ``TrialTemplate(heartbeat=True)`` beat at its creation, one taken by :meth:`pop_waiting_trial_beating`
        as it was taken), so a trial of a worker that does not use
        heartbeats (an ask-and-tell loop, say) is never taken for dead. Ages are measured by
        the storage's clock (the database server's for PostgreSQL and Redis), so workers whose
        clocks disagree still agree on which trials are stale.
        """

    @abc.abstractmethod
    def fail_stale_trial(self, trial_id: int, reason: str, grace_period: float | None = None) -> bool:
        """Atomically move a RUNNING trial to FAIL with ``reason`` as its fail reason.

        Returns True for exactly one caller; False when the trial is already finished or, if
        ``grace_period`` is given, when it has beaten within the last ``grace_period`` seconds (its
        worker came back after the caller listed it as stale). Raises KeyError for an unknown trial.
        """

    def get_n_trials(self, study_id: int, states: Container[TrialState] | None = None) -> int:
        return len(self.get_all_trials(study_id, states))

    def get_trial_id_from_number(self, study_id: int, number: int) -> int:
        for t in self.get_all_trials(study_id):
            if t.number == number:
                return t.trial_id
        raise KeyError(f"study {study_id} has no trial number {number}")


def check_directions(directions: Sequence[str]) -> tuple[str, ...]:
    if isinstance(directions, str) or not isinstance(directions, Sequence) or not directions:
        raise ValueError(f"`directions` must be a non-empty list of 'minimize'/'maximize', got {directions!r}")
    out = []
    for d in directions:
        d = getattr(d, "value", d)
        if not isinstance(d, str) or d.lower() not in DIRECTIONS:
            raise ValueError(f"unknown direction {d!r}: expected 'minimize' or 'maximize'")
        out.append(d.lower())
    return tuple(out)
