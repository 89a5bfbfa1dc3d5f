"""The SQL storage's round trips on PostgreSQL: how many statements a trial costs, and that the
one-statement writes keep their guarantees (taking effect once, dense numbers when a number is taken, each
enqueued trial to one worker), and the rules of the count of finished trials read when a trial starts.

Against the session's real PostgreSQL server (tests/_servers.py)."""

from __future__ import annotations

import contextlib
import itertools
import threading
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa

import parzen
from parzen import TrialState
from parzen.space import Float, Int
from parzen.storages import sql
from parzen.storages._base import TrialTemplate
from parzen.storages.sql import RDBStorage

# An ask, a define-by-run suggest and a tell of an unchanging study: the look for an enqueued trial and the
# new trial (the ask; each also reads the count of finished trials, which answers the sampler's check at the
# suggest), its parameter, and the finish (which returns the finished trial's rows). Each is a statement in
# autocommit: no BEGIN or COMMIT round trip besides.
STATEMENTS_PER_TRIAL = 4
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


@contextlib.contextmanager
def counted(storage: RDBStorage) -> Iterator[list[tuple[str, bool]]]:
    """Every statement the storage sends while the block runs, with whether it ran autocommit."""
    seen: list[tuple[str, bool]] = []

    def record(conn: sa.Connection, cursor: Any, statement: str, *args: Any) -> None:
        seen.append((statement, bool(conn.connection.driver_connection.autocommit)))

    sa.event.listen(storage._engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(storage._engine, "before_cursor_execute", record)


def test_a_trial_costs_a_few_autocommit_statements(postgres_url: str) -> None:
    study = parzen.create_study(storage=postgres_url, study_name="s", sampler=parzen.RandomSampler(seed=0))
    storage = study._storage
    assert isinstance(storage, RDBStorage)

    def run_trial() -> None:
        trial = study.ask()
        study.tell(trial, trial.suggest_float("x", 0.0, 1.0))

    for _ in range(3):  # the first trials also learn the study's definitions
        run_trial()
    n_trials = 10
    with counted(storage) as seen:
        for _ in range(n_trials):
            run_trial()
    assert len(seen) <= STATEMENTS_PER_TRIAL * n_trials, "\n".join(s for s, _ in seen[:STATEMENTS_PER_TRIAL + 2])
    assert all(autocommit for _, autocommit in seen), [s for s, autocommit in seen if not autocommit]
    assert [t.number for t in study.trials] == list(range(13))


@pytest.mark.parametrize("sampler", [parzen.samplers.TPESampler, parzen.samplers.AutoSampler])
def test_a_model_samplers_checks_at_the_start_of_a_trial_cost_no_statement(postgres_url: str,
                                                                          sampler: Callable[..., Any]) -> None:
    """The default and TPE samplers check the count of finished trials once or twice per trial; the look for
    an enqueued trial and the new trial's statement bring it."""
    study = parzen.create_study(storage=postgres_url, study_name="s", sampler=sampler(seed=0))
    storage = study._storage
    assert isinstance(storage, RDBStorage)
    for _ in range(12):
        trial = study.ask()
        with counted(storage) as seen:
            value = trial.suggest_float("x", 0.0, 1.0) + trial.suggest_float("y", 0.0, 1.0)
        study.tell(trial, value)
        assert not [s for s, _ in seen if "coalesce(max(trials.number)" in s]
        assert seen  # the parameters are written
    assert [t.number for t in study.trials] == list(range(12))


def test_a_trial_starts_beating_in_the_statement_that_starts_it(postgres_url: str) -> None:
    """A runner that beats gets each trial's first heartbeat from the statement that creates the trial, or
    takes it from the queue: ``ask(_heartbeat=True)`` costs what a plain ask costs, and the trial has beaten."""
    study = parzen.create_study(storage=postgres_url, study_name="s", sampler=parzen.RandomSampler(seed=0))
    storage = study._storage
    assert isinstance(storage, RDBStorage)
    study.tell(study.ask(), 1.0)  # the first trial also learns the study's definitions
    costs: dict[tuple[bool, bool], int] = {}
    for queued, beat in itertools.product((False, True), (False, True)):
        if queued:
            study.enqueue_trial({"x": 0.5})
        with counted(storage) as seen:
            trial = study.ask(_heartbeat=beat)
        costs[queued, beat] = len(seen)
        assert all(autocommit for _, autocommit in seen)
        with storage._engine.connect() as conn:
            beaten = conn.execute(sa.text("SELECT count(*) FROM trial_heartbeats WHERE trial_id = :tid"),
                                  {"tid": trial.trial_id}).scalar_one()
        assert beaten == int(beat)
        study.tell(trial, 1.0)
    assert costs[False, True] == costs[False, False] and costs[True, True] == costs[True, False], costs


def _ready(url: str) -> tuple[RDBStorage, int]:
    storage = RDBStorage(url)
    sid = storage.create_study("a", ["minimize"])
    for value in (1.0, 2.0):
        storage.finish_trial(storage.create_trial(sid)[0], TrialState.COMPLETE, [value])
    return storage, sid


def test_the_count_read_at_a_start_answers_that_thread_until_a_finish(postgres_url: str) -> None:
    storage, sid = _ready(postgres_url)
    tid, _ = storage.create_trial(sid)
    with counted(storage) as seen:
        assert storage.get_n_trials(sid, FINISHED) == 2
        assert storage.get_n_trials(sid, set(FINISHED)) == 2
    assert seen == []
    with counted(storage) as seen:  # other states are read
        assert storage.get_n_trials(sid, (TrialState.RUNNING,)) == 1
        assert storage.get_n_trials(sid) == 3
    assert len(seen) == 2
    answers: list[int] = []
    with counted(storage) as seen:  # another thread reads
        thread = threading.Thread(target=lambda: answers.append(storage.get_n_trials(sid, FINISHED)))
        thread.start()
        thread.join()
    assert answers == [2] and len(seen) == 1
    storage.finish_trial(tid, TrialState.COMPLETE, [3.0])  # a finish through this storage: read again
    with counted(storage) as seen:
        assert storage.get_n_trials(sid, FINISHED) == 3
    assert len(seen) == 1
    assert storage.pop_waiting_trial(sid) is None  # the look for an enqueued trial brings the count too
    with counted(storage) as seen:
        assert storage.get_n_trials(sid, FINISHED) == 3
    assert seen == []


def test_a_finish_by_another_process_shows_at_the_next_start_or_after_the_ttl(postgres_url: str) -> None:
    storage, sid = _ready(postgres_url)
    others = [storage.create_trial(sid)[0] for _ in range(2)]
    elsewhere = sa.create_engine(postgres_url)  # another process's finish, as the database sees it

    def finish_elsewhere(trial_id: int) -> None:
        with elsewhere.begin() as conn:
            conn.execute(sa.text("UPDATE trials SET state = :done WHERE trial_id = :tid"),
                         {"done": int(TrialState.COMPLETE), "tid": trial_id})

    try:
        storage.create_trial(sid)
        finish_elsewhere(others[0])
        assert storage.get_n_trials(sid, FINISHED) == 2  # as the study was when this thread's trial started
        storage.create_trial(sid)
        assert storage.get_n_trials(sid, FINISHED) == 3
        finish_elsewhere(others[1])
        storage._start_counts.ttl = 0.0  # the kept count has expired
        with counted(storage) as seen:
            assert storage.get_n_trials(sid, FINISHED) == 4
        assert len(seen) == 1
    finally:
        elsewhere.dispose()


def test_a_finish_through_another_storage_object_of_the_process_shows_at_once(postgres_url: str) -> None:
    storage, sid = _ready(postgres_url)
    other = RDBStorage(postgres_url)
    storage.create_trial(sid)
    other.finish_trial(other.create_trial(sid)[0], TrialState.COMPLETE, [3.0])
    assert storage.get_n_trials(sid, FINISHED) == 3


def test_a_deleted_study_is_not_counted_from_a_kept_count(postgres_url: str) -> None:
    storage, sid = _ready(postgres_url)
    storage.create_trial(sid)
    storage.delete_study(sid)
    with pytest.raises(parzen.exceptions.StudyNotFoundError):
        storage.get_n_trials(sid, FINISHED)


def _enqueue(storage: RDBStorage, sid: int, n: int) -> list[int]:
    return [storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING))[0] for _ in range(n)]


def test_an_enqueued_trial_is_taken_in_one_statement(postgres_url: str) -> None:
    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    waiting = _enqueue(storage, sid, 2)
    with counted(storage) as seen:
        taken = [storage.pop_waiting_trial(sid), storage.pop_waiting_trial(sid), storage.pop_waiting_trial(sid)]
    assert taken == [*waiting, None] and len(seen) == 3
    assert all(storage.get_trial(tid).state == TrialState.RUNNING for tid in waiting)
    with pytest.raises(parzen.exceptions.StudyNotFoundError):
        storage.pop_waiting_trial(sid + 1)


def _hold_row(url: str, trial_id: int, then: str | None = None) -> tuple[sa.Engine, sa.Connection, Any]:
    """Another connection that holds the trial's row locked, in a transaction left open."""
    engine = sa.create_engine(url)
    conn = engine.connect()
    transaction = conn.begin()
    conn.execute(sa.text("SELECT 1 FROM trials WHERE trial_id = :tid FOR UPDATE"), {"tid": trial_id})
    if then is not None:
        conn.execute(sa.text(then), {"tid": trial_id})
    return engine, conn, transaction


def test_a_locked_enqueued_trial_is_passed_over_for_the_next(postgres_url: str) -> None:
    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    first, second = _enqueue(storage, sid, 2)
    engine, conn, transaction = _hold_row(postgres_url, first)
    try:
        assert storage.pop_waiting_trial(sid) == second
    finally:
        transaction.rollback()
        conn.close()
        engine.dispose()
    assert storage.pop_waiting_trial(sid) == first


@pytest.mark.parametrize("holder_takes_it", [False, True])
def test_when_every_enqueued_trial_is_locked_the_take_waits_for_the_lock(postgres_url: str,
                                                                         holder_takes_it: bool) -> None:
    """The holder lets the trial go (it is taken) or takes it itself (nothing is left: None)."""
    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    (only,) = _enqueue(storage, sid, 1)
    take = f"UPDATE trials SET state = {int(TrialState.RUNNING)} WHERE trial_id = :tid" if holder_takes_it else None
    engine, conn, transaction = _hold_row(postgres_url, only, take)
    taken: list[int | None] = []
    try:
        thread = threading.Thread(target=lambda: taken.append(storage.pop_waiting_trial(sid)))
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the take did not wait for the locked trial"
        transaction.commit()
        thread.join(30)
    finally:
        conn.close()
        engine.dispose()
    assert taken == [None if holder_takes_it else only]


def test_enqueued_trials_go_to_one_worker_each_across_storage_objects(postgres_url: str) -> None:
    """Four storage objects (as four workers) with two threads each drain one queue."""
    storages = [RDBStorage(postgres_url) for _ in range(4)]
    sid = storages[0].create_study("a", ["minimize"])
    waiting = _enqueue(storages[0], sid, 40)
    taken: list[int] = []
    lock = threading.Lock()

    def drain(storage: RDBStorage) -> None:
        while (tid := storage.pop_waiting_trial(sid)) is not None:
            with lock:
                taken.append(tid)

    threads = [threading.Thread(target=drain, args=(storage,)) for storage in storages for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(taken) == waiting


def test_engine_kwargs_with_an_isolation_level_keep_transactions(postgres_url: str) -> None:
    """A user who asks for an isolation level gets it: every statement runs in a transaction."""
    storage = RDBStorage(postgres_url, engine_kwargs={"isolation_level": "REPEATABLE READ"})
    sid = storage.create_study("s", ["minimize"])
    with counted(storage) as seen:
        tid, number = storage.create_trial(sid)
        storage.set_trial_params(tid, {"x": 0.5}, {"x": Float(0, 1)})
        final = storage.finish_trial(tid, TrialState.COMPLETE, [0.5])
    assert seen and not any(autocommit for _, autocommit in seen)
    assert (number, final.params, final.values) == (0, {"x": 0.5}, (0.5,))


def test_one_statement_writes_whose_acknowledgement_is_lost_happen_once(postgres_url: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each write commits, then its connection "drops" before the answer (injected): the retry must not
    write again, nor fail a write that landed."""
    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    original = RDBStorage._write
    lost: list[int] = []

    @contextlib.contextmanager
    def answer_lost_once(self: RDBStorage, *args: Any, **kwargs: Any) -> Iterator[sa.Connection]:
        with original(self, *args, **kwargs) as conn:
            yield conn
        if not lost:
            lost.append(1)
            raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    def lossy(call: Callable[[], Any]) -> Any:
        lost.clear()
        monkeypatch.setattr(RDBStorage, "_write", answer_lost_once)
        try:
            return call()
        finally:
            monkeypatch.setattr(RDBStorage, "_write", original)
            assert lost, "no acknowledgement was lost"

    template = TrialTemplate(params={"x": 0.25}, distributions={"x": Float(0, 1)}, user_attrs={"u": 1},
                             system_attrs={"s": 2})
    tid, number = lossy(lambda: storage.create_trial(sid, template))
    assert number == 0 and storage.get_n_trials(sid) == 1
    queued = [storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING))[0] for _ in range(2)]
    assert lossy(lambda: storage.pop_waiting_trial(sid)) == queued[0]
    assert [t.trial_id for t in storage.get_all_trials(sid, (TrialState.WAITING,))] == [queued[1]]
    lossy(lambda: storage.set_trial_params(tid, {"y": 0.5}, {"y": Float(0, 1)}))
    lossy(lambda: storage.set_trial_intermediate_value(tid, 3, 0.75))
    lossy(lambda: storage.set_trial_user_attr(tid, "u", 5))
    assert lossy(lambda: storage.record_heartbeat(tid)) is True
    final = lossy(lambda: storage.finish_trial(tid, TrialState.COMPLETE, [1.5], {"why": "done"}))
    assert final.state == TrialState.COMPLETE and final.values == (1.5,)
    assert final.params == {"x": 0.25, "y": 0.5} and final.intermediate_values == {3: 0.75}
    assert final.user_attrs == {"u": 5} and final.system_attrs == {"s": 2, "why": "done"}
    assert storage.get_all_trials(sid, FINISHED) == [final]
    assert storage.get_stale_trial_ids(sid, 0.0) == []  # the finish ended its heartbeat


def test_a_trial_numbered_without_the_counter_is_stepped_over(postgres_url: str) -> None:
    """A trial inserted without raising the study's counter (a writer of schema 2 that still runs after
    the upgrade), committed while a new trial waits for its number: the new trial takes the next free one."""
    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    storage.create_trial(sid)
    other = sa.create_engine(postgres_url)
    created: list[tuple[int, int]] = []
    try:
        with other.begin() as conn:  # number 1, inserted but not committed while the storage asks for one
            conn.execute(sa.text("INSERT INTO trials (study_id, number, state) VALUES (:sid, 1, :state)"),
                         {"sid": sid, "state": int(TrialState.RUNNING)})
            thread = threading.Thread(target=lambda: created.append(storage.create_trial(sid)))
            thread.start()
            thread.join(0.5)
            assert thread.is_alive(), "the new trial did not wait for the uncommitted number 1"
        thread.join(30)
    finally:
        other.dispose()
    assert [number for _, number in created] == [2]
    assert storage.create_trial(sid)[1] == 3
    assert sorted(t.number for t in storage.get_all_trials(sid)) == [0, 1, 2, 3]


def test_a_schema_2_database_gets_its_counters_on_open(postgres_url: str) -> None:
    storage = RDBStorage(postgres_url)
    sids = [storage.create_study(name, ["minimize"]) for name in ("a", "b", "empty")]
    for sid, n in zip(sids, (3, 1, 0)):
        for _ in range(n):
            storage.create_trial(sid)
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:  # back to schema 2, which had no counter
        conn.execute(sa.text("ALTER TABLE studies DROP COLUMN next_number"))
        conn.execute(sa.text("UPDATE version_info SET schema_version = 2"))
    engine.dispose()
    reopened = RDBStorage(postgres_url)
    assert [reopened.create_trial(sid)[1] for sid in sids] == [3, 1, 0]
    assert [reopened.get_n_trials(sid) for sid in sids] == [4, 2, 1]


def test_a_trial_finished_meanwhile_takes_no_more_writes(postgres_url: str) -> None:
    """A write that waits for a finish in progress finds the trial finished and raises, writing nothing."""
    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    other = sa.create_engine(postgres_url)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            storage.set_trial_params(tid, {"x": 0.5}, {"x": Float(0, 1)})
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            errors.append(exc)

    try:
        with other.begin() as conn:  # the finish holds the trial's row while the write arrives
            conn.execute(sa.text("UPDATE trials SET state = :done WHERE trial_id = :tid"),
                         {"done": int(TrialState.COMPLETE), "tid": tid})
            thread = threading.Thread(target=write)
            thread.start()
            thread.join(0.5)
            assert thread.is_alive(), "the write did not wait for the finish"
        thread.join(30)
    finally:
        other.dispose()
    assert len(errors) == 1 and type(errors[0]).__name__ == "TrialFinishedError"
    assert storage.get_trial(tid).params == {}
    assert storage.record_heartbeat(tid) is False


def test_a_read_of_finished_trials_costs_one_statement_new_trials_or_not(postgres_url: str) -> None:
    """The samplers' read at each ask: the study's version, its new trials and their rows come in one
    statement, whether the study changed or not."""
    storage, writer = RDBStorage(postgres_url), RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    for value in (1.0, 2.0, 3.0):
        writer.finish_trial(writer.create_trial(sid)[0], TrialState.COMPLETE, [value])
    assert len(storage.get_all_trials(sid, (TrialState.COMPLETE,))) == 3
    with counted(storage) as seen:
        assert len(storage.get_all_trials(sid, (TrialState.COMPLETE,))) == 3
    assert len(seen) == 1
    template = TrialTemplate(params={"x": 0.25, "n": 2**60}, distributions={"x": Float(0, 1), "n": Int(0, 2**62)},
                             user_attrs={"u": [1]}, system_attrs={"s": "t"})
    tid, _ = writer.create_trial(sid, template)
    writer.set_trial_intermediate_value(tid, 1, 0.5)
    writer.finish_trial(tid, TrialState.COMPLETE, [4.0])
    with counted(storage) as seen:
        trials = storage.get_all_trials(sid, (TrialState.COMPLETE,))
    assert len(seen) == 1
    assert [t.values for t in trials] == [(1.0,), (2.0,), (3.0,), (4.0,)]
    assert trials[-1] == RDBStorage(postgres_url).get_trial(tid) and trials[-1].params["n"] == 2**60


def test_a_finish_returns_the_record_a_fresh_read_finds(postgres_url: str) -> None:
    """The finish's one statement returns the trial's rows as its snapshot holds them, plus what it writes:
    the same record as a read after the commit, attributes it replaces included."""
    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize", "maximize"])
    template = TrialTemplate(params={"x": 0.25}, distributions={"x": Float(0, 1)}, user_attrs={"u": [1, 2]},
                             system_attrs={"kept": 1, "replaced": 2})
    tid, _ = storage.create_trial(sid, template)
    storage.set_trial_intermediate_value(tid, 2, float("nan"))
    storage.set_trial_intermediate_value(tid, 1, 0.5)
    with counted(storage) as seen:
        final = storage.finish_trial(tid, TrialState.COMPLETE, [1.5, -2.0], {"replaced": (3, 4), "new": {"a": 1}})
    assert len(seen) == 1
    fresh = RDBStorage(postgres_url).get_trial(tid)
    assert final.system_attrs == {"kept": 1, "replaced": [3, 4], "new": {"a": 1}}
    assert final.values == (1.5, -2.0) and final.user_attrs == {"u": [1, 2]}
    assert str(final) == str(fresh)  # NaN != NaN: compare the records' text
    bare, _ = storage.create_trial(sid)
    assert storage.finish_trial(bare, TrialState.FAIL, None) == RDBStorage(postgres_url).get_trial(bare)


def test_a_write_that_the_finish_waited_for_is_in_its_record(postgres_url: str) -> None:
    """A parameter written while the finish arrives (committed after the finish's snapshot was taken): the
    finish waits for it and its record holds it, as a read after the commit does."""
    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    assert storage._pg is not None
    put = storage._pg.put_running[id(sql._PARAMS)]
    rows = sql._pg_arrays(sql._PARAMS, sql._param_rows({"x": 0.5}, {"x": Float(0, 1)}))
    other = sa.create_engine(postgres_url)
    finals: list[Any] = []
    try:
        with other.begin() as conn:  # the write holds the trial's row while the finish arrives
            assert conn.execute(put, {"tid": tid, **rows}).rowcount == 1
            thread = threading.Thread(target=lambda: finals.append(storage.finish_trial(tid, TrialState.COMPLETE,
                                                                                        [1.0])))
            thread.start()
            thread.join(0.5)
            assert thread.is_alive(), "the finish did not wait for the write"
        thread.join(30)
    finally:
        other.dispose()
    assert [f.params for f in finals] == [{"x": 0.5}]
    assert finals[0] == RDBStorage(postgres_url).get_trial(tid)


_DOWNGRADES = {
    2: ["ALTER TABLE studies DROP COLUMN next_number"],
    1: ["ALTER TABLE studies DROP COLUMN next_number", "ALTER TABLE studies DROP COLUMN waiting_version",
        "ALTER TABLE trial_params DROP COLUMN exact_value", "DROP TABLE trial_heartbeats", "DROP TABLE request_results"],
}


@pytest.mark.parametrize("schema", [1, 2])
def test_a_read_only_connection_reads_an_old_schema_in_one_statement(postgres_url: str, schema: int) -> None:
    """The one-statement read of a study's trials is built for each older schema that a read-only connection
    (the dashboard's, the command's) reads as it is."""
    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    for i in range(3):
        tid, _ = storage.create_trial(sid, TrialTemplate(params={"x": i / 4}, distributions={"x": Float(0, 1)},
                                                         user_attrs={"u": i}))
        storage.set_trial_intermediate_value(tid, 1, float(i))
        storage.finish_trial(tid, TrialState.COMPLETE, [float(i)])
    expected = storage.get_all_trials(sid)
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        for statement in _DOWNGRADES[schema]:
            conn.execute(sa.text(statement))
        conn.execute(sa.text("UPDATE version_info SET schema_version = :v"), {"v": schema})
    try:
        reader = RDBStorage(postgres_url, engine_kwargs={
            "connect_args": {"options": "-c default_transaction_read_only=on"}})
        assert reader._reads is sql._OLD_READS[schema]
        with counted(reader) as seen:
            assert reader.get_all_trials(sid) == expected
        assert len(seen) == 1
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT schema_version FROM version_info")).scalar() == schema
    finally:
        engine.dispose()
