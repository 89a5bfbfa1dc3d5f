"""EnsembleSampler: members take turns by weight and all learn from one history."""

from __future__ import annotations

import pytest

import parzen
from parzen.samplers import EnsembleSampler, RandomSampler, Sampler
from parzen.samplers.ensemble import MEMBER_ATTR


class _Fixed(Sampler):
    """Proposes one value and notes how many finished trials it saw each time."""

    def __init__(self, value: float) -> None:
        self.value = value
        self.seen: list[int] = []

    def sample(self, study, trial, space):
        self.seen.append(len(study.get_trials([parzen.TrialState.COMPLETE])))
        return {name: self.value for name in space}


def test_members_propose_their_weighted_share_and_see_every_trial() -> None:
    a, b, c = _Fixed(0.1), _Fixed(0.5), _Fixed(0.9)
    study = parzen.create_study(sampler=EnsembleSampler([a, b, c], [0.4, 0.3, 0.3]))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=100)
    members = [t.system_attrs[MEMBER_ATTR] for t in study.trials]
    assert [members.count(i) for i in range(3)] == [40, 30, 30]
    for t, m in zip(study.trials, members):
        assert t.params["x"] == (0.1, 0.5, 0.9)[m]
    for n in (10, 37, 100):  # within one trial of the share at every point
        assert all(abs(members[:n].count(i) - share * n) <= 1 for i, share in enumerate((0.4, 0.3, 0.3)))
    assert b.seen == sorted(b.seen) and b.seen[-1] > 90  # it saw the others' trials too


def test_a_zero_weight_member_never_proposes_and_equal_weights_by_default() -> None:
    study = parzen.create_study(sampler=EnsembleSampler([_Fixed(0.1), _Fixed(0.9)], [1, 0]))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    assert {t.params["x"] for t in study.trials} == {0.1}
    assert EnsembleSampler([RandomSampler(), RandomSampler()]).shares == [0.5, 0.5]


@pytest.mark.parametrize("args, error, match", [
    (([],), ValueError, "`samplers`"),
    ((["tpe"],), TypeError, "`samplers`"),
    (([RandomSampler()], [1, 2]), ValueError, "`weights` has 2"),
    (([RandomSampler()], [-1]), ValueError, "`weights`"),
    (([RandomSampler()], [0]), ValueError, "must not all be 0"),
])
def test_bad_arguments_are_named(args, error, match) -> None:
    with pytest.raises(error, match=match):
        EnsembleSampler(*args)
