"""``check_storage``: the contract every parzen storage keeps, as a kit any storage can run.

A storage author passes a function that returns a new, empty storage; each check gets one of its
own, so checks never see each other's studies. A failed check raises AssertionError naming the
check and the failing line. The same checks run against parzen's own back ends (memory, SQLite,
PostgreSQL, Redis) in its test suite, which is how every back end gives the same answers.

The checks use plain ``assert`` statements: do not run them under ``python -O``.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import threading
import time
import traceback
from typing import Any, Callable, Iterator, Sequence

from parzen.exceptions import DuplicatedStudyError, StudyNotFoundError, TrialFinishedError
from parzen.space import Categorical, Condition, Distribution, Float, Int, distribution_to_dict
from parzen.storages._base import BaseStorage, TrialTemplate
from parzen.trial import FrozenTrial, TrialState

__all__ = ["check_storage", "storage_checks"]

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def _same_dist(a: Distribution, b: Distribution) -> bool:
    """Equality that also compares conditions (dataclass equality ignores ``when``)."""
    return distribution_to_dict(a) == distribution_to_dict(b)


def _run_threads(n: int, target: Callable[[int], None]) -> None:
    """Run ``target(i)`` on ``n`` threads started together; re-raise the first error of any of them."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            target(i)
        except BaseException as exc:  # re-raised below: a thread cannot fail the check itself
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@contextlib.contextmanager
def _raises(expected: type[BaseException]) -> Iterator[None]:
    try:
        yield
    except expected:
        return
    raise AssertionError(f"expected {expected.__name__} to be raised")


# --- studies -----------------------------------------------------------------------------
def check_create_and_look_up_studies(storage: BaseStorage) -> None:
    a = storage.create_study("a", ["minimize"])
    b = storage.create_study("b", ["maximize", "minimize"])
    assert a != b
    assert storage.get_study_id("a") == a
    assert storage.get_study_id("b") == b
    assert storage.get_study_name(b) == "b"
    assert storage.get_study_directions(a) == ("minimize",)
    assert storage.get_study_directions(b) == ("maximize", "minimize")


def check_duplicate_study_name_raises(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    with _raises(DuplicatedStudyError):
        storage.create_study("a", ["maximize"])
    assert storage.get_study_directions(sid) == ("minimize",)
    assert [s.study_name for s in storage.get_all_studies()] == ["a"]


def check_unknown_study_raises(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    missing = sid + 1000
    with _raises(StudyNotFoundError):
        storage.get_study_id("nope")
    calls: list[Callable[[], Any]] = [
        lambda: storage.get_study_name(missing),
        lambda: storage.get_study_directions(missing),
        lambda: storage.get_study_user_attrs(missing),
        lambda: storage.get_study_system_attrs(missing),
        lambda: storage.set_study_user_attr(missing, "k", 1),
        lambda: storage.set_study_system_attr(missing, "k", 1),
        lambda: storage.claim(missing, "k"),
        lambda: storage.create_trial(missing),
        lambda: storage.pop_waiting_trial(missing),
        lambda: storage.get_all_trials(missing),
        lambda: storage.get_n_trials(missing),
        lambda: storage.get_trial_id_from_number(missing, 0),
        lambda: storage.delete_study(missing),
    ]
    for call in calls:
        with _raises(StudyNotFoundError):
            call()


def check_get_all_studies_summaries(storage: BaseStorage) -> None:
    a = storage.create_study("a", ["minimize"])
    b = storage.create_study("b", ["maximize", "maximize"])
    storage.create_trial(a)
    storage.create_trial(a)
    summaries = {s.study_id: s for s in storage.get_all_studies()}
    assert set(summaries) == {a, b}
    assert summaries[a].study_name == "a"
    assert summaries[a].n_trials == 2
    assert summaries[a].directions == ("minimize",)
    assert summaries[a].datetime_start == storage.get_all_trials(a)[0].datetime_start
    assert isinstance(summaries[a].datetime_start, datetime.datetime)
    assert summaries[b].n_trials == 0
    assert summaries[b].directions == ("maximize", "maximize")
    assert summaries[b].datetime_start is None


def check_study_attrs(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    other = storage.create_study("b", ["minimize"])
    assert storage.get_study_user_attrs(sid) == {}
    storage.set_study_user_attr(sid, "nested", {"list": [1, 2.5, None, "x"], "flag": True})
    storage.set_study_user_attr(sid, "n", 1)
    storage.set_study_user_attr(sid, "n", 2)
    storage.set_study_system_attr(sid, "sys", "value")
    assert storage.get_study_user_attrs(sid) == {"nested": {"list": [1, 2.5, None, "x"], "flag": True}, "n": 2}
    assert storage.get_study_system_attrs(sid) == {"sys": "value"}
    assert storage.get_study_user_attrs(other) == {}
    assert storage.get_study_system_attrs(other) == {}
    returned = storage.get_study_user_attrs(sid)
    returned["nested"]["flag"] = False
    assert storage.get_study_user_attrs(sid)["nested"]["flag"] is True


def check_delete_study(storage: BaseStorage) -> None:
    gone = storage.create_study("gone", ["minimize"])
    kept = storage.create_study("kept", ["minimize"])
    tid, _ = storage.create_trial(gone)
    storage.set_trial_params(tid, {"x": 0.5}, {"x": Float(0, 1)})
    storage.finish_trial(tid, TrialState.COMPLETE, [1.0])
    storage.get_all_trials(gone)
    storage.set_study_user_attr(gone, "k", 1)
    storage.claim(gone, "key")
    kept_tid, _ = storage.create_trial(kept)

    storage.delete_study(gone)

    with _raises(StudyNotFoundError):
        storage.get_study_id("gone")
    with _raises(StudyNotFoundError):
        storage.get_all_trials(gone)
    with _raises(KeyError):
        storage.get_trial(tid)
    assert [s.study_id for s in storage.get_all_studies()] == [kept]
    assert [t.trial_id for t in storage.get_all_trials(kept)] == [kept_tid]
    again = storage.create_study("gone", ["maximize"])
    assert storage.get_all_trials(again) == []
    assert storage.get_study_user_attrs(again) == {}
    assert storage.claim(again, "key") is True


def check_claim_exactly_once(storage: BaseStorage) -> None:
    a = storage.create_study("a", ["minimize"])
    b = storage.create_study("b", ["minimize"])
    assert storage.claim(a, "grid:0") is True
    assert storage.claim(a, "grid:0") is False
    assert storage.claim(a, "grid:1") is True
    assert storage.claim(b, "grid:0") is True

    keys = [f"k{i}" for i in range(30)]
    wins: list[list[str]] = [[] for _ in range(6)]

    def worker(i: int) -> None:
        wins[i] = [k for k in keys if storage.claim(a, k)]

    _run_threads(6, worker)
    won = [k for w in wins for k in w]
    assert sorted(won) == sorted(keys)


# --- trials ------------------------------------------------------------------------------
def check_trial_numbers_count_from_zero_per_study(storage: BaseStorage) -> None:
    a = storage.create_study("a", ["minimize"])
    b = storage.create_study("b", ["minimize"])
    created = [storage.create_trial(a) for _ in range(5)]
    assert [number for _, number in created] == [0, 1, 2, 3, 4]
    assert len({tid for tid, _ in created}) == 5
    assert storage.create_trial(b)[1] == 0
    assert storage.create_trial(a)[1] == 5
    for tid, number in created:
        assert storage.get_trial_id_from_number(a, number) == tid
        assert storage.get_trial(tid).number == number
    with _raises(KeyError):
        storage.get_trial_id_from_number(a, 6)
    assert [t.number for t in storage.get_all_trials(a)] == [0, 1, 2, 3, 4, 5]


def check_trial_numbers_unique_under_threads(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    numbers: list[list[int]] = [[] for _ in range(8)]

    def worker(i: int) -> None:
        for _ in range(10):
            tid, number = storage.create_trial(sid)
            storage.finish_trial(tid, TrialState.COMPLETE, [float(number)])
            numbers[i].append(number)

    _run_threads(8, worker)
    assert sorted(n for ns in numbers for n in ns) == list(range(80))
    trials = storage.get_all_trials(sid)
    assert [t.number for t in trials] == list(range(80))
    assert all(t.state == TrialState.COMPLETE and t.values == (float(t.number),) for t in trials)


def check_new_trial_is_running(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    trial = storage.get_trial(tid)
    assert trial.state == TrialState.RUNNING
    assert trial.values is None
    assert trial.params == {} and trial.distributions == {}
    assert trial.user_attrs == {} and trial.system_attrs == {} and trial.intermediate_values == {}
    assert isinstance(trial.datetime_start, datetime.datetime)
    assert trial.datetime_start.tzinfo is None
    assert trial.datetime_complete is None


_PARAM_CASES = [
    ("float", Float(-2.5, 7.0), 0.1234567890123456789),
    ("float_log", Float(1e-6, 1.0, log=True), 3.3e-4),
    ("float_step", Float(0.0, 1.0, step=0.25), 0.75),
    ("float_conditional", Float(0.0, 1.0, when=Condition("kind", ("a", "b"))), 0.5),
    ("int", Int(-3, 7), -2),
    ("int_log", Int(1, 1024, log=True), 64),
    ("int_step", Int(0, 10, step=2), 4),
    ("cat_none", Categorical((None, True, False, 0, 1, 1.5, "a")), None),
    ("cat_true", Categorical((None, True, False, 0, 1, 1.5, "a")), True),
    ("cat_false", Categorical((None, True, False, 0, 1, 1.5, "a")), False),
    ("cat_zero", Categorical((None, True, False, 0, 1, 1.5, "a")), 0),
    ("cat_one", Categorical((None, True, False, 0, 1, 1.5, "a")), 1),
    ("cat_float", Categorical((None, True, False, 0, 1, 1.5, "a")), 1.5),
    ("cat_str", Categorical((None, True, False, 0, 1, 1.5, "a")), "a"),
    ("cat_int_float", Categorical((1, 1.0)), 1.0),
]


def check_params_round_trip_with_types(storage: BaseStorage) -> None:
    """Every kind of parameter comes back equal and of the same type, before and after finishing."""
    sid = storage.create_study("a", ["minimize"])
    for name, dist, value in _PARAM_CASES:
        tid, _ = storage.create_trial(sid)
        storage.set_trial_params(tid, {name: value}, {name: dist})
        for trial in (storage.get_trial(tid), storage.get_all_trials(sid)[-1],
                      storage.finish_trial(tid, TrialState.COMPLETE, [0.0]), storage.get_trial(tid),
                      storage.get_all_trials(sid)[-1]):
            _check_param(trial, name, dist, value)


def _check_param(trial: FrozenTrial, name: str, dist: Distribution, value: Any) -> None:
    assert trial.params == {name: value}, f"{name}: stored {value!r}, read {trial.params!r}"
    assert type(trial.params[name]) is type(value), f"{name}: {value!r} came back as {trial.params[name]!r}"
    assert _same_dist(trial.distributions[name], dist), f"{name}: distribution changed"


def check_params_accumulate_and_overwrite(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    storage.set_trial_params(tid, {"x": 0.5, "n": 3}, {"x": Float(0, 1), "n": Int(0, 5)})
    storage.set_trial_params(tid, {"c": "b"}, {"c": Categorical(("a", "b"))})
    storage.set_trial_params(tid, {"x": 0.25}, {"x": Float(0, 1)})
    trial = storage.get_trial(tid)
    assert trial.params == {"x": 0.25, "n": 3, "c": "b"}
    assert set(trial.distributions) == {"x", "n", "c"}


def check_template_fields_round_trip(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    template = TrialTemplate(
        params={"x": 0.5, "c": None},
        distributions={"x": Float(0, 1), "c": Categorical((None, "z"))},
        user_attrs={"u": [1, "two"]},
        system_attrs={"s": {"deep": 1.5}},
    )
    tid, number = storage.create_trial(sid, template)
    trial = storage.get_trial(tid)
    assert number == 0
    assert trial.state == TrialState.RUNNING
    assert trial.params == {"x": 0.5, "c": None}
    assert _same_dist(trial.distributions["c"], Categorical((None, "z")))
    assert trial.user_attrs == {"u": [1, "two"]}
    assert trial.system_attrs == {"s": {"deep": 1.5}}


def check_finish_with_values(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize", "maximize"])
    done, _ = storage.create_trial(sid)
    pruned, _ = storage.create_trial(sid)
    failed, _ = storage.create_trial(sid)
    final = storage.finish_trial(done, TrialState.COMPLETE, [1.5, -2], {"why": "ok"})
    assert final.state == TrialState.COMPLETE
    assert final.values == (1.5, -2.0)
    assert all(type(v) is float for v in final.values)
    assert final.system_attrs == {"why": "ok"}
    assert final.datetime_complete is not None and final.datetime_start is not None
    assert final.datetime_start <= final.datetime_complete
    assert storage.get_trial(done) == final
    assert storage.finish_trial(pruned, TrialState.PRUNED, None).values is None
    failed_final = storage.finish_trial(failed, TrialState.FAIL, None, {"fail_reason": "boom"})
    assert failed_final.fail_reason == "boom"
    assert [t.state for t in storage.get_all_trials(sid)] == list(FINISHED)


def check_single_objective_value_and_infinity(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    a, _ = storage.create_trial(sid)
    b, _ = storage.create_trial(sid)
    assert storage.finish_trial(a, TrialState.COMPLETE, [0.1 + 0.2]).value == 0.1 + 0.2
    storage.finish_trial(b, TrialState.PRUNED, [-math.inf])
    assert storage.get_all_trials(sid)[1].values == (-math.inf,)


def check_finish_merges_system_attrs(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid, TrialTemplate(system_attrs={"keep": 1, "replace": "old"}))
    storage.set_trial_system_attr(tid, "added", [1])
    final = storage.finish_trial(tid, TrialState.COMPLETE, [0.0], {"replace": "new", "extra": None})
    assert final.system_attrs == {"keep": 1, "replace": "new", "added": [1], "extra": None}


def check_intermediate_values(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    storage.set_trial_intermediate_value(tid, 0, 1.0)
    storage.set_trial_intermediate_value(tid, 5, 0.5)
    storage.set_trial_intermediate_value(tid, 5, 0.25)
    storage.set_trial_intermediate_value(tid, 7, math.nan)
    trial = storage.get_trial(tid)
    assert set(trial.intermediate_values) == {0, 5, 7}
    assert all(type(step) is int for step in trial.intermediate_values)
    assert trial.intermediate_values[0] == 1.0
    assert trial.intermediate_values[5] == 0.25
    assert math.isnan(trial.intermediate_values[7])
    assert trial.last_step == 7
    final = storage.finish_trial(tid, TrialState.PRUNED, [0.25])
    assert final.intermediate_values[5] == 0.25


def check_trial_attrs(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    other, _ = storage.create_trial(sid)
    storage.set_trial_user_attr(tid, "u", {"a": [1, 2]})
    storage.set_trial_user_attr(tid, "u2", "x")
    storage.set_trial_user_attr(tid, "u2", "y")
    storage.set_trial_system_attr(tid, "s", 3)
    trial = storage.get_trial(tid)
    assert trial.user_attrs == {"u": {"a": [1, 2]}, "u2": "y"}
    assert trial.system_attrs == {"s": 3}
    assert storage.get_trial(other).user_attrs == {}


def check_finished_trial_cannot_change(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    storage.set_trial_params(tid, {"x": 0.5}, {"x": Float(0, 1)})
    final = storage.finish_trial(tid, TrialState.COMPLETE, [1.0])
    with _raises(TrialFinishedError):
        storage.finish_trial(tid, TrialState.FAIL, None)
    with _raises(TrialFinishedError):
        storage.set_trial_params(tid, {"y": 0.5}, {"y": Float(0, 1)})
    with _raises(TrialFinishedError):
        storage.set_trial_intermediate_value(tid, 0, 1.0)
    with _raises(TrialFinishedError):
        storage.set_trial_user_attr(tid, "k", 1)
    with _raises(TrialFinishedError):
        storage.set_trial_system_attr(tid, "k", 1)
    assert storage.get_trial(tid) == final
    assert storage.get_all_trials(sid) == [final]


def check_finish_race_has_one_winner(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    outcomes: list[str] = []

    def worker(i: int) -> None:
        try:
            storage.finish_trial(tid, TrialState.COMPLETE, [float(i)])
            outcomes.append(f"won {i}")
        except TrialFinishedError:
            outcomes.append("lost")

    _run_threads(6, worker)
    winners = [o for o in outcomes if o != "lost"]
    assert len(winners) == 1 and len(outcomes) == 6
    assert storage.get_trial(tid).values == (float(winners[0].split()[1]),)


def check_unknown_trial_raises_key_error(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    missing = tid + 1000
    calls: list[Callable[[], Any]] = [
        lambda: storage.get_trial(missing),
        lambda: storage.finish_trial(missing, TrialState.COMPLETE, [1.0]),
        lambda: storage.set_trial_params(missing, {"x": 0.5}, {"x": Float(0, 1)}),
        lambda: storage.set_trial_intermediate_value(missing, 0, 1.0),
        lambda: storage.set_trial_user_attr(missing, "k", 1),
        lambda: storage.set_trial_system_attr(missing, "k", 1),
    ]
    for call in calls:
        with _raises(KeyError):
            call()


def check_waiting_trials_popped_once_in_order(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    assert storage.pop_waiting_trial(sid) is None
    running, _ = storage.create_trial(sid)
    waiting = [
        storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING, fixed_params={"x": i / 10, "c": None}))[0]
        for i in range(3)
    ]
    queued = storage.get_all_trials(sid, states=(TrialState.WAITING,))
    assert [t.trial_id for t in queued] == waiting
    assert all(t.datetime_start is None for t in queued)
    assert queued[1].system_attrs["fixed_params"] == {"x": 0.1, "c": None}

    first = storage.pop_waiting_trial(sid)
    assert first == waiting[0]
    popped = storage.get_trial(first)
    assert popped.state == TrialState.RUNNING
    assert isinstance(popped.datetime_start, datetime.datetime)
    assert popped.system_attrs["fixed_params"] == {"x": 0.0, "c": None}
    assert storage.pop_waiting_trial(sid) == waiting[1]
    assert storage.pop_waiting_trial(sid) == waiting[2]
    assert storage.pop_waiting_trial(sid) is None
    assert storage.get_n_trials(sid, states=(TrialState.RUNNING,)) == 4
    assert storage.get_trial(running).state == TrialState.RUNNING


def check_waiting_trials_popped_once_under_threads(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    waiting = [storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING))[0] for _ in range(20)]
    popped: list[list[int]] = [[] for _ in range(6)]

    def worker(i: int) -> None:
        while (tid := storage.pop_waiting_trial(sid)) is not None:
            popped[i].append(tid)

    _run_threads(6, worker)
    assert sorted(t for ts in popped for t in ts) == waiting


def check_waiting_trial_finished_before_its_turn(storage: BaseStorage) -> None:
    """A WAITING trial finished directly (say, cancelled) is skipped by pop_waiting_trial."""
    sid = storage.create_study("a", ["minimize"])
    cancelled, _ = storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING))
    kept, _ = storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING))
    storage.finish_trial(cancelled, TrialState.FAIL, None, {"fail_reason": "cancelled"})
    assert storage.pop_waiting_trial(sid) == kept
    assert storage.pop_waiting_trial(sid) is None
    assert storage.get_trial(cancelled).state == TrialState.FAIL
    assert storage.get_n_trials(sid, states=(TrialState.WAITING,)) == 0
    assert storage.get_n_trials(sid, states=(TrialState.FAIL, TrialState.RUNNING)) == 2


def check_get_all_trials_filters_by_state(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    states = [TrialState.COMPLETE, TrialState.RUNNING, TrialState.PRUNED, TrialState.FAIL,
              TrialState.COMPLETE, TrialState.WAITING]
    for state in states:
        if state == TrialState.WAITING:
            storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING))
            continue
        tid, _ = storage.create_trial(sid)
        if state != TrialState.RUNNING:
            storage.finish_trial(tid, state, [1.0] if state == TrialState.COMPLETE else None)
    assert [t.state for t in storage.get_all_trials(sid)] == states
    assert [t.number for t in storage.get_all_trials(sid, states=(TrialState.COMPLETE,))] == [0, 4]
    assert [t.number for t in storage.get_all_trials(sid, states=FINISHED)] == [0, 2, 3, 4]
    assert storage.get_all_trials(sid, states=()) == []
    assert storage.get_n_trials(sid) == 6
    assert storage.get_n_trials(sid, states=(TrialState.COMPLETE,)) == 2
    assert storage.get_n_trials(sid, states={TrialState.RUNNING, TrialState.WAITING}) == 2


def check_get_all_trials_sees_changes_to_unfinished_trials(storage: BaseStorage) -> None:
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    assert storage.get_all_trials(sid)[0].params == {}
    storage.set_trial_params(tid, {"x": 0.5}, {"x": Float(0, 1)})
    storage.set_trial_intermediate_value(tid, 1, 2.0)
    storage.set_trial_user_attr(tid, "k", "v")
    (seen,) = storage.get_all_trials(sid)
    assert seen.params == {"x": 0.5}
    assert seen.intermediate_values == {1: 2.0}
    assert seen.user_attrs == {"k": "v"}
    second, _ = storage.create_trial(sid)
    final = storage.finish_trial(tid, TrialState.COMPLETE, [3.0])
    trials = storage.get_all_trials(sid)
    assert trials[0] == final
    assert [t.trial_id for t in trials] == [tid, second]
    assert trials[1].state == TrialState.RUNNING


def check_finish_requires_a_finished_state(storage: BaseStorage) -> None:
    """Finishing as RUNNING or WAITING is refused and leaves the trial as it was."""
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    for state in (TrialState.RUNNING, TrialState.WAITING):
        with _raises(ValueError):
            storage.finish_trial(tid, state, [1.0])
    trial = storage.get_trial(tid)
    assert trial.state == TrialState.RUNNING and trial.values is None and trial.datetime_complete is None


def check_big_integers_are_exact(storage: BaseStorage) -> None:
    """Integer parameters beyond 2**53 (where doubles skip integers) come back unchanged."""
    sid = storage.create_study("a", ["minimize"])
    dist = Int(0, 2**62)
    values = [2**53 + 1, 2**62 - 1, 123456789012345678]
    for value in values:
        tid, _ = storage.create_trial(sid)
        storage.set_trial_params(tid, {"n": value}, {"n": dist})
        assert storage.get_trial(tid).params["n"] == value
        storage.finish_trial(tid, TrialState.COMPLETE, [0.0])
    assert [t.params["n"] for t in storage.get_all_trials(sid)] == values


def check_retry_template(storage: BaseStorage) -> None:
    """A failed trial queued again: a WAITING trial with its params as fixed params and a link to it."""
    sid = storage.create_study("a", ["minimize"])
    tid, number = storage.create_trial(sid)
    storage.set_trial_params(tid, {"x": 0.25, "c": "b"}, {"x": Float(0, 1), "c": Categorical(("a", "b"))})
    storage.set_trial_intermediate_value(tid, 3, 0.5)
    failed = storage.finish_trial(tid, TrialState.FAIL, None, {"fail_reason": "boom"})
    retry_id, retry_number = storage.create_trial(sid, TrialTemplate(
        state=TrialState.WAITING, fixed_params=dict(failed.params),
        system_attrs={"retry_of": number, "retry_count": 1}))
    assert retry_number == number + 1
    assert storage.pop_waiting_trial(sid) == retry_id
    retry = storage.get_trial(retry_id)
    assert retry.state == TrialState.RUNNING
    assert retry.system_attrs == {"retry_of": number, "retry_count": 1, "fixed_params": {"x": 0.25, "c": "b"}}
    assert storage.get_trial(tid).intermediate_values == {3: 0.5}


def check_incremental_reads(storage: BaseStorage) -> None:
    """Reads between writes see new trials, newly finished ones and changes to running ones."""
    sid = storage.create_study("a", ["minimize"])
    expected: dict[int, tuple[TrialState, tuple[float, ...] | None]] = {}
    running: list[int] = []
    for round_ in range(5):
        for _ in range(7):
            tid, number = storage.create_trial(sid)
            running.append(tid)
            expected[number] = (TrialState.RUNNING, None)
        for tid in running[::2]:
            final = storage.finish_trial(tid, TrialState.COMPLETE, [float(round_)])
            expected[final.number] = (TrialState.COMPLETE, (float(round_),))
        running = running[1::2]
        if running:
            storage.set_trial_intermediate_value(running[0], round_, float(round_))
        trials = storage.get_all_trials(sid)
        assert [t.number for t in trials] == list(range(len(expected)))
        assert {t.number: (t.state, t.values) for t in trials} == expected
        if running:
            (first,) = [t for t in trials if t.trial_id == running[0]]
            assert first.intermediate_values.get(round_) == float(round_)
        assert storage.get_n_trials(sid) == len(expected)
        assert storage.get_n_trials(sid, states=(TrialState.RUNNING,)) == len(running)


def check_reads_see_waiting_trials_change(storage: BaseStorage) -> None:
    """Reads between writes see WAITING trials popped, finished and given attributes."""
    sid = storage.create_study("a", ["minimize"])
    queue = [storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING, fixed_params={"x": i / 10}))[0]
             for i in range(6)]
    assert [t.state for t in storage.get_all_trials(sid)] == [TrialState.WAITING] * 6
    storage.set_trial_system_attr(queue[3], "note", "edited while waiting")
    assert storage.get_all_trials(sid)[3].system_attrs["note"] == "edited while waiting"
    assert storage.pop_waiting_trial(sid) == queue[0]
    storage.finish_trial(queue[4], TrialState.FAIL, None, {"fail_reason": "cancelled"})
    states = [t.state for t in storage.get_all_trials(sid)]
    assert states == [TrialState.RUNNING] + [TrialState.WAITING] * 3 + [TrialState.FAIL, TrialState.WAITING]
    assert storage.get_all_trials(sid, states=(TrialState.WAITING,))[0].trial_id == queue[1]
    storage.set_trial_user_attr(queue[0], "k", 1)
    assert storage.get_all_trials(sid)[0].user_attrs == {"k": 1}


def check_heartbeats(storage: BaseStorage) -> None:
    """Only running trials beat; a trial is stale once its last beat is older than the grace period."""
    sid = storage.create_study("a", ["minimize"])
    other = storage.create_study("b", ["minimize"])
    beating, _ = storage.create_trial(sid)
    silent, _ = storage.create_trial(sid)  # never beats: never stale
    done, _ = storage.create_trial(sid)
    elsewhere, _ = storage.create_trial(other)
    for tid in (beating, done, elsewhere):
        assert storage.record_heartbeat(tid) is True
    storage.finish_trial(done, TrialState.COMPLETE, [1.0])
    assert storage.record_heartbeat(done) is False
    with _raises(KeyError):
        storage.record_heartbeat(beating + 1000)
    with _raises(StudyNotFoundError):
        storage.get_stale_trial_ids(sid + other + 1000, 1.0)
    assert storage.get_stale_trial_ids(sid, 3600.0) == []
    time.sleep(0.3)
    assert storage.get_stale_trial_ids(sid, 0.1) == [beating]
    assert storage.get_stale_trial_ids(other, 0.1) == [elsewhere]
    assert storage.record_heartbeat(beating) is True
    assert storage.get_stale_trial_ids(sid, 3600.0) == []
    assert storage.get_trial(beating).state == TrialState.RUNNING


def check_trial_started_beating_goes_stale(storage: BaseStorage) -> None:
    """A trial created with ``TrialTemplate(heartbeat=True)``, or taken by ``pop_waiting_trial_beating``, has
    beaten as it started: silent for longer than the grace period, it is stale without any
    ``record_heartbeat``, so a worker that dies between starting its trial and its first beat is still found.
    Trials started otherwise never go stale before they beat. A storage whose ``starts_trials_beating`` is
    false (the runner then beats for it) is held only to the second rule."""
    sid = storage.create_study("a", ["minimize"])
    if not storage.starts_trials_beating:
        silent, _ = storage.create_trial(sid)
        time.sleep(0.3)
        assert silent not in storage.get_stale_trial_ids(sid, 0.0)
        return
    beating, _ = storage.create_trial(sid, TrialTemplate(heartbeat=True, system_attrs={"claim": 1}))
    silent, _ = storage.create_trial(sid)
    queued = [storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING, heartbeat=True))[0]
              for _ in range(2)]
    assert storage.get_trial(beating).system_attrs == {"claim": 1}
    assert storage.get_stale_trial_ids(sid, 3600.0) == []
    assert storage.fail_stale_trial(beating, "silent", grace_period=3600.0) is False  # it beat just now
    time.sleep(0.3)
    assert storage.get_stale_trial_ids(sid, 0.1) == [beating]  # not the WAITING ones: they have not started
    assert storage.fail_stale_trial(beating, "silent", grace_period=0.1) is True
    assert storage.pop_waiting_trial_beating(sid) == queued[0]
    assert storage.pop_waiting_trial(sid) == queued[1]
    assert storage.get_stale_trial_ids(sid, 3600.0) == []
    assert storage.fail_stale_trial(queued[0], "silent", grace_period=3600.0) is False  # it beat as taken
    time.sleep(0.3)
    assert storage.get_stale_trial_ids(sid, 0.1) == [queued[0]]
    assert storage.pop_waiting_trial_beating(sid) is None
    assert [t.state for t in storage.get_all_trials(sid)] == [TrialState.FAIL] + [TrialState.RUNNING] * 3
    assert silent not in storage.get_stale_trial_ids(sid, 0.0)


def check_fail_stale_trial_once(storage: BaseStorage) -> None:
    """Of many workers failing one stale trial, exactly one succeeds; the trial keeps what it had."""
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    storage.set_trial_params(tid, {"x": 0.5}, {"x": Float(0, 1)})
    storage.set_trial_intermediate_value(tid, 1, 2.0)
    storage.record_heartbeat(tid)
    assert storage.fail_stale_trial(tid, "silent", grace_period=3600.0) is False  # beat just now
    assert storage.get_trial(tid).state == TrialState.RUNNING
    time.sleep(0.2)
    outcomes: list[bool] = []
    _run_threads(6, lambda i: outcomes.append(storage.fail_stale_trial(tid, f"silent {i}", grace_period=0.05)))
    assert sorted(outcomes) == [False] * 5 + [True], f"outcomes {outcomes}"
    failed = storage.get_trial(tid)
    assert failed.state == TrialState.FAIL and failed.datetime_complete is not None
    assert failed.fail_reason is not None and failed.fail_reason.startswith("silent ")
    assert failed.params == {"x": 0.5} and failed.intermediate_values == {1: 2.0}
    assert storage.get_stale_trial_ids(sid, 0.0) == []
    assert storage.record_heartbeat(tid) is False
    with _raises(TrialFinishedError):
        storage.finish_trial(tid, TrialState.COMPLETE, [1.0])
    assert storage.fail_stale_trial(tid, "again") is False
    assert storage.get_all_trials(sid, states=(TrialState.FAIL,)) == [failed]
    with _raises(KeyError):
        storage.fail_stale_trial(tid + 1000, "unknown")
    other, _ = storage.create_trial(sid)
    assert storage.fail_stale_trial(other, "no grace period given") is True
    assert storage.get_trial(other).fail_reason == "no grace period given"


def storage_checks() -> dict[str, Callable[[BaseStorage], None]]:
    """Every check by name, in the order ``check_storage`` runs them; each takes an empty storage."""
    return {name: check for name, check in globals().items() if name.startswith("check_") and name != "check_storage"}


def check_storage(make_storage: Callable[[], BaseStorage], *, checks: Sequence[str] | None = None) -> None:
    """Check that the storages ``make_storage()`` returns keep parzen's storage contract.

    ``make_storage`` is called once per check and must return a new, empty storage each time.
    The checks cover studies, trials, parameters of every kind, states, finishing (once, and only
    as a finished state), claims, waiting trials and numbering under threads, intermediate values,
    attributes, heartbeats and stale trials, and reads between writes. ``checks`` names the checks
    to run (see :func:`storage_checks`); None runs them all. The first failing check raises
    AssertionError with its name and the failing line.
    """
    if not callable(make_storage):
        raise TypeError(f"`make_storage` must be a callable returning a new storage, got {make_storage!r}")
    available = storage_checks()
    if checks is None:
        selected = list(available)
    elif isinstance(checks, str) or not isinstance(checks, Sequence):
        raise TypeError(f"`checks` must be a list of check names or None, got {checks!r}")
    else:
        unknown = [name for name in checks if name not in available]
        if unknown:
            raise ValueError(f"`checks` names unknown checks {unknown}; the checks are {list(available)}")
        selected = list(checks)
    for name in selected:
        check = available[name]
        storage = make_storage()
        if not isinstance(storage, BaseStorage):
            raise TypeError(f"`make_storage` must return a parzen BaseStorage, got {storage!r}")
        try:
            check(storage)
        except Exception as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise AssertionError(
                f"check_storage: {name} failed on {storage!r}: {detail} (at {frame.name}, line {frame.lineno}: "
                f"{frame.line})") from exc
