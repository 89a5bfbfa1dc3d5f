"""Budget: how many trials may start, until when, and stop requests."""

from __future__ import annotations

import threading
import time

import pytest

import parzen
from parzen.execution.budget import Budget, check_budget


def _take_all(budget: Budget, limit: int = 1000) -> int:
    """How many trials the budget grants before it says stop (at most ``limit``)."""
    granted = 0
    while granted < limit and budget.take():
        granted += 1
    return granted


def test_grants_exactly_n_trials() -> None:
    assert _take_all(Budget(parzen.create_study(), 7, None)) == 7
    assert _take_all(Budget(parzen.create_study(), 0, None)) == 0


def test_unbounded_without_n_trials_or_timeout() -> None:
    assert _take_all(Budget(parzen.create_study(), None, None), limit=500) == 500


def test_exact_count_under_contention() -> None:
    """Eight threads racing for 1000 grants get 1000 in total, not one more."""
    budget = Budget(parzen.create_study(), 1000, None)
    counts: list[int] = []
    threads = [threading.Thread(target=lambda: counts.append(_take_all(budget, 10_000))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 1000


def test_timeout_ends_the_budget() -> None:
    budget = Budget(parzen.create_study(), None, 0.2)
    assert budget.take()
    time.sleep(0.25)
    assert not budget.take()


def test_own_stop_and_study_stop_both_end_it() -> None:
    study = parzen.create_study()
    budget = Budget(study, None, None)
    budget.stop()
    assert not budget.take()
    other = Budget(study, None, None)
    study.stop()
    assert not other.take()


def test_workers_needed_never_exceeds_trials() -> None:
    study = parzen.create_study()
    assert Budget(study, 3, None).workers_needed(8) == 3
    assert Budget(study, 0, None).workers_needed(8) == 1
    assert Budget(study, None, 5.0).workers_needed(8) == 8


@pytest.mark.parametrize(("n_trials", "timeout", "error"), [
    (-1, None, ValueError),
    (1.5, None, TypeError),
    (True, None, TypeError),
    (None, -1.0, ValueError),
    (None, float("nan"), ValueError),
    (None, "10", TypeError),
])
def test_rejects_bad_limits(n_trials: object, timeout: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_budget(n_trials, timeout)  # type: ignore[arg-type]
