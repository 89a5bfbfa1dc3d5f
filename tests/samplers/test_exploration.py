"""ExplorationSampler: a share of trials drawn uniformly at random instead of by the base sampler."""

from __future__ import annotations

import pytest

import parzen
from parzen.samplers import ExplorationSampler, RandomSampler


class _Constant(parzen.samplers.Sampler):
    """Always proposes the lowest value: any other value must come from exploration."""

    def sample(self, study, trial, space):
        return {name: dist.to_external(0.0) for name, dist in space.items()}


def _explored(study: parzen.Study) -> list[bool]:
    return [t.system_attrs["explore"] for t in study.trials]


@pytest.mark.parametrize("rate, low, high", [(0.0, 0, 0), (0.25, 30, 70), (1.0, 200, 200)])
def test_rate_is_the_share_of_random_trials_and_each_is_recorded(rate, low, high) -> None:
    study = parzen.create_study(sampler=ExplorationSampler(_Constant(), rate, seed=1))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=200)
    explored = _explored(study)
    assert low <= sum(explored) <= high
    for t, e in zip(study.trials, explored):
        assert (t.params["x"] != 0.0) == e  # the base proposes exactly 0.0


def test_a_define_by_run_trial_takes_all_its_parameters_from_one_source() -> None:
    study = parzen.create_study(sampler=ExplorationSampler(_Constant(), 0.5, seed=3))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 100), n_trials=60)
    for t in study.trials:
        if t.system_attrs["explore"]:
            assert t.params["x"] != 0.0
        else:
            assert (t.params["x"], t.params["n"]) == (0.0, 0)
    assert 10 < sum(_explored(study)) < 50


def test_same_seed_same_suggestions_and_enqueued_values_are_kept() -> None:
    def run(seed: int) -> list[dict]:
        study = parzen.create_study(sampler=ExplorationSampler(RandomSampler(seed=0), 0.5, seed=seed))
        study.enqueue_trial({"x": 0.5})
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=20)
        return [t.params for t in study.trials]

    assert run(7) == run(7) != run(8)
    assert run(7)[0] == {"x": 0.5}


@pytest.mark.parametrize("kwargs, error, match", [
    ({"base": "tpe", "rate": 0.1}, TypeError, "`base` must be a parzen Sampler"),
    ({"base": RandomSampler(), "rate": 1.5}, ValueError, "`rate`"),
    ({"base": RandomSampler(), "rate": "0.1"}, TypeError, "`rate`"),
])
def test_bad_arguments_name_the_parameter(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        ExplorationSampler(**kwargs)
