"""RandomSampler: uniform in the encoding, seeded, never outside the space."""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest
from _strategies import distributions
from hypothesis import given, settings
from hypothesis import strategies as st

import parzen
from parzen import Categorical, Float, Int, TrialState

MIXED = {
    "x": Float(-1.0, 2.0),
    "lr": Float(1e-6, 1.0, log=True),
    "q": Float(0.0, 1.0, step=0.1),
    "n": Int(-3, 9, step=3),
    "m": Int(1, 512, log=True),
    "c": Categorical(["a", None, 2, 0.5, True]),
}


def _by_run(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -1.0, 2.0)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    n = trial.suggest_int("n", 1, 64, log=True) if kind == "a" else 0
    return x + n


def _fixed_space_params(seed: int, n: int = 10) -> list[dict]:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=seed))
    out = []
    for i in range(n):
        trial = study.ask(MIXED)
        out.append(trial.params)
        study.tell(trial, float(i))
    return out


def _by_run_params(seed: int, n: int = 10) -> list[dict]:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=seed))
    study.optimize(_by_run, n_trials=n)
    return [t.params for t in study.trials]


def test_same_seed_same_suggestions_with_a_fixed_space() -> None:
    assert _fixed_space_params(7) == _fixed_space_params(7)
    assert _fixed_space_params(7) != _fixed_space_params(8)


def test_same_seed_same_suggestions_define_by_run() -> None:
    assert _by_run_params(7) == _by_run_params(7)
    assert _by_run_params(7) != _by_run_params(8)


def test_study_seed_seeds_the_default_sampler() -> None:
    def run(seed):
        study = parzen.create_study(seed=seed)
        study.optimize(_by_run, n_trials=5)
        return [t.params for t in study.trials]

    assert run(3) == run(3) and run(3) != run(4)


def test_bad_seed_is_rejected() -> None:
    with pytest.raises(TypeError, match="seed"):
        parzen.RandomSampler(seed="1")  # type: ignore[arg-type]


def test_suggestions_stay_in_the_space() -> None:
    for params in _fixed_space_params(0, n=200):
        for name, dist in MIXED.items():
            assert dist.contains(params[name]), (name, params[name])
        assert type(params["n"]) is int and type(params["m"]) is int and type(params["x"]) is float


def test_int_values_are_equally_likely() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    counts = collections.Counter(study.ask({"n": Int(0, 4)}).params["n"] for _ in range(5000))
    assert set(counts) == {0, 1, 2, 3, 4}
    assert all(abs(c - 1000) < 120 for c in counts.values())


def test_log_float_is_log_uniform() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    values = np.array([study.ask({"lr": Float(1e-6, 1.0, log=True)}).params["lr"] for _ in range(4000)])
    decades = np.histogram(np.log10(values), bins=6, range=(-6, 0))[0]
    assert all(abs(d - 4000 / 6) < 100 for d in decades)


def test_categories_are_equally_likely() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    draws = (study.ask({"c": Categorical([None, False, 0])}).params["c"] for _ in range(3000))
    counts = collections.Counter((type(v), v) for v in draws)  # False == 0 would merge them otherwise
    assert set(counts) == {(type(None), None), (bool, False), (int, 0)}
    assert all(abs(c - 1000) < 110 for c in counts.values())


@pytest.mark.parametrize("space, expected", [
    ({"only": Float(0.0, 1.0)}, None),
    ({"k": Categorical(["solo"])}, {"k": "solo"}),
    ({"f": Float(2.0, 2.0), "i": Int(5, 5), "l": Float(3.0, 3.0, log=True), "s": Float(1.0, 1.0, step=0.5)},
     {"f": 2.0, "i": 5, "l": 3.0, "s": 1.0}),
])
def test_small_and_degenerate_spaces(space: dict, expected: dict | None) -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    for _ in range(5):
        trial = study.ask(space)
        if expected is not None:
            assert trial.params == expected
        assert all(space[n].contains(v) for n, v in trial.params.items())
        study.tell(trial, 0.0)

    def by_run(trial):
        for name, dist in space.items():
            trial.suggest(name, dist)
        return 0.0

    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    study.optimize(by_run, n_trials=5)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    if expected is not None:
        assert all(t.params == expected for t in study.trials)


# --- any valid space ---------------------------------------------------------------------------------------


spaces = st.dictionaries(st.text("abcdef", min_size=1, max_size=3), distributions(), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(spaces, st.integers(0, 2**32 - 1))
def test_any_space_is_sampled_inside(space: dict, seed: int) -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=seed))
    for _ in range(4):
        trial = study.ask(space)
        assert set(trial.params) == set(space)
        for name, value in trial.params.items():
            dist = space[name]
            assert dist.contains(value)
            if isinstance(dist, Int):
                assert type(value) is int
            elif isinstance(dist, Float):
                assert type(value) is float and math.isfinite(value)
        study.tell(trial, 0.0)
