"""The optuna back end: optuna's real samplers drive a parzen study."""

from __future__ import annotations

import optuna
import pytest

import parzen
from parzen import TrialState
from parzen.backends import OptunaSampler

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = {
    "x": parzen.Float(-5, 5),
    "n": parzen.Int(1, 64, log=True),
    "kind": parzen.Categorical(["a", "b", None]),
    "z": parzen.Float(0, 1, when=("kind", "a")),
}


def _loss(params: dict) -> float:
    return (params["x"] - 1) ** 2 + abs(params["n"] - 8) / 8 + params.get("z", 1.0)


class _Counting(optuna.samplers.RandomSampler):
    """An optuna sampler that notes how many trials its optuna study held before each new one."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.seen: list[int] = []

    def before_trial(self, study, trial) -> None:
        self.seen.append(len(study.trials) - 1)


def test_tpe_finds_the_optimum_of_a_conditional_space_and_leaves_inactive_parameters_out() -> None:
    study = parzen.create_study(sampler=OptunaSampler(seed=0))
    for _ in range(80):
        trial = study.ask(SPACE)
        assert ("z" in trial.params) == (trial.params["kind"] == "a")
        study.tell(trial, _loss(trial.params))
    assert study.best_value < 0.5  # optimum 0 at x=1, n=8, kind="a", z=0
    assert study.best_params["kind"] == "a"


def test_define_by_run_and_the_same_seed_gives_the_same_suggestions() -> None:
    def objective(trial: parzen.Trial) -> float:
        params = {"x": trial.suggest_float("x", -5, 5), "n": trial.suggest_int("n", 1, 64, log=True),
                  "kind": trial.suggest_categorical("kind", ["a", "b", None])}
        if params["kind"] == "a":
            params["z"] = trial.suggest_float("z", 0, 1)
        return _loss(params)

    runs = []
    for seed in (3, 3, 4):
        study = parzen.create_study(sampler=OptunaSampler(seed=seed))
        study.optimize(objective, n_trials=25)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1] != runs[2]


def test_trials_it_did_not_ask_are_mirrored_before_each_new_one(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first = parzen.create_study(storage=url, study_name="s", sampler=parzen.RandomSampler(seed=1))
    first.optimize(lambda t: _loss({"x": t.suggest_float("x", -5, 5), "n": 8}), n_trials=12)
    first.enqueue_trial({"x": 1.0})
    counting = _Counting()
    again = parzen.load_study(study_name="s", storage=url, sampler=OptunaSampler(counting))
    again.optimize(lambda t: _loss({"x": t.suggest_float("x", -5, 5), "n": 8}), n_trials=3)
    # The enqueued trial runs on its fixed value without optuna; the 12 trials of the other study
    # object and that one are in the mirror before optuna proposes the next, then its own follows.
    assert counting.seen == [13, 14]
    assert [t.params["x"] for t in again.trials][12] == 1.0


def test_pruned_and_failed_trials_reach_optuna_with_their_reports() -> None:
    pruner = parzen.pruners.MedianPruner(n_startup_trials=3)
    study = parzen.create_study(sampler=OptunaSampler(seed=2), pruner=pruner)

    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        if trial.number == 4:
            raise RuntimeError("boom")
        for step in range(5):
            trial.report((x - 1) ** 2 + 5 - step, step)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return (x - 1) ** 2

    study.optimize(objective, n_trials=30, catch=(RuntimeError,))
    states = {t.state for t in study.trials}
    assert {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL} <= states
    assert study.best_value < 0.3


def test_several_objectives_with_nsga2() -> None:
    sampler = OptunaSampler(optuna.samplers.NSGAIISampler(seed=0, population_size=10))
    study = parzen.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(lambda t: (t.suggest_float("x", 0, 1) ** 2, (t.params["x"] - 1) ** 2), n_trials=40)
    front = study.best_trials
    assert len(front) >= 5 and all(t.values is not None for t in front)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"sampler": "tpe"}, TypeError, "`sampler` must be an optuna sampler"),
    ({"sampler": optuna.samplers.TPESampler(), "seed": 1}, ValueError, "`seed`"),
])
def test_bad_arguments_are_named(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        OptunaSampler(**kwargs)


def test_the_internal_mirror_study_prints_nothing(capfd) -> None:
    before = optuna.logging.get_verbosity()
    study = parzen.create_study(sampler=OptunaSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert "A new study created" not in capfd.readouterr().err  # optuna's INFO line for the mirror
    assert optuna.logging.get_verbosity() == before  # the user's logging setting is left as it was
