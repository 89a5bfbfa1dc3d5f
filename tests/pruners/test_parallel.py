"""Pruners under ``optimize(n_jobs=4)``: threads share one storage and every decision stays consistent.

Each trial's curve ``(x - 0.3)^2 + 0.5 / (step + 1)`` depends on its ``x`` only, and the enqueued
``x = 0.3`` is best at every step, so whatever the interleaving it is never pruned and the best value
matches a serial run. Decisions are checked against what the pruner's rule allows at that step.
"""

from __future__ import annotations

import functools
import multiprocessing
import time

import pytest
from _pruning_helpers import asha_worker, curve_value, drive

import parzen
from parzen import TrialState
from parzen.pruners import (
    HyperbandPruner,
    MedianPruner,
    PatiencePruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
)
from parzen.pruners.hyperband import BRACKET_ATTR_PREFIX
from parzen.pruners.successive_halving import RUNG_ATTR_PREFIX

STEPS = 12
N_TRIALS = 40


_value = curve_value


def _objective(trial: parzen.Trial, sign: float) -> float:
    """The curve of the trial's ``x``, reported as ``sign * value`` (sign -1 for a maximized study)."""
    x = trial.suggest_float("x", 0.0, 1.0)
    for step in range(STEPS):
        time.sleep(0.0005)  # let the threads interleave
        trial.report(sign * _value(x, step), step)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return sign * _value(x, STEPS - 1)


def _run(pruner, n_jobs: int, direction: str = "minimize") -> parzen.Study:
    study = parzen.create_study(direction=direction, pruner=pruner, sampler=parzen.RandomSampler(seed=7))
    study.enqueue_trial({"x": 0.3})
    sign = 1.0 if direction == "minimize" else -1.0
    study.optimize(functools.partial(_objective, sign=sign), n_trials=N_TRIALS, n_jobs=n_jobs)
    return study


def _check_records(study: parzen.Study) -> list[parzen.FrozenTrial]:
    """Every trial finished; a pruned one holds its last report as value; the pruned trials."""
    trials = study.trials
    assert len(trials) == N_TRIALS
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    assert pruned, "the pruner pruned nothing"
    for t in pruned:
        assert t.value == t.intermediate_values[t.last_step]
        assert sorted(t.intermediate_values) == list(range(t.last_step + 1))
    return pruned


def _check_common(study: parzen.Study, serial: parzen.Study) -> list[parzen.FrozenTrial]:
    """As :func:`_check_records`, and the dominant trial 0 completes with the serial run's best value."""
    pruned = _check_records(study)
    assert study.trials[0].params == {"x": 0.3} and study.trials[0].state == TrialState.COMPLETE
    assert study.best_value == serial.best_value and study.best_params == serial.best_params == {"x": 0.3}
    return pruned


def _check_rungs(trial: parzen.FrozenTrial, prefix: str, rung_steps: list[int]) -> None:
    """Rung attributes form a prefix 0..K, hold the reports at the rung steps, and a pruned trial stopped at a rung."""
    keys = sorted(int(k[len(prefix):]) for k in trial.system_attrs if k.startswith(prefix))
    assert keys == list(range(len(keys)))
    for k in keys:
        assert trial.system_attrs[f"{prefix}{k}"] == trial.intermediate_values[rung_steps[k]]
    if trial.state == TrialState.PRUNED:
        assert keys and trial.last_step == rung_steps[keys[-1]]


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("pruner_factory", [
    lambda: MedianPruner(n_startup_trials=3, n_warmup_steps=1),
    lambda: PercentilePruner(30.0, n_startup_trials=3),
])
def test_percentile_pruners_in_threads(pruner_factory, direction) -> None:
    serial = _run(pruner_factory(), 1, direction)
    study = _run(pruner_factory(), 4, direction)
    for s in (serial, study):
        for t in _check_common(s, serial):
            best_other = min(_value(o.params["x"], t.last_step) for o in s.trials if o.number != t.number)
            assert _value(t.params["x"], t.last_step) > best_other  # worse than at least one other trial


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_successive_halving_in_threads(direction) -> None:
    serial = _run(SuccessiveHalvingPruner(), 1, direction)
    study = _run(SuccessiveHalvingPruner(), 4, direction)
    for s in (serial, study):
        _check_common(s, serial)
        for t in s.trials:
            _check_rungs(t, RUNG_ATTR_PREFIX, [1, 3, 9])


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_hyperband_in_threads(direction) -> None:
    pruner = HyperbandPruner(max_resource=STEPS)
    serial = _run(HyperbandPruner(max_resource=STEPS), 1, direction)
    study = _run(pruner, 4, direction)
    for s in (serial, study):
        _check_common(s, serial)
        for t in s.trials:
            b = pruner.bracket(s, t.number)
            _check_rungs(t, f"{BRACKET_ATTR_PREFIX}{b}:rung:", [3**(b + k) for k in range(3)])


@pytest.mark.parametrize("pruner_factory", [
    lambda: ThresholdPruner(upper=0.3, n_warmup_steps=4),
    lambda: PatiencePruner(2, min_delta=0.03),
])
def test_per_trial_pruners_decide_as_in_a_serial_replay(pruner_factory) -> None:
    study = _run(pruner_factory(), 4)
    _check_records(study)
    replay = parzen.create_study(pruner=pruner_factory())
    for t in study.trials:
        expected = drive(replay, [_value(t.params["x"], s) for s in range(STEPS)])
        assert (t.last_step if t.state == TrialState.PRUNED else None) == expected


def test_successive_halving_across_processes_sharing_sqlite(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'asha.db'}"
    study = parzen.create_study(storage=url, study_name="asha-processes", pruner=SuccessiveHalvingPruner())
    study.enqueue_trial({"x": 0.3})
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=asha_worker, args=("asha-processes", url, 12, STEPS)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    trials = study.trials
    assert len(trials) == 24 and {t.state for t in trials} == {TrialState.COMPLETE, TrialState.PRUNED}
    assert study.best_params == {"x": 0.3}
    for t in trials:
        _check_rungs(t, RUNG_ATTR_PREFIX, [1, 3, 9])
    at_rung_1 = [t for t in trials if f"{RUNG_ATTR_PREFIX}1" in t.system_attrs]
    assert len(at_rung_1) < len(trials) / 2  # each rung passes on about a third
