"""``ProcessExecutor(memory_limit=...)``: each trial process is capped, the study and its neighbours are not."""

from __future__ import annotations

import resource
import sys

import _memory_objectives as objectives
import pytest

import parzen
from parzen import TrialState
from parzen.execution.processes import ProcessExecutor

LIMIT = 1024 * objectives.MB  # a spawned child with parzen and numpy loaded maps about 150 MiB


def test_a_trial_past_the_limit_fails_and_its_neighbours_complete() -> None:
    study = parzen.create_study(direction="maximize")
    for mb in (8, 2048, 16, 2048, 32):
        study.enqueue_trial({"mb": mb})
    study.optimize(objectives.allocate, n_trials=5, n_jobs=2, executor=ProcessExecutor(memory_limit=LIMIT),
                   catch=(MemoryError,))
    by_mb: dict[int, list[TrialState]] = {}
    for t in study.trials:
        by_mb.setdefault(t.params["mb"], []).append(t.state)
    assert by_mb == {8: [TrialState.COMPLETE], 16: [TrialState.COMPLETE], 32: [TrialState.COMPLETE],
                     2048: [TrialState.FAIL, TrialState.FAIL]}
    assert all("MemoryError" in (t.fail_reason or "") for t in study.trials if t.state == TrialState.FAIL)
    assert study.best_value == 32.0


def test_without_a_limit_the_same_allocation_completes() -> None:
    study = parzen.create_study()
    study.enqueue_trial({"mb": 2048})
    study.optimize(objectives.allocate, n_trials=1, executor=ProcessExecutor())
    assert study.trials[0].state == TrialState.COMPLETE


def test_the_limit_is_set_in_every_child_and_never_in_the_parent() -> None:
    parent_before = resource.getrlimit(resource.RLIMIT_AS)
    study = parzen.create_study()
    study.optimize(objectives.soft_address_limit, n_trials=4, n_jobs=2, executor=ProcessExecutor(memory_limit=LIMIT))
    assert [t.value for t in study.trials] == [float(LIMIT)] * 4
    assert resource.getrlimit(resource.RLIMIT_AS) == parent_before


def test_a_lower_limit_already_in_force_is_kept() -> None:
    """The limit only lowers: a child inheriting a smaller soft limit keeps it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    lower = _mapped_bytes() + 2 * LIMIT  # leaves the parent (this test process) room to go on
    resource.setrlimit(resource.RLIMIT_AS, (lower, hard))
    try:
        study = parzen.create_study()
        study.optimize(objectives.soft_address_limit, n_trials=1, executor=ProcessExecutor(memory_limit=2 * lower))
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert study.trials[0].value == float(lower)


def _mapped_bytes() -> int:
    """This process's address-space size (Linux: VmSize in /proc/self/status)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmSize:"))
    return int(line.split()[1]) * 1024


@pytest.mark.parametrize(("value", "error"), [
    (1.5e9, TypeError), ("1GB", TypeError), (True, TypeError), (0, ValueError), (-5, ValueError),
])
def test_a_bad_memory_limit_names_it(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="memory_limit"):
        ProcessExecutor(memory_limit=value)


def test_without_resource_the_constructor_warns_that_the_limit_is_not_enforced(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "resource", None)  # what `import resource` finds on Windows
    with pytest.warns(RuntimeWarning, match="memory_limit=1024 is not enforced") as record:
        executor = ProcessExecutor(memory_limit=1024)
    assert len(record) == 1 and executor.memory_limit == 1024
