"""GridSampler: every point exactly once, then the study stops."""

from __future__ import annotations

import itertools
import time

import pytest

import parzen
from parzen import Categorical, Float, Int, TrialState
from parzen.storages import InMemoryStorage

GRID = {"x": [-1.0, 0.0, 1.0], "c": ["a", "b"]}  # 6 points


def _objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -1.0, 1.0)
    c = trial.suggest_categorical("c", ["a", "b"])
    return x + (c == "b")


def _points(study: parzen.Study) -> list[tuple]:
    return [tuple(sorted(t.params.items())) for t in study.trials]


def test_six_point_grid_runs_exactly_six_trials() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    study.optimize(_objective, n_trials=100)
    assert len(study.trials) == 6
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    expected = {(("c", c), ("x", x)) for x, c in itertools.product(GRID["x"], GRID["c"])}
    assert sorted(_points(study)) == sorted(expected)
    assert all(type(t.params["x"]) is float for t in study.trials)


def test_grid_runs_every_point_with_threads() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler({"i": list(range(40))}))
    study.optimize(lambda t: t.suggest_int("i", 0, 39), n_trials=100, n_jobs=4)
    assert sorted(t.params["i"] for t in study.trials) == list(range(40))


def test_grid_without_a_trial_budget_stops_by_itself() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    study.optimize(_objective)
    assert len(study.trials) == 6


def test_an_exhausted_grid_creates_no_trial() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler({"x": [1, 2]}))
    study.optimize(lambda t: t.suggest_int("x", 0, 3), n_trials=2)
    with pytest.raises(parzen.SearchSpaceExhausted):
        study.ask()
    study.optimize(lambda t: t.suggest_int("x", 0, 3), n_trials=5)
    assert len(study.trials) == 2


def test_points_from_parameter_specs() -> None:
    sampler = parzen.GridSampler({
        "n": Int(1, 7, step=3),
        "q": Float(0.0, 0.3, step=0.1),
        "c": Categorical([None, True]),
        "lr": [1e-3, 1e-2],
    })
    assert sampler.n_points == 3 * 4 * 2 * 2
    points = sampler.points()
    assert points[0] == {"n": 1, "q": 0.0, "c": None, "lr": 1e-3}
    assert {p["q"] for p in points} == {0.0, 0.1, 0.2, 0.3}
    assert {p["n"] for p in points} == {1, 4, 7}
    assert [sampler.point(i) for i in range(sampler.n_points)] == points


def test_ask_with_a_space_walks_the_grid() -> None:
    space = {"n": Int(1, 7, step=3), "q": Float(0.0, 0.3, step=0.1), "c": Categorical([None, True])}
    study = parzen.create_study(sampler=parzen.GridSampler(space))
    seen = []
    while True:
        try:
            trial = study.ask(space)
        except parzen.SearchSpaceExhausted:
            break
        seen.append(tuple(trial.params[n] for n in space))
        assert type(trial.params["n"]) is int and type(trial.params["q"]) is float
        study.tell(trial, 0.0)
    assert sorted(seen, key=repr) == sorted(itertools.product([1, 4, 7], [0.0, 0.1, 0.2, 0.3], [None, True]),
                                            key=repr)
    assert len(study.trials) == 24


@pytest.mark.parametrize("spec", [Float(0.0, 1.0), Float(1e-3, 1.0, log=True)])
def test_continuous_float_is_rejected_naming_the_parameter(spec: Float) -> None:
    with pytest.raises(ValueError, match="'lr'.*step"):
        parzen.GridSampler({"n": [1, 2], "lr": spec})


@pytest.mark.parametrize("space", [{}, {"x": []}, {"x": "abc"}, {"x": 3}, [("x", [1])], {"": [1]}])
def test_malformed_grids_are_rejected(space) -> None:
    with pytest.raises((TypeError, ValueError)):
        parzen.GridSampler(space)


def test_parameter_missing_from_the_grid_fails_clearly() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler({"x": [1, 2]}))
    with pytest.raises(ValueError, match="'y'"):
        study.ask({"x": Int(0, 3), "y": Int(0, 3)})


def test_grid_value_outside_the_suggested_range_is_an_error() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler({"x": [0.5, 5.0]}))
    with pytest.raises(ValueError, match="'x'"):
        study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    assert study.trials[0].params == {"x": 0.5}
    assert study.trials[1].state == TrialState.FAIL and study.trials[1].params == {}


def test_grid_values_take_the_type_of_the_distribution() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler({"x": [0, 1], "n": [2.0]}))
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0) + t.suggest_int("n", 0, 3), n_trials=5)
    assert [type(t.params["x"]) for t in study.trials] == [float, float]
    assert [type(t.params["n"]) for t in study.trials] == [int, int]


def test_one_sampler_serves_several_studies() -> None:
    sampler = parzen.GridSampler(GRID)
    first = parzen.create_study(sampler=sampler)
    first.optimize(_objective, n_trials=100)
    second = parzen.create_study(sampler=sampler)
    second.optimize(_objective, n_trials=100)
    assert len(first.trials) == len(second.trials) == 6
    assert sorted(_points(first)) == sorted(_points(second))


def test_workers_sharing_a_storage_never_repeat_a_point() -> None:
    storage = InMemoryStorage()
    parzen.create_study(storage=storage, study_name="s")
    workers = [parzen.load_study("s", storage, sampler=parzen.GridSampler(GRID, seed=seed)) for seed in (None, 1, 2)]
    for _ in range(3):
        for study in workers:
            study.optimize(_objective, n_trials=1)
    assert len(workers[0].trials) == 6
    assert len(set(_points(workers[0]))) == 6


@pytest.mark.parametrize("grid, space, expected", [
    ({"x": [3.5]}, {"x": Float(0.0, 5.0)}, [{"x": 3.5}]),
    ({"x": Int(4, 4)}, {"x": Int(4, 4)}, [{"x": 4}]),
    ({"x": Float(2.0, 2.0)}, {"x": Float(2.0, 2.0)}, [{"x": 2.0}]),
    ({"x": Categorical(["solo"])}, {"x": Categorical(["solo"])}, [{"x": "solo"}]),
    ({"x": Categorical(["solo"]), "y": Float(1.0, 1.0, log=True), "z": Int(0, 6, step=3)},
     {"x": Categorical(["solo"]), "y": Float(1.0, 1.0, log=True), "z": Int(0, 6, step=3)},
     [{"x": "solo", "y": 1.0, "z": z} for z in (0, 3, 6)]),
])
def test_small_and_degenerate_grids(grid: dict, space: dict, expected: list[dict]) -> None:
    def by_run(trial):
        for name, dist in space.items():
            trial.suggest(name, dist)
        return 0.0

    study = parzen.create_study(sampler=parzen.GridSampler(grid))
    study.optimize(by_run, n_trials=10)
    assert [t.params for t in study.trials] == expected
    study = parzen.create_study(sampler=parzen.GridSampler(grid))
    assert [study.ask(space).params for _ in expected] == expected
    with pytest.raises(parzen.SearchSpaceExhausted):
        study.ask(space)


# --- seed -------------------------------------------------------------------------------------------------------
def _order(seed, by_run: bool) -> list[tuple]:
    space = {"x": Float(-1.0, 1.0, step=1.0), "c": Categorical(["a", "b"])}
    study = parzen.create_study(sampler=parzen.GridSampler(space, seed=seed))
    if by_run:
        study.optimize(_objective, n_trials=10)
    else:
        for _ in range(6):
            trial = study.ask(space)
            study.tell(trial, 0.0)
    return _points(study)


@pytest.mark.parametrize("by_run", [False, True])
def test_same_seed_same_order(by_run: bool) -> None:
    assert _order(5, by_run) == _order(5, by_run)
    assert _order(None, by_run) == _order(None, by_run)
    orders = {tuple(_order(seed, by_run)) for seed in range(6)}
    assert len(orders) > 1
    assert all(sorted(o) == sorted(_order(None, by_run)) for o in orders)


def test_no_seed_is_row_major() -> None:
    assert _order(None, by_run=False) == [
        (("c", c), ("x", x)) for x in (-1.0, 0.0, 1.0) for c in ("a", "b")
    ]


def test_bad_seed_is_rejected() -> None:
    with pytest.raises(TypeError, match="seed"):
        parzen.GridSampler(GRID, seed=1.5)  # type: ignore[arg-type]


# --- enqueued trials ----------------------------------------------------------------------------------------------
def test_an_enqueued_grid_point_counts_as_that_point() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    study.enqueue_trial({"x": 1.0, "c": "b"})
    study.optimize(_objective, n_trials=100)
    assert _points(study)[0] == (("c", "b"), ("x", 1.0))
    assert len(study.trials) == 6 and len(set(_points(study))) == 6


def test_an_enqueued_partial_point_takes_a_matching_grid_point() -> None:
    space = {"x": Float(-1.0, 1.0), "c": Categorical(["a", "b"])}
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    study.enqueue_trial({"c": "b"})
    study.enqueue_trial({"c": "b"})
    first, second = study.ask(space), study.ask(space)
    assert first.params["c"] == second.params["c"] == "b" and first.params["x"] != second.params["x"]
    for trial in (first, second):
        study.tell(trial, 0.0)
    study.optimize(_objective, n_trials=100)
    assert len(study.trials) == 6 and len(set(_points(study))) == 6


def test_an_enqueued_point_off_the_grid_runs_in_addition() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    study.enqueue_trial({"x": 0.5, "c": "a"})
    study.optimize(_objective, n_trials=100)
    assert _points(study)[0] == (("c", "a"), ("x", 0.5))
    assert len(study.trials) == 7 and len(set(_points(study))) == 7


def test_an_enqueued_point_that_already_ran_runs_again() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    study.optimize(_objective, n_trials=100)
    study.enqueue_trial({"x": 0.0, "c": "a"})
    study.optimize(_objective, n_trials=100)
    assert len(study.trials) == 7 and _points(study)[6] == (("c", "a"), ("x", 0.0))


def test_an_enqueued_partial_point_with_no_free_match_fails_clearly() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    study.optimize(_objective, n_trials=100)
    study.enqueue_trial({"c": "a"})
    with pytest.raises(ValueError, match="'x'"):
        study.optimize(_objective, n_trials=1)
    assert study.trials[6].state == TrialState.FAIL and "'x'" in study.trials[6].fail_reason


# --- points of dead workers ---------------------------------------------------------------------------------------
def _reap(study: parzen.Study) -> list[parzen.FrozenTrial]:
    """Fail the study's trials silent for 0.05 s, as a live worker's heartbeat does."""
    from parzen.execution.heartbeat import Heartbeat

    time.sleep(0.1)
    return Heartbeat(study, 0.01, 0.05, running=list, on_stale=lambda frozen: None).reap()


def _dead_trial(study: parzen.Study, space: dict | None = None) -> parzen.Trial:
    """A trial that beat once and whose worker then died."""
    trial = study.ask(space)
    study.storage.record_heartbeat(trial.trial_id)
    return trial


@pytest.mark.parametrize("suggested", [False, True])
def test_the_point_of_a_dead_worker_runs_again_once(suggested: bool) -> None:
    space = {"x": Float(-1.0, 1.0, step=1.0), "c": Categorical(["a", "b"])}
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    dead = _dead_trial(study, space if suggested else None)
    assert [t.number for t in _reap(study)] == [0]
    study.optimize(_objective, n_trials=100)
    trials = study.trials
    assert trials[0].state == TrialState.FAIL and trials[0].fail_reason.startswith("stale")
    assert trials[1].system_attrs["grid_id"] == dead.system_attrs["grid_id"]  # before the points not yet taken
    assert [t.state for t in trials[1:]] == [TrialState.COMPLETE] * 6
    assert sorted(_points(study)[1:]) == sorted({(("c", c), ("x", x)) for x in GRID["x"] for c in GRID["c"]})


def test_a_point_whose_objective_failed_does_not_run_again() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    study.optimize(lambda t: 1 / 0 if t.number == 0 else _objective(t), n_trials=100, catch=ZeroDivisionError)
    assert [t.state for t in study.trials] == [TrialState.FAIL] + [TrialState.COMPLETE] * 5
    assert len({t.system_attrs["grid_id"] for t in study.trials}) == 6


def test_a_point_held_by_a_trial_that_runs_is_not_taken_again() -> None:
    """A dead trial's point that another trial holds (a re-run, or a queued retry with its values) stays taken."""
    space = {"x": Float(-1.0, 1.0, step=1.0), "c": Categorical(["a", "b"])}
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    dead = _dead_trial(study, space)
    _reap(study)
    study.enqueue_trial(dead.params)  # what a retry policy queues
    retry = study.ask(space)
    assert retry.params == dead.params and retry.system_attrs["grid_id"] == dead.system_attrs["grid_id"]
    others = [study.ask(space) for _ in range(5)]
    assert {t.system_attrs["grid_id"] for t in [retry, *others]} == set(range(6))
    with pytest.raises(parzen.SearchSpaceExhausted):
        study.ask(space)


def test_a_point_goes_back_after_each_death() -> None:
    space = {"x": Float(-1.0, 1.0, step=1.0), "c": Categorical(["a", "b"])}
    study = parzen.create_study(sampler=parzen.GridSampler({"x": [0.0], "c": ["a"]}))
    first = _dead_trial(study, space)
    _reap(study)
    second = _dead_trial(study, space)
    assert second.params == first.params
    _reap(study)
    third = study.ask(space)
    assert third.params == first.params
    study.tell(third, 0.0)
    with pytest.raises(parzen.SearchSpaceExhausted):
        study.ask(space)
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.FAIL, TrialState.COMPLETE]


def test_a_worker_started_after_a_death_runs_the_dead_point_though_every_point_was_taken() -> None:
    """The new worker's heartbeat fails the stale trial before its first ask, so the grid is not yet spent."""
    storage = InMemoryStorage()
    study = parzen.create_study(storage=storage, study_name="s", sampler=parzen.GridSampler(GRID))
    dead = _dead_trial(study)
    study.optimize(_objective, n_trials=10)  # the other five points
    with pytest.raises(parzen.SearchSpaceExhausted):
        study.ask()
    time.sleep(0.3)
    late = parzen.load_study("s", storage, sampler=parzen.GridSampler(GRID))
    late.optimize(_objective, n_trials=10, heartbeat_interval=0.05, grace_period=0.2)
    trials = late.trials
    assert trials[0].state == TrialState.FAIL and trials[0].fail_reason.startswith("stale")
    assert [t.state for t in trials[1:]] == [TrialState.COMPLETE] * 6
    assert trials[6].system_attrs["grid_id"] == dead.system_attrs["grid_id"]


def test_a_point_whose_trial_was_interrupted_runs_again_when_the_study_resumes() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    calls = []

    def interrupted_once(trial: parzen.Trial) -> float:
        value = _objective(trial)
        calls.append(value)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return value

    with pytest.raises(KeyboardInterrupt):
        study.optimize(interrupted_once, n_trials=100)
    assert study.trials[1].state == TrialState.FAIL and study.trials[1].fail_reason == "KeyboardInterrupt"
    study.optimize(_objective, n_trials=100)
    trials = study.trials
    assert trials[2].system_attrs["grid_id"] == trials[1].system_attrs["grid_id"]
    assert sorted(_points(study)[2:] + _points(study)[:1]) == sorted(
        {(("c", c), ("x", x)) for x in GRID["x"] for c in GRID["c"]})
    assert [t.state for t in trials].count(TrialState.COMPLETE) == 6
