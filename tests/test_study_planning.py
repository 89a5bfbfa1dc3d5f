"""``Study.planning``: samplers see the budget of a run made of several ``optimize`` calls."""

from __future__ import annotations

import pytest

import parzen


def _planned_during(study: parzen.Study, n_trials: int) -> list[int | None]:
    seen: list[int | None] = []

    def objective(trial: parzen.Trial) -> float:
        seen.append(trial.study.planned_trials)
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=n_trials)
    return seen


def test_optimize_calls_inside_a_block_see_its_whole_budget() -> None:
    study = parzen.create_study()
    assert _planned_during(study, 2) == [2, 2]  # one call plans for itself
    with study.planning(10):
        assert _planned_during(study, 3) == [12] * 3  # 2 trials before the block + 10
        assert _planned_during(study, 3) == [12] * 3
        assert study.planned_trials is None  # only while a call runs
    assert _planned_during(study, 1) == [9]  # after the block: the call's own plan again
    assert study.planned_trials is None


def test_a_block_inside_a_block_plans_for_itself_then_gives_back_the_outer_plan() -> None:
    study = parzen.create_study()
    with study.planning(20):
        with study.planning(4):
            assert _planned_during(study, 2) == [4, 4]
        assert _planned_during(study, 1) == [20]


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (2.5, TypeError), ("10", TypeError)])
def test_a_bad_budget_is_refused_naming_n_trials(bad, error) -> None:
    study = parzen.create_study()
    with pytest.raises(error, match="n_trials"):
        with study.planning(bad):
            pass
