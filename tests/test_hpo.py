"""parzen.hpo: errors at the boundary, thread safety, checkpoints, and that every option has its effect."""

from __future__ import annotations

import json
import threading

import pytest

import parzen
from parzen.exceptions import TrialFinishedError
from parzen.export import save_study_file
from parzen.hpo import (
    BayesianOptimizer,
    GridSearch,
    MedianPruner,
    MultiObjectiveOptimizer,
    ParameterDef,
    RandomSearch,
    SearchSpace,
    TrialState,
)


def space() -> SearchSpace:
    return (SearchSpace().add("x", ParameterDef.Uniform(-5.0, 5.0))
            .add("n", ParameterDef.IntUniform(1, 8))
            .add("act", ParameterDef.Categorical(["relu", "gelu"])))


def run(opt: BayesianOptimizer, f=lambda p: (p["x"] - 1.0) ** 2 + p["n"]) -> None:
    while (trial := opt.ask()) is not None:
        opt.tell(trial.id, f(trial.params), TrialState.Complete)


# --- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("definition, message", [
    (ParameterDef.Uniform(2.0, 1.0), "parameter 'p': Float: `low` (2.0) must be <= `high` (1.0)"),
    (ParameterDef.LogUniform(0.0, 1.0), "parameter 'p': Float: `low` must be > 0"),
    (ParameterDef.IntUniform(5, 1), "parameter 'p': Int: `low` (5) must be <= `high` (1)"),
    (ParameterDef.Discrete([]), "parameter 'p': Categorical: `choices` must not be empty"),
    (ParameterDef.Categorical([]), "parameter 'p': Categorical: `choices` must not be empty"),
    (ParameterDef.Discrete(["a"]), "parameter 'p': Discrete values must be numbers"),
])
def test_bad_definitions_name_the_parameter(definition: ParameterDef, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(").replace(")", r"\)")):
        SearchSpace().add("p", definition)


def test_space_rejects_a_repeated_name_and_add_leaves_the_original_unchanged() -> None:
    one = SearchSpace().add("a", ParameterDef.Uniform(0, 1))
    two = one.add("b", ParameterDef.Uniform(0, 1))
    assert one.names == ["a"] and two.names == ["a", "b"]
    with pytest.raises(ValueError, match="parameter 'a' is already in the search space"):
        two.add("a", ParameterDef.Uniform(0, 1))


@pytest.mark.parametrize("n_trials, error, message", [
    (0, ValueError, "`n_trials` must be >= 1"), (-1, ValueError, "`n_trials` must be >= 1"),
    (2.5, TypeError, "`n_trials` must be an int"), (True, TypeError, "`n_trials` must be an int"),
])
def test_n_trials_must_be_a_positive_int(n_trials, error, message) -> None:
    with pytest.raises(error, match=message):
        BayesianOptimizer(space(), n_trials)
    with pytest.raises(error, match=message):
        RandomSearch(space(), n_trials)


def test_empty_space_direction_and_objectives_are_checked() -> None:
    with pytest.raises(ValueError, match="`space` is empty"):
        BayesianOptimizer(SearchSpace(), 5)
    with pytest.raises(ValueError, match="`direction` must be 'minimize' or 'maximize'"):
        BayesianOptimizer(space(), 5, direction="up")
    with pytest.raises(ValueError, match="no objective"):
        MultiObjectiveOptimizer(space()).ask()
    with pytest.raises(ValueError, match="objective 'a' was already added"):
        MultiObjectiveOptimizer(space()).add_objective("a", True).add_objective("a", False)


def test_unknown_id_and_telling_twice_are_errors() -> None:
    opt = BayesianOptimizer(space(), 5)
    trial = opt.ask()
    with pytest.raises(ValueError, match="unknown trial id 42"):
        opt.tell(42, 1.0, TrialState.Complete)
    with pytest.raises(ValueError, match="unknown trial id 42"):
        opt.should_prune(42, 0, 1.0)
    opt.tell(trial.id, 1.0, TrialState.Complete)
    with pytest.raises(TrialFinishedError, match="trial 0 was already told \\(Complete\\)"):
        opt.tell(trial.id, 2.0, TrialState.Complete)
    with pytest.raises(TrialFinishedError, match="trial 0 was already told"):
        opt.should_prune(trial.id, 1, 1.0)
    with pytest.raises(ValueError, match="`state` must be TrialState.Complete, Pruned or Failed"):
        opt.tell(opt.ask().id, 1.0, TrialState.Running)


def test_settings_cannot_change_after_the_first_ask() -> None:
    opt = BayesianOptimizer(space(), 5)
    opt.ask()
    with pytest.raises(RuntimeError, match="the pruner must be set before the first ask"):
        opt.with_pruner(MedianPruner())
    multi = MultiObjectiveOptimizer(space()).add_objective("a", True)
    multi.ask()
    with pytest.raises(RuntimeError, match="objectives must be set before the first ask"):
        multi.add_objective("b", False)


def test_pruner_settings_are_checked_by_name() -> None:
    with pytest.raises(ValueError, match="n_warmup_steps"):
        MedianPruner().with_n_warmup_steps(-1)
    with pytest.raises(ValueError, match="interval_steps"):
        MedianPruner().with_interval_steps(0)


def test_multi_objective_tell_needs_one_value_per_objective() -> None:
    opt = MultiObjectiveOptimizer(space()).add_objective("a", True).add_objective("b", False)
    trial = opt.ask()
    with pytest.raises(ValueError, match="`values` has 1 value\\(s\\) but there are 2 objectives"):
        opt.tell(trial.id, [1.0])


def test_best_trial_before_any_completes() -> None:
    opt = BayesianOptimizer(space(), 5)
    opt.tell(opt.ask().id, None, TrialState.Failed)
    with pytest.raises(ValueError, match="no trial has completed yet"):
        opt.best_trial()


def test_a_nan_value_fails_the_trial_with_a_warning() -> None:
    opt = BayesianOptimizer(space(), 5)
    with pytest.warns(UserWarning, match="NaN"):
        told = opt.tell(opt.ask().id, float("nan"), TrialState.Complete)
    assert told.state == TrialState.Failed and told.value is None


# --- options have their effect ----------------------------------------------------------------
def test_direction_decides_the_best_trial_and_maximize_is_the_default() -> None:
    low, high = BayesianOptimizer(space(), 25, direction="minimize", seed=1), BayesianOptimizer(space(), 25, seed=1)
    assert (low.direction, high.direction) == ("minimize", "maximize")
    run(low)
    run(high)
    assert low.best_trial().value == min(t.value for t in low.trials())
    assert high.best_trial().value == max(t.value for t in high.trials())
    assert low.best_trial().value < 1.5 and high.best_trial().value > 30  # (x-1)^2 + n: min 1, max 44


def test_seed_makes_suggestions_reproducible() -> None:
    a, b, c = (BayesianOptimizer(space(), 15, seed=s) for s in (3, 3, 4))
    for opt in (a, b, c):
        run(opt)
    assert [t.params for t in a.trials()] == [t.params for t in b.trials()]
    assert [t.params for t in a.trials()] != [t.params for t in c.trials()]
    assert [t.params for t in RandomSearch(space(), 5, seed=3)] == [t.params for t in RandomSearch(space(), 5, seed=3)]


def test_should_prune_without_a_pruner_records_and_never_prunes() -> None:
    opt = BayesianOptimizer(space(), 8)
    while (trial := opt.ask()) is not None:
        assert not any(opt.should_prune(trial.id, step, 100.0 * trial.id) for step in range(20))
        opt.tell(trial.id, 1.0, TrialState.Complete)
    assert opt.trials()[7].intermediate_values[19] == 700.0


def test_the_pruner_reads_reports_as_losses_by_default_in_a_maximized_study() -> None:
    for pruner, bad_is_pruned in ((MedianPruner().with_n_startup_trials(2), True),
                                  (MedianPruner().with_n_startup_trials(2).with_direction("maximize"), False)):
        opt = BayesianOptimizer(space(), 4, seed=0).with_pruner(pruner)  # maximizes the final score
        for _ in range(2):
            trial = opt.ask()
            for step in range(3):
                opt.should_prune(trial.id, step, 1.0)
            opt.tell(trial.id, 0.9, TrialState.Complete)
        bad = opt.ask()  # a loss of 9.0 is far worse than the others' 1.0
        assert opt.should_prune(bad.id, 0, 9.0) is bad_is_pruned


def test_a_corrupt_checkpoint_is_named_in_the_error(tmp_path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="broken.json"):
        BayesianOptimizer.resume(broken)
    partial = tmp_path / "partial.json"
    opt = BayesianOptimizer(space(), 3)
    opt.save_checkpoint(partial)
    data = json.loads(partial.read_text())
    del data["metadata"]["parzen.hpo"]["space"]
    partial.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="partial.json.*space"):
        BayesianOptimizer.resume(partial)


def test_metadata_travels_with_the_checkpoint(tmp_path) -> None:
    opt = BayesianOptimizer(space(), 3)
    opt.metadata["objective"] = "pkg.mod:fn"
    opt.save_checkpoint(tmp_path / "c.json")
    assert BayesianOptimizer.resume(tmp_path / "c.json").metadata == {"objective": "pkg.mod:fn"}


def test_interval_steps_limits_when_the_pruner_judges() -> None:
    opt = BayesianOptimizer(space(), 4, seed=0).with_pruner(
        MedianPruner().with_n_startup_trials(2).with_interval_steps(5))
    for _ in range(2):
        trial = opt.ask()
        for step in range(10):
            opt.should_prune(trial.id, step, 1.0)
        opt.tell(trial.id, 1.0, TrialState.Complete)
    bad = opt.ask()
    verdicts = [opt.should_prune(bad.id, step, 9.0) for step in range(6)]
    assert verdicts == [True, False, False, False, False, True]  # judged at steps 0 and 5 only


# --- threads ----------------------------------------------------------------------------------
def test_sharing_an_optimizer_between_threads_without_a_lock() -> None:
    opt = BayesianOptimizer(space(), 60, seed=2)
    asked: list[int] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        while (trial := opt.ask()) is not None:
            asked.append(trial.id)
            opt.tell(trial.id, (trial.params["x"] - 1.0) ** 2, TrialState.Complete)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(asked) == list(range(60))
    assert len(opt.trials()) == 60 and all(t.state == TrialState.Complete for t in opt.trials())


def test_only_one_of_two_racing_tells_wins() -> None:
    opt = BayesianOptimizer(space(), 3)
    trial = opt.ask()
    errors: list[Exception] = []
    barrier = threading.Barrier(8)

    def tell() -> None:
        barrier.wait()
        try:
            opt.tell(trial.id, 1.0, TrialState.Complete)
        except TrialFinishedError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=tell) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 7


# --- checkpoints ------------------------------------------------------------------------------
def test_checkpoint_resume_replays_every_trial_exactly(tmp_path) -> None:
    opt = BayesianOptimizer(space(), 30, direction="maximize", seed=5).with_pruner(
        MedianPruner().with_n_startup_trials(3).with_n_warmup_steps(2))
    for i in range(12):
        trial = opt.ask()
        if i % 5 == 4:
            opt.tell(trial.id, None, TrialState.Failed)
            continue
        for step in range(6):
            if opt.should_prune(trial.id, step, trial.params["x"] + step):
                opt.tell(trial.id, None, TrialState.Pruned)
                break
        else:
            opt.tell(trial.id, trial.params["x"] + 5, TrialState.Complete)
    path = tmp_path / "hpo_checkpoint.json"
    opt.save_checkpoint(path)
    assert json.loads(path.read_text())["metadata"]["parzen.hpo"]["n_trials"] == 30

    resumed = BayesianOptimizer.resume(path)
    assert resumed.history() == opt.history()
    assert {t.state for t in resumed.trials()} == {TrialState.Complete, TrialState.Pruned, TrialState.Failed}
    assert resumed.best_trial() == opt.best_trial()
    assert (resumed.direction, resumed.n_trials, resumed.space) == ("maximize", 30, opt.space)
    ids = []
    while (trial := resumed.ask()) is not None:
        ids.append(trial.id)
        resumed.tell(trial.id, 0.0, TrialState.Complete)
    assert ids == list(range(12, 30))  # the same run goes on: ids continue, the budget is the rest


def test_resume_restores_the_pruner(tmp_path) -> None:
    opt = BayesianOptimizer(space(), 10).with_pruner(MedianPruner().with_n_startup_trials(1))
    trial = opt.ask()
    for step in range(3):
        opt.should_prune(trial.id, step, 1.0)
    opt.tell(trial.id, 1.0, TrialState.Complete)
    opt.save_checkpoint(tmp_path / "c.json")
    resumed = BayesianOptimizer.resume(tmp_path / "c.json")
    assert resumed.should_prune(resumed.ask().id, 0, 5.0)


def test_resume_with_a_larger_budget_and_a_running_trial_left_out(tmp_path) -> None:
    opt = BayesianOptimizer(space(), 3)
    run(opt)
    opt.save_checkpoint(tmp_path / "c.json")
    extended = BayesianOptimizer.resume(tmp_path / "c.json", n_trials=5)
    first = extended.ask()
    extended.save_checkpoint(tmp_path / "c.json")  # `first` is still running: not saved
    again = BayesianOptimizer.resume(tmp_path / "c.json")
    assert first.id == 3 and len(again.trials()) == 3 and again.n_trials == 5
    assert [again.ask().id, again.ask().id, again.ask()] == [3, 4, None]


def test_multi_objective_checkpoint_keeps_objectives_and_front(tmp_path) -> None:
    opt = MultiObjectiveOptimizer(space(), n_trials=12, seed=6).add_objective("acc", True).add_objective("lat", False)
    while (trial := opt.ask()) is not None:
        opt.tell(trial.id, [trial.params["x"], trial.params["n"]])
    opt.save_checkpoint(tmp_path / "m.json")
    resumed = MultiObjectiveOptimizer.resume(tmp_path / "m.json")
    assert resumed.objectives == {"acc": True, "lat": False}
    assert resumed.pareto_front() == opt.pareto_front() and resumed.history() == opt.history()


def test_resume_rejects_other_files(tmp_path) -> None:
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ValueError, match="is not a parzen study file"):
        BayesianOptimizer.resume(tmp_path / "x.json")
    study = parzen.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    save_study_file(study, tmp_path / "plain.json")
    with pytest.raises(ValueError, match="is a study file but not a parzen.hpo checkpoint"):
        BayesianOptimizer.resume(tmp_path / "plain.json")
    opt = MultiObjectiveOptimizer(space(), n_trials=1).add_objective("a", True)
    opt.save_checkpoint(tmp_path / "m.json")
    with pytest.raises(ValueError, match="holds a 'multi_objective' optimizer, not 'bayesian'"):
        BayesianOptimizer.resume(tmp_path / "m.json")


# --- grid and random search -------------------------------------------------------------------
def test_grid_search_checks_values_and_counts_points() -> None:
    with pytest.raises(ValueError, match="parameter 'lr': `values` is empty"):
        GridSearch().add("lr", [])
    with pytest.raises(ValueError, match="parameter 'lr' is already in the grid"):
        GridSearch().add("lr", [1]).add("lr", [2])
    grid = GridSearch().add("a", [1, 2, 3]).add("b", ["x", "y"])
    assert len(grid) == 6 and list(grid)[0] == {"a": 1, "b": "x"} and list(GridSearch()) == []


def test_random_search_covers_the_space() -> None:
    trials = list(RandomSearch(space(), 200, seed=1))
    assert {t.params["n"] for t in trials} == set(range(1, 9))
    assert {t.params["act"] for t in trials} == {"relu", "gelu"}
    xs = [t.params["x"] for t in trials]
    assert min(xs) < -4 and max(xs) > 4
