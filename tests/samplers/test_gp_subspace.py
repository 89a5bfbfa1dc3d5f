"""The GP on a changed space: it models the hull of every definition and searches the current one."""

from __future__ import annotations

import numpy as np
import pytest

import parzen
from parzen.samplers.gp.subspace import SubspaceMap, model_distribution
from parzen.space import Categorical, Float, Int


def test_the_model_distribution_is_the_hull_with_the_current_scale() -> None:
    assert model_distribution(Float(0, 1), [Float(-2, 0.5), Float(0.2, 3)]) == Float(-2, 3)
    assert model_distribution(Float(1e-3, 1e-2, log=True), [Float(0.5, 1)]) == Float(1e-3, 1, log=True)
    assert model_distribution(Float(1e-3, 1e-2, log=True), [Float(-1, 1)]) == Float(1e-3, 1e-2, log=True)
    assert model_distribution(Int(2, 4), [Int(0, 9, step=3)]) == Int(0, 9)
    assert model_distribution(Int(2, 6, step=2), [Int(0, 10, step=2)]) == Int(0, 10, step=2)
    assert model_distribution(Float(0, 1, step=0.5), [Float(0.25, 2.25, step=0.5)]) == Float(0, 2.25)
    same = Float(0, 1)
    assert model_distribution(same, [Float(0.2, 0.8), Int(0, 5)]) is same  # covered; another kind is not read
    assert model_distribution(Categorical(["b"]), [Categorical(["a", "b", "c"])]).choices == ("b", "a", "c")


@pytest.mark.parametrize("search, model", [
    (Float(0.2, 0.5), Float(0, 1)),
    (Float(1e-3, 1e-2, log=True), Float(1e-5, 1, log=True)),
    (Int(3, 7), Int(0, 20)),
    (Int(4, 64, log=True), Int(1, 512, log=True)),
    (Float(1, 2, step=0.25), Float(0, 5)),
])
def test_search_points_map_to_the_models_encoding_of_the_same_value(search, model) -> None:
    subspace = SubspaceMap({"x": search}, {"x": model}, ["x"], [], ["x"], [])
    u = np.linspace(0.0, 1.0, 11)[:, None]
    mapped, _ = subspace.to_model(u, np.zeros((11, 0), dtype=int), None)
    raw_low, raw_high = search.encoding_bounds()
    values = raw_low + u[:, 0] * (raw_high - raw_low)  # the (log-)value each search point stands for
    model_low, model_high = model.encoding_bounds()
    np.testing.assert_allclose(mapped[:, 0], (values - model_low) / (model_high - model_low), atol=1e-12)
    inside = [v for v in np.linspace(0.05, 0.95, 7)]
    for point in inside:  # a value of the search space encodes alike on both paths
        value = search.to_external(point)
        back, _ = subspace.to_model(np.array([[search.to_internal(value)]]), np.zeros((1, 0), dtype=int), None)
        assert back[0, 0] == pytest.approx(model.to_internal(value), abs=1e-12)
    anchors, _ = subspace.to_search(np.array([[0.0], [model.to_internal(search.to_external(0.5))], [1.0]]),
                                    np.zeros((3, 0), dtype=int))
    assert anchors[0, 0] == 0.0 and anchors[2, 0] == 1.0  # clipped into the current range
    assert anchors[1, 0] == pytest.approx(search.to_internal(search.to_external(0.5)), abs=1e-9)


def test_held_dimensions_and_categories_carry_over() -> None:
    search = {"x": Float(0, 1), "lr": Float(0.01, 0.01), "opt": Categorical(["adam"]), "act": Categorical(["b", "a"])}
    model = {"x": Float(0, 1), "lr": Float(1e-4, 1, log=True), "opt": Categorical(["adam", "sgd"]),
             "act": Categorical(["b", "a", "c"])}
    subspace = SubspaceMap(search, model, ["x"], ["act"], ["x", "lr"], ["opt", "act"])
    num, cat = subspace.to_model(np.array([[0.25]]), np.array([[1]]), None)
    assert num[0, 0] == 0.25 and num[0, 1] == pytest.approx(model["lr"].to_internal(0.01))
    assert cat.tolist() == [[0, 1]]  # "adam" held; "a" keeps its index
    num, cat = subspace.to_model(np.array([[0.25]]), np.array([[2]]), np.array([[True]]))
    assert num[0, 0] == 0.5 and cat[0, 1] == 3  # the stand-ins of an inactive parameter move to the model's
    kept, kept_cat = subspace.to_search(np.array([[0.5, 0.1], [0.6, 0.9]]), np.array([[0, 2], [1, 0]]))
    assert kept.tolist() == [[0.6]] and kept_cat.tolist() == [[0]]  # a row holding "c" is no anchor


def _objective(trial: parzen.Trial, space: dict) -> float:
    x = trial.suggest("x", space["x"])
    kind = trial.suggest("kind", space["kind"])
    return (x - 0.7) ** 2 + {"a": 0.0, "b": 1.0, "c": 2.0}[kind]


def test_a_frozen_parameter_stays_in_the_model_and_the_gp_keeps_improving() -> None:
    """After ``kind`` is fixed at "b", trials of "a" and "c" still count: without them (the earlier
    behaviour) the GP saw x's effect blurred by kind's and wandered."""
    study = parzen.create_study(sampler=parzen.samplers.GPSampler(seed=0, n_startup_trials=8))
    first = {"x": Float(0, 1), "kind": Categorical(["a", "b", "c"])}
    study.optimize(lambda t: _objective(t, first), n_trials=20)
    changed = {"x": Float(0.3, 1), "kind": Categorical(["b"])}
    study.optimize(lambda t: _objective(t, changed), n_trials=12)
    late = study.trials[20:]
    assert all(t.params["kind"] == "b" and 0.3 <= t.params["x"] <= 1 for t in late)
    relative = study.sampler.infer_relative_space(study, None)  # type: ignore[arg-type]
    assert set(relative) == {"x", "kind"}  # the held parameter is modelled
    assert min(t.value for t in late) < 1.0 + 1e-5  # x within 0.003 of 0.7 (12 random draws: 1 in 10)
