"""parzen.importance on studies whose answer is known: variance shares, log and categorical, conditions."""

from __future__ import annotations

import math

import numpy as np
import pytest

import parzen
from parzen.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator, get_param_importances
from parzen.importance._table import param_column
from parzen.importance.fanova import tree_main_effects

EVALUATORS = [PedAnovaImportanceEvaluator(), FanovaImportanceEvaluator(n_trees=32, seed=0)]


def _study(objective, n: int = 300, seed: int = 0, directions=None) -> parzen.Study:
    kwargs = {"directions": directions} if directions else {}
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=seed), **kwargs)
    study.optimize(objective, n_trials=n)
    return study


def _ninety_ten(trial: parzen.Trial) -> float:
    # x explains 90% of the variance, y 10%, z nothing (uniform inputs: Var(3x) = 9 Var(y) for the same range)
    x, y = trial.suggest_float("x", -1, 1), trial.suggest_float("y", -1, 1)
    trial.suggest_float("z", -1, 1)
    return 3 * x + y


@pytest.mark.parametrize("evaluator", EVALUATORS, ids=["ped_anova", "fanova"])
def test_the_parameter_explaining_90_percent_ranks_first_and_a_useless_one_scores_near_zero(evaluator) -> None:
    imp = get_param_importances(_study(_ninety_ten), evaluator=evaluator)
    assert list(imp)[0] == "x" and imp["x"] > 0.6
    assert imp["z"] < 0.05
    assert math.isclose(sum(imp.values()), 1.0)
    assert all(isinstance(v, float) for v in imp.values())


@pytest.mark.parametrize("evaluator", EVALUATORS, ids=["ped_anova", "fanova"])
def test_ranking_is_stable_across_seeds(evaluator) -> None:
    rankings = {tuple(get_param_importances(_study(_ninety_ten, seed=s), evaluator=evaluator)) for s in range(3)}
    assert rankings == {("x", "y", "z")}


def test_fanova_recovers_the_exact_variance_shares_of_an_additive_function() -> None:
    raw = get_param_importances(_study(_ninety_ten, n=600), evaluator=FanovaImportanceEvaluator(seed=1),
                                normalize=False)
    assert raw["x"] == pytest.approx(0.9, abs=0.05) and raw["y"] == pytest.approx(0.1, abs=0.04)
    assert raw["z"] < 0.01


def test_tree_main_effects_on_a_hand_built_tree() -> None:
    class Tree:  # root splits x0 at 0.25; left leaf 1.0, right leaf 0.0: all variance is x0's
        node_count = 3
        children_left = np.array([1, -1, -1])
        children_right = np.array([2, -1, -1])
        feature = np.array([0, -2, -2])
        threshold = np.array([0.25, -2.0, -2.0])
        value = np.array([[[0.25]], [[1.0]], [[0.0]]])

    assert tree_main_effects(Tree(), 2, [0, 1]) == pytest.approx([1.0, 0.0])


def test_fanova_seed_makes_it_reproducible() -> None:
    study = _study(_ninety_ten, n=100)
    first = get_param_importances(study, evaluator=FanovaImportanceEvaluator(n_trees=8, seed=3))
    assert get_param_importances(study, evaluator=FanovaImportanceEvaluator(n_trees=8, seed=3)) == first
    assert get_param_importances(study, evaluator=FanovaImportanceEvaluator(n_trees=8, seed=4)) != first


def test_fanova_max_samples_caps_the_trials_each_tree_sees() -> None:
    study = _study(_ninety_ten, n=200)
    small = FanovaImportanceEvaluator(n_trees=8, max_samples=20, seed=0)
    imp = get_param_importances(study, evaluator=small)
    assert imp != get_param_importances(study, evaluator=FanovaImportanceEvaluator(n_trees=8, seed=0))
    assert list(imp)[0] == "x"
    x = np.random.default_rng(0).uniform(size=(200, 2))
    assert max(t.get_n_leaves() for t in small.fit_forest(x, x[:, 0]).estimators_) <= 20  # 20 draws, 20 leaves
    full = FanovaImportanceEvaluator(n_trees=8, seed=0).fit_forest(x, x[:, 0])
    assert max(t.get_n_leaves() for t in full.estimators_) > 20
    with pytest.raises(ValueError, match="`max_samples`"):
        FanovaImportanceEvaluator(max_samples=1)


def test_log_parameters_are_measured_in_log_space() -> None:
    def objective(trial: parzen.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
        trial.suggest_float("noise", 0, 1)
        return abs(math.log10(lr) + 3)  # best at 1e-3, the middle of the log range

    study = _study(objective)
    column = param_column(study.get_trials(), "lr")
    lrs = np.array([t.params["lr"] for t in study.get_trials()])
    assert np.allclose(column.unit(), (np.log10(lrs) + 6) / 6)
    for evaluator in EVALUATORS:
        imp = get_param_importances(study, evaluator=evaluator)
        assert imp["lr"] > 0.9


def test_categorical_parameters_count_by_their_choices() -> None:
    def objective(trial: parzen.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["a", "b", "c", "d"])
        trial.suggest_float("noise", 0, 1)
        return {"a": 0.0, "b": 3.0, "c": 1.0, "d": 2.0}[kind]

    study = _study(objective)
    column = param_column(study.get_trials(), "kind")
    assert column.is_categorical and column.n_cells == 4 and column.labels() == ["a", "b", "c", "d"]
    for evaluator in EVALUATORS:
        imp = get_param_importances(study, evaluator=evaluator)
        assert list(imp)[0] == "kind" and imp["kind"] > 0.9


def test_conditional_parameters_are_judged_on_the_trials_that_hold_them() -> None:
    def objective(trial: parzen.Trial) -> float:
        model = trial.suggest_categorical("model", ["linear", "tree"])
        trial.suggest_float("noise", 0, 1)
        if model == "tree":
            depth = trial.suggest_int("depth", 1, 20)
            return abs(depth - 10) / 10
        return 0.5

    study = _study(objective, n=400)
    for evaluator in EVALUATORS:
        imp = get_param_importances(study, evaluator=evaluator)
        assert set(imp) == {"model", "noise", "depth"}
        assert imp["depth"] > imp["noise"] and imp["depth"] > 0.3
    only = get_param_importances(study, params=["depth", "noise"])
    assert list(only) == ["depth", "noise"]


def test_each_objective_of_a_multi_objective_study_by_index_or_function() -> None:
    def objective(trial: parzen.Trial) -> tuple[float, float]:
        return trial.suggest_float("x", 0, 1), trial.suggest_float("y", 0, 1)

    study = _study(objective, directions=["minimize", "maximize"])
    assert list(get_param_importances(study, target=0))[0] == "x"
    assert list(get_param_importances(study, target=1))[0] == "y"
    assert list(get_param_importances(study, target=lambda t: t.values[1]))[0] == "y"
    with pytest.raises(ValueError, match="`target`.*2 objectives"):
        get_param_importances(study)
    with pytest.raises(ValueError, match="`target` must be an objective index"):
        get_param_importances(study, target=2)


def test_normalize_false_gives_raw_scores_in_the_same_order() -> None:
    study = _study(_ninety_ten)
    norm = get_param_importances(study)
    raw = get_param_importances(study, normalize=False)
    assert list(raw) == list(norm) and sum(raw.values()) != pytest.approx(1.0)
    total = sum(raw.values())
    assert all(raw[k] / total == pytest.approx(norm[k]) for k in raw)


def test_top_quantile_changes_the_answer() -> None:
    study = _study(_ninety_ten)
    a = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator(top_quantile=0.05), normalize=False)
    b = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator(top_quantile=0.3), normalize=False)
    assert a != b and list(a)[0] == list(b)[0] == "x"


def test_null_draws_remove_the_divergence_a_few_random_good_trials_show() -> None:
    study = _study(_ninety_ten, n=60)  # six good trials: the useless z looks concentrated by chance
    raw = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator(null_draws=0), normalize=False)
    debiased = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator(null_draws=16), normalize=False)
    assert raw["z"] > 0 and debiased["z"] < raw["z"] / 2
    assert debiased["x"] > 0.9 * raw["x"]  # a real effect keeps nearly all of its score
    again = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator(null_draws=16, seed=0),
                                  normalize=False)
    assert again == debiased  # seeded: the same draws every time
    with pytest.raises(ValueError, match="`null_draws`"):
        PedAnovaImportanceEvaluator(null_draws=-1)


def test_region_quantile_asks_what_matters_among_the_good_trials() -> None:
    def objective(trial: parzen.Trial) -> float:  # x decides good from bad; among good x, only y matters
        x, y = trial.suggest_float("x", 0, 1), trial.suggest_float("y", 0, 1)
        return (10.0 if x > 0.5 else 0.0) + y

    study = _study(objective, n=600)
    whole = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator(top_quantile=0.5))
    local = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator(top_quantile=0.1, region_quantile=0.5))
    assert list(whole)[0] == "x" and list(local)[0] == "y"


def test_clear_errors_before_any_work() -> None:
    empty = parzen.create_study()
    with pytest.raises(ValueError, match="no COMPLETE trial"):
        get_param_importances(empty)
    study = _study(_ninety_ten, n=20)
    with pytest.raises(ValueError, match="unknown parameter 'w'"):
        get_param_importances(study, params=["x", "w"])
    with pytest.raises(TypeError, match="`params`"):
        get_param_importances(study, params="x")
    with pytest.raises(TypeError, match="`evaluator`"):
        get_param_importances(study, evaluator="fanova")
    with pytest.raises(TypeError, match="`normalize`"):
        get_param_importances(study, normalize=1)
    with pytest.raises(TypeError, match="`target`"):
        get_param_importances(study, target="value")
    with pytest.raises(ValueError, match="`region_quantile`"):
        PedAnovaImportanceEvaluator(top_quantile=0.5, region_quantile=0.2)
    with pytest.raises(ValueError, match="`top_quantile`"):
        PedAnovaImportanceEvaluator(top_quantile=0.0)
    with pytest.raises(TypeError, match="`n_trees`"):
        FanovaImportanceEvaluator(n_trees=2.5)


def test_works_on_sqlite_and_ignores_failed_pruned_and_running_trials(tmp_path) -> None:
    study = parzen.create_study(storage=f"sqlite:///{tmp_path / 'i.db'}", study_name="s",
                                sampler=parzen.RandomSampler(seed=0))
    study.optimize(_ninety_ten, n_trials=120)
    study.tell(study.ask(), state=parzen.TrialState.FAIL)
    study.tell(study.ask(), state=parzen.TrialState.PRUNED)
    study.ask()
    loaded = parzen.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'i.db'}")
    imp = get_param_importances(loaded)
    assert list(imp)[0] == "x"
