"""The scikit-optimize back end: skopt's real Optimizer drives a parzen study."""

from __future__ import annotations

import pytest

import parzen
from parzen import TrialState
from parzen.backends import SkoptSampler

SPACE = {
    "x": parzen.Float(-5, 5),
    "lr": parzen.Float(1e-4, 1, log=True),
    "n": parzen.Int(0, 20, step=5),
    "kind": parzen.Categorical(["a", "b", None]),
    "z": parzen.Float(0, 1, when=("kind", "a")),
}


def _score(p: dict) -> float:
    """Highest (10) at x=1, lr=0.01, n=10, kind="a", z=0."""
    return 10 - (p["x"] - 1) ** 2 - abs(p["n"] - 10) / 5 - (p["kind"] != "a") - p.get("z", 0.0) - \
        abs(__import__("math").log10(p["lr"]) + 2)


def test_gp_maximizes_a_mixed_conditional_space() -> None:
    sampler = SkoptSampler(n_initial_points=8, acq_optimizer="sampling", seed=0)
    study = parzen.create_study(direction="maximize", sampler=sampler)
    for _ in range(25):
        trial = study.ask(SPACE)
        p = trial.params
        assert ("z" in p) == (p["kind"] == "a") and p["n"] in (0, 5, 10, 15, 20) and 1e-4 <= p["lr"] <= 1
        study.tell(trial, _score(p))
    assert study.best_value > 8.0


@pytest.mark.parametrize("estimator", ["GP", "ET"])
def test_estimators_with_define_by_run_and_failures(estimator) -> None:
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        if trial.number == 3:
            raise RuntimeError("out of memory")
        return (x - 1) ** 2

    study = parzen.create_study(sampler=SkoptSampler(estimator, n_initial_points=5, seed=1))
    study.optimize(objective, n_trials=15, catch=(RuntimeError,))
    assert study.trials[3].state == TrialState.FAIL and study.best_value < 0.5


def test_same_seed_same_suggestions() -> None:
    def run(seed: int) -> list[dict]:
        study = parzen.create_study(sampler=SkoptSampler("ET", n_initial_points=4, seed=seed))
        for _ in range(7):
            trial = study.ask({"x": parzen.Float(-5, 5)})
            study.tell(trial, (trial.params["x"] - 1) ** 2)
        return [t.params for t in study.trials]

    assert run(2) == run(2) != run(3)


def test_parallel_asks_do_not_repeat_a_point() -> None:
    study = parzen.create_study(sampler=SkoptSampler(n_initial_points=3, acq_optimizer="sampling", seed=0))
    for _ in range(4):
        trial = study.ask({"x": parzen.Float(-5, 5)})
        study.tell(trial, (trial.params["x"] - 1) ** 2)
    batch = [study.ask({"x": parzen.Float(-5, 5)}) for _ in range(3)]
    assert len({t.params["x"] for t in batch}) == 3


def test_several_objectives_and_bad_options_are_refused() -> None:
    study = parzen.create_study(directions=["minimize", "minimize"], sampler=SkoptSampler())
    with pytest.raises(ValueError, match="one objective"):
        study.ask({"x": parzen.Float(0, 1)})
    with pytest.raises(ValueError, match="`base_estimator`"):
        SkoptSampler("SVM")
    with pytest.raises(ValueError, match="`acq_func`"):
        SkoptSampler(acq_func="UCB")
    with pytest.raises(ValueError, match="`n_initial_points`"):
        SkoptSampler(n_initial_points=0)
    with pytest.raises(ValueError, match="`acq_optimizer`"):
        SkoptSampler(acq_optimizer="adam")
