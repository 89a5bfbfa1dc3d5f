"""TPE's incremental bookkeeping: the ranking, the rows a column lacks, the rows left after exclusions, and
what an ask hands the estimator.

Each is checked against the whole-history computation it replaces (a sort, a NaN scan, a mask), on
histories that grow a few trials at a time.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import parzen
import parzen.samplers.tpe.sampler as tpe_module
from parzen import Categorical, Float, Int, TrialState
from parzen.samplers._history import study_history
from parzen.samplers.tpe.ranking import Ranking
from parzen.samplers.tpe.sampler import _skip, _union

_STATES = [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL]
_SPACE = {"c": Categorical(["a", "b"]), "x": Float(0.0, 1.0, when=("c", "a")), "n": Int(0, 9)}


def _lexsorted_feasible(study: parzen.Study) -> list[int]:
    """Rows of the feasible COMPLETE trials, sorted by (loss, number) over the whole history."""
    history = study_history(study)
    complete = np.flatnonzero(history.mask(TrialState.COMPLETE))
    feasible = complete[history.violations[complete] <= 0]
    return feasible[np.lexsort((history.numbers[feasible], history.losses[feasible, 0]))].tolist()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_STATES), st.integers(-3, 3), st.booleans()), min_size=1, max_size=40),
       st.integers(1, 6), st.sampled_from(["minimize", "maximize"]))
def test_the_ranking_is_the_sort_of_the_whole_history(told: list, batch: int, direction: str) -> None:
    """Equal losses (few distinct values) are ranked by trial number; infeasible trials are not ranked."""
    study = parzen.create_study(direction=direction, sampler=parzen.RandomSampler(seed=0),
                                constraints_func=lambda t: (t.user_attrs["violation"],))
    ranking = Ranking()
    for start in range(0, len(told), batch):
        for state, value, infeasible in told[start: start + batch]:
            trial = study.ask(_SPACE)
            trial.set_user_attr("violation", 1.0 if infeasible else 0.0)
            study.tell(trial, float(value), state=state) if state == TrialState.COMPLETE \
                else study.tell(trial, state=state)
        history = study_history(study)
        assert ranking.update(history) == history.n
        expected = _lexsorted_feasible(study)
        assert ranking.n_feasible == len(expected)
        assert ranking.best(len(expected) + 5).tolist() == expected
        assert ranking.best(2).tolist() == expected[:2]
        assert ranking.failed(history.n).tolist() == history.mask(TrialState.FAIL).tolist()
        assert ranking.n_complete == int(history.mask(TrialState.COMPLETE).sum())


def test_missing_rows_follow_the_column_as_the_study_grows() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=3))
    narrowed = Float(0.0, 0.5, when=("c", "a"))  # a value above 0.5 is not one of its values: missing too
    for _ in range(4):
        for _ in range(7):
            trial = study.ask(_SPACE)
            study.tell(trial, 0.0)
        history = study_history(study)
        for dist in (_SPACE["x"], narrowed):
            column, missing = history.column_and_missing("x", dist)
            assert missing.tolist() == np.flatnonzero(np.isnan(column)).tolist()
            assert np.array_equal(column, history.column("x", dist), equal_nan=True)
    assert 0 < len(history.column_and_missing("x", narrowed)[1]) < history.n
    assert history.column_and_missing("n", _SPACE["n"])[1].size == 0
    assert history.column_and_missing("absent", Float(0.0, 1.0))[1].tolist() == list(range(history.n))


@settings(max_examples=80, deadline=None)
@given(st.sets(st.integers(0, 60)), st.sets(st.integers(0, 60)), st.integers(0, 60))
def test_rows_left_after_exclusions_and_unions_of_row_sets(a: set, b: set, n: int) -> None:
    excluded = np.array(sorted(a), dtype=np.int64)
    left = [row for row in range(n + len(a)) if row not in a][:n]
    assert _skip(excluded, np.arange(len(left))).tolist() == left
    union = _union([excluded, np.array(sorted(b), dtype=np.int64), excluded])
    assert union.tolist() == sorted(a | b)


def test_an_ask_hands_the_estimator_only_the_rows_its_kernel_cap_keeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the cap, g(x) is built from the kept rows only (read from the history one column at a time),
    not from every bad trial: the work of an ask stops growing with the study."""
    sizes: list[int] = []
    real_fit = tpe_module.fit_parzen_estimator

    def recording_fit(numeric, categorical, weights, n_cells, n_choices, config):
        sizes.append(numeric.shape[0])
        return real_fit(numeric, categorical, weights, n_cells, n_choices, config)

    monkeypatch.setattr(tpe_module, "fit_parzen_estimator", recording_fit)
    sampler = parzen.TPESampler(seed=0, n_ei_candidates=4)
    sampler._config = dataclasses.replace(sampler._config, max_kernels=20)
    study = parzen.create_study(sampler=sampler)
    space = {"x": Float(0.0, 1.0), "n": Int(0, 9), "c": Categorical(["a", "b"])}
    for _ in range(80):
        trial = study.ask(space)
        study.tell(trial, (trial.params["x"] - 0.3) ** 2 + trial.params["n"] + (trial.params["c"] == "b"))
    assert max(sizes) == 20  # g(x) of 70 bad trials got its 20 kept rows, no more
