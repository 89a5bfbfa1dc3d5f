"""HyperbandPruner: bracket sizes, deterministic bracket assignment, ASHA within each bracket only."""

from __future__ import annotations

import collections

import pytest
from _pruning_helpers import drive

import parzen
from parzen.pruners import HyperbandPruner
from parzen.pruners.hyperband import BRACKET_ATTR_PREFIX, bracket_sizes


def _study(pruner, direction: str = "minimize", name: str | None = None) -> parzen.Study:
    return parzen.create_study(direction=direction, pruner=pruner, sampler=parzen.RandomSampler(seed=0),
                               study_name=name)


@pytest.mark.parametrize("r, big_r, eta, sizes", [
    (1, 81, 3, [81, 34, 15, 8, 5]),  # Li et al. 2018, table of R = 81, eta = 3
    (1, 27, 3, [27, 12, 6, 4]),
    (1, 9, 3, [9, 5, 3]),
    (1, 10, 3, [9, 5, 3]),
    (4, 16, 2, [4, 3, 3]),
    (5, 5, 3, [1]),
])
def test_bracket_sizes_follow_algorithm_1(r, big_r, eta, sizes) -> None:
    assert bracket_sizes(r, big_r, eta) == sizes


def test_brackets_are_deterministic_and_proportional_to_their_sizes() -> None:
    study = _study(None, name="hyperband-spread")
    pruner, again = HyperbandPruner(max_resource=81), HyperbandPruner(max_resource=81)
    brackets = [pruner.bracket(study, n) for n in range(4000)]
    assert brackets == [again.bracket(study, n) for n in range(4000)]
    counts = collections.Counter(brackets)
    for b, size in enumerate(bracket_sizes(1, 81, 3)):
        assert counts[b] / 4000 == pytest.approx(size / 143, abs=0.025)
    other = _study(None, name="hyperband-other")
    assert [pruner.bracket(other, n) for n in range(50)] != brackets[:50]


def _name_with_bracket_zero_first(pruner: HyperbandPruner) -> str:
    """A study name whose trial 0 is in bracket 0 and whose first 30 trials use every bracket."""
    for i in range(1000):
        name = f"hb-{i}"
        study = _study(None, name=name)
        brackets = [pruner.bracket(study, n) for n in range(30)]
        if brackets[0] == 0 and set(brackets) == set(range(pruner.n_brackets)):
            return name
    raise AssertionError("no suitable study name")


@pytest.mark.parametrize("direction, sign", [("minimize", 1.0), ("maximize", -1.0)])
def test_a_trial_is_ranked_only_within_its_bracket(direction, sign) -> None:
    # R = 9, eta = 3: bracket 0 judges steps 1 and 3, bracket 1 step 3, bracket 2 nothing (9 is the full run).
    pruner = HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    study = _study(pruner, direction, name=_name_with_bracket_zero_first(pruner))
    first_rung = {0: 1, 1: 3, 2: None}
    seen: set[int] = set()
    for number in range(30):
        bracket = pruner.bracket(study, number)
        # Each trial is worse than every earlier one, so only the first of its bracket survives.
        expected = None if bracket not in seen else first_rung[bracket]
        seen.add(bracket)
        assert drive(study, [sign * number] * 10) == expected, (number, bracket)
    for trial in study.trials:
        prefix = f"{BRACKET_ATTR_PREFIX}{pruner.bracket(study, trial.number)}:rung:"
        assert all(k.startswith(prefix) for k in trial.system_attrs)


def test_n_brackets() -> None:
    assert HyperbandPruner(max_resource=81).n_brackets == 5
    assert HyperbandPruner(min_resource=3, max_resource=100, reduction_factor=4).n_brackets == 3


@pytest.mark.parametrize("kwargs, name, error", [
    ({"max_resource": 0}, "max_resource", ValueError),
    ({"min_resource": 10, "max_resource": 9}, "max_resource", ValueError),
    ({"min_resource": 0, "max_resource": 9}, "min_resource", ValueError),
    ({"max_resource": 9, "reduction_factor": 1}, "reduction_factor", ValueError),
    ({"max_resource": "full"}, "max_resource", TypeError),
    ({"max_resource": 9.0}, "max_resource", TypeError),
    ({"max_resource": 9, "min_resource": True}, "min_resource", TypeError),
])
def test_bad_arguments_name_the_parameter(kwargs, name, error) -> None:
    with pytest.raises(error, match=f"`{name}`"):
        HyperbandPruner(**kwargs)


def test_auto_max_resource_is_sized_by_the_first_complete_trial() -> None:
    pruner = HyperbandPruner(min_resource=1, max_resource="auto", reduction_factor=3)
    study = parzen.create_study(pruner=pruner, sampler=parzen.RandomSampler(seed=0))
    first = study.ask()
    for step in range(27):
        first.report(float(step), step)
        assert not first.should_prune()  # nothing is pruned before a full run is known
    study.tell(first, 1.0)
    assert pruner.n_brackets == 0
    late = study.ask()
    late.report(100.0, 0)
    late.should_prune()
    assert pruner.n_brackets == len(bracket_sizes(1, 27, 3)) == 4  # 27 steps: rungs 1, 3, 9


def test_max_resource_defaults_to_auto() -> None:
    pruner = HyperbandPruner()
    study = parzen.create_study(pruner=pruner, sampler=parzen.RandomSampler(seed=0))
    first = study.ask()
    for step in range(9):
        first.report(float(step), step)
    study.tell(first, 1.0)
    assert pruner.n_brackets == 0  # sized when it first judges a trial after a complete one
    late = study.ask()
    late.report(100.0, 0)
    late.should_prune()
    assert pruner.n_brackets == len(bracket_sizes(1, 9, 3))
