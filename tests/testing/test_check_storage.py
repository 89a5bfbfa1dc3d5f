"""parzen.testing.check_storage as a user runs it: it passes a good storage, names the check a broken
one fails, and refuses bad arguments. (tests/storages/test_storage_conformance.py runs each check on
every back end.)"""

from __future__ import annotations

from typing import Any

import pytest

from parzen.space import Distribution
from parzen.storages import BaseStorage, InMemoryStorage
from parzen.testing import check_storage
from parzen.testing.storage import storage_checks
from parzen.trial import FrozenTrial, TrialState


def test_in_memory_storage_passes() -> None:
    check_storage(InMemoryStorage)


class _ForgetsIntermediateValues(InMemoryStorage):
    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None:
        self.get_trial(trial_id)


class _FinishesAsRunning(InMemoryStorage):
    """What InMemoryStorage did before the kit existed: finishing as RUNNING was accepted."""

    def finish_trial(self, trial_id: int, state: TrialState, values: Any, system_attrs: Any = None) -> FrozenTrial:
        if state == TrialState.RUNNING:
            return self.get_trial(trial_id)
        return super().finish_trial(trial_id, state, values, system_attrs)


class _ClaimsTwice(InMemoryStorage):
    def claim(self, study_id: int, key: str) -> bool:
        super().claim(study_id, key)
        return True


class _RoundsParams(InMemoryStorage):
    def set_trial_params(self, trial_id: int, params: Any, distributions: dict[str, Distribution]) -> None:
        super().set_trial_params(trial_id, {k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                                            for k, v in params.items()}, distributions)


@pytest.mark.parametrize("broken, check", [
    (_ForgetsIntermediateValues, "check_intermediate_values"),
    (_FinishesAsRunning, "check_finish_requires_a_finished_state"),
    (_ClaimsTwice, "check_claim_exactly_once"),
    (_RoundsParams, "check_params_round_trip_with_types"),
])
def test_a_broken_storage_fails_the_check_that_covers_it(broken: type[BaseStorage], check: str) -> None:
    with pytest.raises(AssertionError, match=f"check_storage: {check} failed on"):
        check_storage(broken)


def test_checks_are_listed_by_name() -> None:
    names = list(storage_checks())
    assert "check_heartbeats" in names and "check_fail_stale_trial_once" in names
    assert all(name.startswith("check_") for name in names) and "check_storage" not in names


def test_checks_selects_what_runs() -> None:
    check_storage(_ClaimsTwice, checks=["check_intermediate_values", "check_heartbeats"])  # the broken part not run
    with pytest.raises(AssertionError, match="check_claim_exactly_once"):
        check_storage(_ClaimsTwice, checks=["check_intermediate_values", "check_claim_exactly_once"])


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"`checks`.*check_nothing"):
        check_storage(InMemoryStorage, checks=["check_nothing"])
    with pytest.raises(TypeError, match="`checks`"):
        check_storage(InMemoryStorage, checks="check_heartbeats")
    with pytest.raises(TypeError, match="make_storage"):
        check_storage("memory")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="BaseStorage"):
        check_storage(dict)  # type: ignore[arg-type]
