"""The hyperopt back end: hyperopt's real TPE drives a parzen study."""

from __future__ import annotations

import pytest

import parzen
from parzen import TrialState
from parzen.backends import HyperoptSampler

SPACE = {
    "x": parzen.Float(-5, 5),
    "lr": parzen.Float(1e-4, 1, log=True),
    "n": parzen.Int(0, 20, step=5),
    "kind": parzen.Categorical(["a", "b", None]),
    "z": parzen.Float(0, 1, step=0.25, when=("kind", "a")),
}


def test_tpe_maximizes_a_conditional_space_within_its_bounds() -> None:
    study = parzen.create_study(direction="maximize", sampler=HyperoptSampler(n_startup_jobs=8, seed=0))
    for _ in range(50):
        trial = study.ask(SPACE)
        p = trial.params
        assert ("z" in p) == (p["kind"] == "a")
        assert p["n"] in (0, 5, 10, 15, 20) and 1e-4 <= p["lr"] <= 1 and p.get("z", 0) in (0, 0.25, 0.5, 0.75, 1)
        study.tell(trial, -(p["x"] - 1) ** 2 - abs(p["n"] - 10) / 5 + (p["kind"] == "a") - p.get("z", 0))
    assert study.best_value > -0.5  # the optimum is 1 at x=1, n=10, kind="a", z=0
    # Conditional modelling: once TPE has found branch "a", it proposes it for most later trials.
    assert sum(t.params["kind"] == "a" for t in study.trials[25:]) >= 12


def test_define_by_run_failures_and_the_same_seed() -> None:
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        if trial.number % 7 == 3:
            raise RuntimeError("diverged")
        return (x - 1) ** 2

    runs = []
    for seed in (5, 5, 6):
        study = parzen.create_study(sampler=HyperoptSampler(n_startup_jobs=5, seed=seed))
        study.optimize(objective, n_trials=25, catch=(RuntimeError,))
        runs.append([t.params for t in study.trials])
        assert study.trials[3].state == TrialState.FAIL and study.best_value < 0.2
    assert runs[0] == runs[1] != runs[2]


def test_random_algorithm_and_bad_options() -> None:
    study = parzen.create_study(sampler=HyperoptSampler("random", seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=10)
    assert len({t.params["x"] for t in study.trials}) == 10
    for kwargs, match in (({"algorithm": "anneal"}, "`algorithm`"), ({"gamma": 1.5}, "`gamma`"),
                          ({"n_startup_jobs": 0}, "`n_startup_jobs`"), ({"prior_weight": 0}, "`prior_weight`")):
        with pytest.raises(ValueError, match=match):
            HyperoptSampler(**kwargs)
    two = parzen.create_study(directions=["minimize", "maximize"], sampler=HyperoptSampler())
    with pytest.raises(ValueError, match="one objective"):
        two.ask({"x": parzen.Float(0, 1)})
