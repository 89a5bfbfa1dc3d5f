"""Failures that teach: a failed trial tells the model-based samplers where not to go.

Before failed trials counted, TPE, the GP and the default spent 60-98% of the trials after startup in
the failing region of these problems (the GP proposing the same failed corner again and again).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import parzen
from parzen import TrialState
from parzen.samplers import AutoSampler, GPSampler, TPESampler
from parzen.samplers.gp.acquisition import Feasibility
from parzen.samplers.gp.fit import GPPosterior
from parzen.samplers.gp.kernel import KernelParams
from parzen.testing.problems import FAILING_PROBLEMS, RegionFailure

N_TRIALS = 50
N_STARTUP = 10


def _run(sampler: parzen.Sampler, problem_name: str) -> parzen.Study:
    problem = FAILING_PROBLEMS[problem_name]
    study = parzen.create_study(sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(problem.objective, n_trials=N_TRIALS, catch=RegionFailure)
    return study


@pytest.mark.parametrize("problem, good_enough", [("failing-1d", 1e-3), ("failing-2d", 0.05)])
@pytest.mark.parametrize("make", [TPESampler, GPSampler, AutoSampler], ids=["tpe", "gp", "auto"])
def test_few_trials_after_startup_fail_and_the_optimum_is_still_found(make, problem, good_enough) -> None:
    study = _run(make(seed=0), problem)
    after_startup = study.trials[N_STARTUP:]
    failed = [t for t in after_startup if t.state == TrialState.FAIL]
    assert len(failed) <= 0.25 * len(after_startup), [t.params for t in failed]
    assert study.best_value < good_enough
    points = [tuple(t.params.values()) for t in study.trials]
    assert len(set(points)) == len(points)  # no point evaluated, or failed, twice


def test_the_feasibility_of_a_point_falls_towards_failures() -> None:
    x_ok = np.array([[0.1], [0.2], [0.3], [0.4]])
    x_failed = np.array([[0.9], [0.95]])
    x = np.vstack([x_ok, x_failed])
    labels = np.array([0.0] * 4 + [-1.0] * 2)
    params = KernelParams(lengthscales=np.array([0.2]), cat_lengthscales=np.zeros(0), amplitude=1.0)
    feasibility = Feasibility(GPPosterior(params, 1e-4, x, np.zeros((6, 0), dtype=int), labels))
    probe = np.linspace(0.0, 1.0, 21)[:, None]
    log_p = feasibility.log_p(probe, np.zeros((21, 0), dtype=int))
    assert np.all(log_p <= 0.0)
    assert log_p[4] > np.log(0.9) and log_p[19] < np.log(0.1)  # x = 0.2 works, x = 0.95 fails
    assert np.all(np.diff(log_p[8:19]) <= 1e-3)  # from the last working point to the failures it only falls
    values, grads = feasibility.log_p_and_grad(probe, np.zeros((21, 0), dtype=int))
    assert np.allclose(values, log_p)
    eps = 1e-6
    inside = (values > np.log(1e-3)) & (values < -1e-6)  # finite differences are exact enough there
    plus = feasibility.log_p(probe + eps, np.zeros((21, 0), dtype=int))
    minus = feasibility.log_p(probe - eps, np.zeros((21, 0), dtype=int))
    assert np.allclose(grads[inside, 0], ((plus - minus) / (2 * eps))[inside], rtol=1e-4, atol=1e-6)


def test_failing_problems_raise_only_in_their_failing_region() -> None:
    problem = FAILING_PROBLEMS["failing-2d"]
    assert problem({"x": 1.0, "y": 1.5}) == 0.0
    with pytest.raises(RegionFailure, match="failing-2d"):
        problem({"x": 3.0, "y": 2.0})
