"""CmaEsSampler: it beats random search, respects every space, restarts, replays, and every option acts."""

from __future__ import annotations

import collections
import statistics
import sys
import warnings

import cmaes  # noqa: F401  (the cmaes extra)
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import parzen
from parzen import Categorical, Float, Int, TrialState
from parzen.samplers.cmaes import _MAX_CELLS, ATTR, CmaEsSampler, _Geometry, default_popsize
from parzen.storages import InMemoryStorage

BOX5 = {f"x{i}": Float(-2.0, 2.0) for i in range(5)}
BOX2 = {"x": Float(-5.12, 5.12), "y": Float(-5.12, 5.12)}


def _vector(params: dict, space: dict) -> np.ndarray:
    return np.array([params[name] for name in space], dtype=float)


def _rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def _rastrigin(x: np.ndarray) -> float:
    return float(10 * len(x) + np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))


def _run(sampler: parzen.Sampler, space: dict, objective, n_trials: int, direction: str = "minimize",
         study: parzen.Study | None = None) -> parzen.Study:
    study = study or parzen.create_study(sampler=sampler, direction=direction)
    for _ in range(n_trials):
        trial = study.ask(space)
        study.tell(trial, objective(trial.params))
    return study


def _tags(study: parzen.Study) -> list[dict]:
    return [t.system_attrs[ATTR] for t in study.trials if ATTR in t.system_attrs]


def _rosenbrock5(p: dict) -> float:
    return _rosenbrock(_vector(p, BOX5))


def _rastrigin2(p: dict) -> float:
    return _rastrigin(_vector(p, BOX2))


# --- it optimizes ------------------------------------------------------------------------------------------
def test_beats_random_search_on_rosenbrock_5d() -> None:
    cma = [_run(CmaEsSampler(seed=s), BOX5, _rosenbrock5, 300).best_value for s in range(3)]
    rnd = [_run(parzen.RandomSampler(seed=s), BOX5, _rosenbrock5, 300).best_value for s in range(3)]
    assert statistics.median(cma) < 8.0, cma
    assert statistics.median(rnd) > 8.0, rnd


def test_maximize_means_larger_is_better() -> None:
    study = _run(CmaEsSampler(seed=0), BOX2, lambda p: -((p["x"] - 1) ** 2 + (p["y"] + 2) ** 2), 200,
                 direction="maximize")
    assert study.best_value > -1e-3
    assert abs(study.best_params["x"] - 1) < 0.05 and abs(study.best_params["y"] + 2) < 0.05


def test_int_and_step_grids_are_respected_and_their_optimum_found() -> None:
    space = {"n": Int(0, 40, step=4), "q": Float(-1.0, 1.0, step=0.25), "k": Int(1, 1000, log=True),
             "lr": Float(1e-6, 1.0, log=True), "b": Int(0, 1)}

    def objective(p: dict) -> float:
        return ((p["n"] - 28) / 4) ** 2 + (p["q"] - 0.5) ** 2 + (np.log(p["k"]) - np.log(50)) ** 2 \
            + (np.log10(p["lr"]) + 3) ** 2 + p["b"]

    study = _run(CmaEsSampler(seed=1), space, objective, 250)
    for t in study.trials:
        assert all(space[name].contains(value) for name, value in t.params.items()), t.params
        assert isinstance(t.params["n"], int) and t.params["n"] % 4 == 0
    best = study.best_params
    assert (best["n"], best["q"], best["b"]) == (28, 0.5, 0)
    assert abs(np.log(best["k"] / 50)) < 0.3 and abs(np.log10(best["lr"]) + 3) < 0.3
    late = study.trials[-40:]  # CMA-ES with Margin keeps discrete coordinates alive yet converges on them
    assert sum(t.params["n"] == 28 for t in late) > 20


def test_binary_coordinates_do_not_freeze_while_an_ellipsoid_converges() -> None:
    """Ellipsoid-OneMax (Hamano et al. 2022): with plain rounding the bits can fix at a wrong value once the
    step size shrinks below a cell; CMA-ES with Margin keeps flipping them until all are right."""
    space = {"x0": Float(-3.0, 3.0), "x1": Float(-3.0, 3.0), **{f"b{i}": Int(0, 1) for i in range(4)}}

    def objective(p: dict) -> float:
        return p["x0"] ** 2 + (1000 * p["x1"]) ** 2 + 10 * sum(1 - p[f"b{i}"] for i in range(4))

    for seed in range(3):
        best = _run(CmaEsSampler(seed=seed), space, objective, 800).best_params
        assert all(best[f"b{i}"] == 1 for i in range(4)), (seed, best)


def test_categoricals_are_random_while_numbers_converge() -> None:
    space = {"c": Categorical(["a", "b", "c"]), "x": Float(-3.0, 3.0), "y": Float(-3.0, 3.0)}
    cost = {"a": 0, "b": 1, "c": 2}
    study = _run(CmaEsSampler(seed=2), space, lambda p: p["x"] ** 2 + p["y"] ** 2 + cost[p["c"]], 300)
    counts = collections.Counter(t.params["c"] for t in study.trials)
    assert all(70 < n < 130 for n in counts.values()), counts  # independent uniform draws
    assert study.best_value < 0.01
    assert all(len(tag["x"]) == 2 for tag in _tags(study))  # the categorical is no coordinate of CMA-ES


# --- generations and options -------------------------------------------------------------------------------
def test_each_generation_holds_popsize_trials() -> None:
    study = _run(CmaEsSampler(seed=0, n_startup_trials=0), BOX5, _rosenbrock5, 45)
    by_generation = collections.Counter(tag["generation"] for tag in _tags(study))
    assert default_popsize(5) == 8
    assert by_generation == {0: 8, 1: 8, 2: 8, 3: 8, 4: 8, 5: 5}


def test_popsize_sets_the_generation_size() -> None:
    study = _run(CmaEsSampler(seed=0, n_startup_trials=0, popsize=20), BOX5, _rosenbrock5, 45)
    by_generation = collections.Counter(tag["generation"] for tag in _tags(study))
    assert by_generation == {0: 20, 1: 20, 2: 5}
    assert {tag["popsize"] for tag in _tags(study)} == {20}


def test_startup_trials_are_random_then_cmaes_takes_over() -> None:
    study = _run(CmaEsSampler(seed=0, n_startup_trials=7), BOX2, _rastrigin2, 20)
    tagged = [ATTR in t.system_attrs for t in study.trials]
    assert tagged == [False] * 7 + [True] * 13


def test_sigma0_sets_the_spread_of_the_first_generation() -> None:
    def spread(sigma0: float | None) -> float:
        study = _run(CmaEsSampler(seed=3, n_startup_trials=0, sigma0=sigma0, popsize=50), BOX2, _rastrigin2, 50)
        return float(np.std([tag["x"] for tag in _tags(study)]))

    assert abs(spread(None) - 1 / 6) < 0.03  # the default: the unit range spans six sigmas
    assert abs(spread(0.01) - 0.01) < 0.003


def test_x0_sets_the_initial_mean() -> None:
    sampler = CmaEsSampler(seed=4, n_startup_trials=0, x0={"x": 4.0, "y": -4.0}, sigma0=0.02, popsize=30)
    study = _run(sampler, BOX2, _rastrigin2, 30)
    xs = np.array([[t.params["x"], t.params["y"]] for t in study.trials])
    assert np.allclose(xs.mean(axis=0), [4.0, -4.0], atol=0.1)
    assert _tags(study)[0]["mean0"] == pytest.approx([(4.0 + 5.12) / 10.24, (-4.0 + 5.12) / 10.24])


def test_x0_outside_its_range_is_reported() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(n_startup_trials=0, x0={"x": 9.0}))
    with pytest.raises(ValueError, match=r"`x0`.*'x'"):
        study.ask(BOX2)


# --- restarts ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", [None, "ipop"])
def test_ipop_doubles_the_population_when_cmaes_converges(strategy: str | None) -> None:
    sampler = CmaEsSampler(seed=0, popsize=4, restart_strategy=strategy)
    study = _run(sampler, BOX2, _rastrigin2, 600)
    runs = sorted({(tag["restart"], tag["popsize"]) for tag in _tags(study)})
    if strategy is None:
        assert runs == [(0, 4)]
    else:
        assert runs[:2] == [(0, 4), (1, 8)]


def test_bipop_alternates_large_and_small_populations() -> None:
    study = _run(CmaEsSampler(seed=0, popsize=4, restart_strategy="bipop"), BOX2, lambda p: 1.0, 600)
    runs = {}
    for tag in _tags(study):
        runs.setdefault(tag["restart"], (tag["regime"], tag["popsize"], tag["sigma0"]))
    regimes = [runs[r] for r in sorted(runs)]
    assert [r[:2] for r in regimes[:2]] == [("large", 4), ("large", 8)]  # the first restart is large
    small = [r for r in regimes if r[0] == "small"]
    assert small, regimes
    assert all(4 <= popsize <= 8 and sigma <= 1 / 6 for _, popsize, sigma in small)


def test_ipop_on_a_flat_function_keeps_restarting() -> None:
    study = _run(CmaEsSampler(seed=0, popsize=4, restart_strategy="ipop"), BOX2, lambda p: 1.0, 500)
    popsizes = sorted({(tag["restart"], tag["popsize"]) for tag in _tags(study)})
    assert popsizes[:3] == [(0, 4), (1, 8), (2, 16)]


# --- determinism, replay, workers --------------------------------------------------------------------------
def test_same_seed_same_suggestions() -> None:
    space = {**BOX2, "n": Int(0, 9), "c": Categorical(["u", "v"])}

    def objective(p: dict) -> float:
        return _rastrigin2(p) + p["n"]

    runs = [[t.params for t in _run(CmaEsSampler(seed=s), space, objective, 60).trials] for s in (5, 5, 6)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_a_new_sampler_replays_the_study_and_continues_the_same_run() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0, popsize=6), storage=InMemoryStorage(), study_name="s")
    _run(None, BOX5, _rosenbrock5, 100, study=study)
    original = _tags(study)[-1]
    resumed = parzen.load_study("s", study.storage, sampler=CmaEsSampler(seed=99, popsize=6))
    trial = resumed.ask(BOX5)
    tag = trial.system_attrs[ATTR]
    assert (tag["restart"], tag["generation"]) == (original["restart"], (100 - 1) // 6)  # one startup trial
    assert tag["mean0"] == original["mean0"]
    mean = np.mean([t.system_attrs[ATTR]["x"] for t in study.trials[-30:]], axis=0)
    assert np.linalg.norm(np.asarray(tag["x"]) - mean) < 0.3  # it samples near the converged mean, not afresh


def test_history_in_sqlite_is_replayed(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cma.db'}"
    study = parzen.create_study(sampler=CmaEsSampler(seed=0), storage=url, study_name="s")
    _run(None, BOX2, _rastrigin2, 30, study=study)
    resumed = parzen.load_study("s", url, sampler=CmaEsSampler(seed=1))
    tag = resumed.ask(BOX2).system_attrs[ATTR]
    assert tag["generation"] == (30 - 1) // default_popsize(2)


def test_failed_and_pruned_trials_are_replaced_not_told() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0, n_startup_trials=0, popsize=4))
    for i in range(12):
        trial = study.ask(BOX2)
        if i % 3 == 0:
            study.tell(trial, state=TrialState.FAIL if i % 2 else TrialState.PRUNED)
        else:
            study.tell(trial, _rastrigin(_vector(trial.params, BOX2)))
    generations = [t.system_attrs[ATTR]["generation"] for t in study.trials]
    assert generations == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]  # 4 COMPLETE trials close a generation


def test_enqueued_trials_are_evaluated_but_not_told() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0, n_startup_trials=0))
    study.enqueue_trial({"x": 1.0, "y": 2.0})
    trial = study.ask(BOX2)
    assert trial.params == {"x": 1.0, "y": 2.0}
    assert ATTR not in trial.system_attrs


def test_threads_share_one_sampler() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("x", -3, 3) - 1) ** 2 + t.suggest_int("n", 0, 5), n_trials=120, n_jobs=4)
    assert len(study.get_trials((TrialState.COMPLETE,))) == 120
    assert study.best_value < 0.05


# --- define-by-run -----------------------------------------------------------------------------------------
def test_define_by_run_samples_the_shared_numeric_parameters_jointly() -> None:
    def objective(t: parzen.Trial) -> float:
        kind = t.suggest_categorical("kind", ["a", "b"])
        x = t.suggest_float("x", -4, 4)
        y = t.suggest_float("y", 1e-3, 10, log=True)
        extra = t.suggest_int("m", 0, 3) if kind == "a" else 0
        return (x - 1) ** 2 + np.log10(y) ** 2 + extra

    study = parzen.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(objective, n_trials=120)
    assert set(_tags(study)[0]) >= {"x", "space"}
    assert all(len(tag["x"]) == 2 for tag in _tags(study))  # x and y; kind is categorical, m is not shared
    assert study.best_value < 0.01


# --- huge ranges -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("log", [False, True])
def test_a_huge_int_range_is_searched_to_the_end_of_the_study(log: bool) -> None:
    """Int(1, 10**18) has cells too narrow for the margin in float64; the study must not die in cmaes."""
    high, target = 10**18, 10**18 // 3
    study = parzen.create_study(sampler=CmaEsSampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no 0/0 in the margin either
        study.optimize(lambda t: abs(t.suggest_int("n", 1, high, log=log) - target) / high, n_trials=60)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 60
    assert all(isinstance(t.params["n"], int) and 1 <= t.params["n"] <= high for t in study.trials)
    assert len(_tags(study)) == 59  # every trial after the one startup trial is CMA-ES's
    assert study.best_value < 0.05


def test_a_huge_range_beside_a_small_grid_keeps_the_margin_on_the_grid() -> None:
    huge, small = Int(0, 10**18), Int(0, 10)
    geometry = _Geometry.of({"n": huge, "m": small})
    assert geometry.steps[0] == 0.0 and geometry.steps[1] == pytest.approx(1 / 11)
    study = parzen.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(lambda t: abs(t.suggest_int("n", 0, 10**18) - 10**17) / 1e18 + (t.suggest_int("m", 0, 10) - 7) ** 2,
                   n_trials=100)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert study.best_params["m"] == 7


def test_the_default_samplers_late_cmaes_runs_a_huge_range_too() -> None:
    from parzen.samplers.auto import AutoSampler

    study = parzen.create_study(sampler=AutoSampler(seed=0, gp_max_trials=30, late_cmaes_trials=20))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        study.optimize(lambda t: abs(t.suggest_int("n", 0, 10**18) - 10**17) / 1e18 + t.suggest_float("x", -1, 1) ** 2,
                       n_trials=80)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert sum(t.system_attrs.get("auto:sampler") == "cmaes-late" for t in study.trials) == 60


def test_grids_up_to_the_limit_keep_cmaes_with_margin() -> None:
    """The rule leaves every ordinary grid as it was: only past _MAX_CELLS values is a grid continuous."""
    assert _Geometry.of({"n": Int(1, _MAX_CELLS)}).steps[0] == 1 / _MAX_CELLS
    assert _Geometry.of({"n": Int(0, 10**12, step=10)}).steps[0] > 0
    assert _Geometry.of({"n": Int(1, _MAX_CELLS + 1)}).steps[0] == 0.0
    assert _Geometry.of({"x": Float(0.0, 1.0, step=1e-13)}).steps[0] == 0.0


# --- degenerate spaces and bad arguments -------------------------------------------------------------------
@pytest.mark.parametrize("space", [
    {"x": Float(0.0, 1.0)},
    {"n": Int(0, 1)},
    {"x": Float(2.0, 2.0), "n": Int(3, 3), "c": Categorical(["only"])},
    {"x": Float(2.0, 2.0), "y": Float(-1.0, 1.0)},
    {"c": Categorical(["a", "b"]), "d": Categorical([1, 2, 3])},
    {"n": Int(0, 3), "m": Int(-2, 2, step=2)},
    {},
])
def test_degenerate_spaces_never_fail(space: dict) -> None:
    study = _run(CmaEsSampler(seed=0, n_startup_trials=0, popsize=4), space,
                 lambda p: sum(float(v) for v in p.values() if isinstance(v, (int, float))), 40)
    for t in study.trials:
        assert set(t.params) == set(space)
        assert all(space[n].contains(v) for n, v in t.params.items())


def test_several_objectives_fall_back_to_random_sampling() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0), directions=["minimize", "maximize"])
    for _ in range(20):
        trial = study.ask(BOX2)
        study.tell(trial, [trial.params["x"], trial.params["y"]])
    assert not _tags(study)
    assert CmaEsSampler(seed=0).infer_relative_space(study, trial) == {}


def test_samplers_with_different_attrs_run_separate_cmaes_on_one_study() -> None:
    first = CmaEsSampler(seed=0, popsize=4)
    second = CmaEsSampler(seed=1, popsize=4, x0={"x": 3.0, "y": 3.0}, sigma0=0.05, attr="other")
    storage = InMemoryStorage()
    study = parzen.create_study(sampler=first, storage=storage, study_name="s")
    _run(first, BOX2, _rastrigin2, 9, study=study)  # a random start, then generations 0 and 1 of the first run
    _run(second, BOX2, _rastrigin2, 4, study=parzen.load_study("s", storage, sampler=second))
    own = [t.system_attrs["other"] for t in study.trials if "other" in t.system_attrs]
    assert len(own) == 4 and len(_tags(study)) == 8
    assert all(tag["generation"] == 0 and tag["sigma0"] == 0.05 for tag in own)  # not the first run's generation 2
    assert own[0]["mean0"] == pytest.approx([Float(-5.12, 5.12).to_internal(3.0)] * 2)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"sigma0": 0.0}, "sigma0"), ({"sigma0": 2.0}, "sigma0"), ({"sigma0": "big"}, "sigma0"),
    ({"popsize": 1}, "popsize"), ({"popsize": 4.5}, "popsize"),
    ({"n_startup_trials": -1}, "n_startup_trials"), ({"n_startup_trials": True}, "n_startup_trials"),
    ({"restart_strategy": "ipop2"}, "restart_strategy"), ({"x0": [1.0]}, "x0"), ({"seed": "s"}, "seed"),
    ({"attr": ""}, "attr"), ({"attr": 3}, "attr"),
])
def test_bad_arguments_name_the_parameter(kwargs: dict, name: str) -> None:
    with pytest.raises((TypeError, ValueError), match=f"`{name}`"):
        CmaEsSampler(**kwargs)


def test_missing_cmaes_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cmaes", None)
    with pytest.raises(ImportError, match=r"pip install 'parzen\[cmaes\]'"):
        CmaEsSampler()


_DISTS = st.one_of(
    st.builds(lambda lo, w: Float(lo, lo + w), st.floats(-1e3, 1e3), st.floats(0, 1e3)),
    st.builds(lambda lo, w: Float(lo, lo + w, log=True), st.floats(1e-6, 1e3), st.floats(0, 1e3)),
    st.builds(lambda lo, n, s: Int(lo, lo + n * s, step=s), st.integers(-50, 50), st.integers(0, 20),
              st.integers(1, 5)),
    st.builds(lambda lo, n: Int(lo, lo + n, log=True), st.integers(1, 100), st.integers(0, 1000)),
    st.builds(lambda n: Float(0.0, n * 0.1, step=0.1), st.integers(0, 30)),
    st.builds(lambda k: Categorical(list(range(k))), st.integers(1, 4)),
)


@settings(max_examples=25, deadline=None)
@given(dists=st.lists(_DISTS, min_size=1, max_size=4), seed=st.integers(0, 2**16),
       values=st.lists(st.floats(-1e12, 1e12), min_size=30, max_size=30))
def test_any_space_is_sampled_inside(dists: list, seed: int, values: list) -> None:
    space = {f"p{i}": d for i, d in enumerate(dists)}
    study = parzen.create_study(sampler=CmaEsSampler(seed=seed, n_startup_trials=0, popsize=3,
                                                     restart_strategy="bipop"))
    for value in values:
        trial = study.ask(space)
        assert all(space[n].contains(v) for n, v in trial.params.items()), trial.params
        study.tell(trial, value)
