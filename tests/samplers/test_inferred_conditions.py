"""Conditions read off a define-by-run history: the parent and values that enable each parameter."""

from __future__ import annotations

import parzen
from parzen.samplers.inferred_conditions import infer_conditional_space


def _history(objective, n_trials: int = 40, seed: int = 0) -> list[parzen.FrozenTrial]:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    return study.trials


def _conditions(space: dict) -> dict:
    return {n: (d.when.parent, set(d.when.values)) for n, d in space.items() if d.when is not None}


def test_nested_branches_and_an_integer_parent() -> None:
    def objective(trial: parzen.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        if trial.suggest_categorical("model", ["svc", "mlp"]) == "svc":
            trial.suggest_float("C", 1e-3, 1e3, log=True)
            if trial.suggest_categorical("kernel", ["rbf", "poly"]) == "poly":
                trial.suggest_int("degree", 2, 5)
        else:
            for i in range(trial.suggest_int("layers", 1, 3)):
                trial.suggest_int(f"units_{i}", 8, 64)
        return lr

    space = infer_conditional_space(_history(objective))
    assert space is not None
    assert _conditions(space) == {
        "C": ("model", {"svc"}), "kernel": ("model", {"svc"}), "degree": ("kernel", {"poly"}),
        "layers": ("model", {"mlp"}), "units_0": ("layers", {1, 2, 3}), "units_1": ("layers", {2, 3}),
        "units_2": ("layers", {3}),
    }
    order = list(space)
    assert all(order.index(d.when.parent) < order.index(n) for n, d in space.items() if d.when is not None)


def test_a_parameter_behind_a_float_threshold_is_not_explained() -> None:
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", -1.0, 1.0)
        trial.suggest_categorical("c", ["a", "b"])
        return trial.suggest_float("extra", 0.0, 1.0) if x > 0 else 0.0

    assert infer_conditional_space(_history(objective)) is None


def test_of_two_consistent_parents_the_one_asked_just_before_wins() -> None:
    study = parzen.create_study()
    for a, b in [("p", 1), ("q", 2), ("p", 1), ("q", 2)]:
        space = {"a": parzen.Categorical(["p", "q"]), "b": parzen.Int(1, 2)}
        if a == "p":
            space["x"] = parzen.Float(0.0, 1.0)
        study.enqueue_trial({"a": a, "b": b, "x": 0.5} if a == "p" else {"a": a, "b": b})
        study.tell(study.ask(space), 0.0)
    space = infer_conditional_space(study.trials)
    assert space is not None
    assert _conditions(space) == {"x": ("b", {1})}


def test_an_unexplained_parameter_or_a_full_space_needs_no_inference() -> None:
    trials = []
    for space in ({"x": parzen.Float(0, 1)}, {"x": parzen.Float(0, 2), "k": parzen.Int(0, 3)}):
        study = parzen.create_study()
        study.tell(study.ask(space), 0.0)
        trials += study.trials
    assert infer_conditional_space(trials) is None  # no parent explains when `k` exists
    full = _history(lambda t: t.suggest_float("u", 0, 1) + t.suggest_int("n", 0, 3), n_trials=5)
    assert _conditions(infer_conditional_space(full)) == {}


def test_a_branch_whose_range_changed_keeps_its_condition_with_the_latest_range() -> None:
    def objective(trial: parzen.Trial) -> float:
        high = 0.999 if trial.number < 20 else 1.25  # widened mid-study, as the adaptive front door does
        if trial.suggest_categorical("opt", ["sgd", "adam"]) == "adam":
            return trial.suggest_float("beta1", 0.5, high)
        return trial.suggest_float("momentum", 0.0, 1.0)

    space = infer_conditional_space(_history(objective))
    assert space is not None and space["beta1"].high == 1.25
    assert _conditions(space) == {"beta1": ("opt", {"adam"}), "momentum": ("opt", {"sgd"})}
