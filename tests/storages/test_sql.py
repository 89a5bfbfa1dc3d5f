"""What only the SQL storage promises: schema versions, persistence, processes, caching, pickling."""

from __future__ import annotations

import multiprocessing
import pickle
import random
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from parzen.exceptions import SchemaVersionError
from parzen.space import Categorical, Float, Int
from parzen.storages import get_storage
from parzen.storages import sql
from parzen.storages._base import TrialTemplate
from parzen.storages.sql import SCHEMA_VERSION, RDBStorage
from parzen.trial import FrozenTrial, TrialState

N_PROCESSES = 4


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "s.db"


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


# --- worker processes --------------------------------------------------------------------
# Module-level so that spawned processes can import it. Both scenarios share one set of
# processes because starting them (importing parzen) costs far more than the work.
PER_PROCESS_TRIALS = 50
CLAIM_KEYS = [f"grid:{i}" for i in range(100)]


def _worker(storage: RDBStorage, barrier: Any, queue: Any, seed: int) -> None:
    """Create and finish trials, then claim keys, starting each phase with the others."""
    barrier.wait(timeout=60)
    study_id = storage.get_study_id("trials")
    numbers = []
    for _ in range(PER_PROCESS_TRIALS):
        trial_id, number = storage.create_trial(study_id)
        storage.set_trial_params(trial_id, {"x": float(number)}, {"x": Float(0, 1000)})
        storage.finish_trial(trial_id, TrialState.COMPLETE, [float(number)])
        numbers.append(number)
    barrier.wait(timeout=60)
    claims_id = storage.get_study_id("claims")
    won = [key for key in random.Random(seed).sample(CLAIM_KEYS, len(CLAIM_KEYS)) if storage.claim(claims_id, key)]
    queue.put((numbers, won))


@pytest.fixture(scope="module")
def process_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[RDBStorage, list[Any]]:
    """Run N_PROCESSES spawned workers on one SQLite file; the storage is pickled to each."""
    storage = RDBStorage(_url(tmp_path_factory.mktemp("mp") / "s.db"))
    storage.create_study("trials", ["minimize"])
    storage.create_study("claims", ["minimize"])
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(N_PROCESSES)
    queue = ctx.Queue()
    processes = [ctx.Process(target=_worker, args=(storage, barrier, queue, seed)) for seed in range(N_PROCESSES)]
    for p in processes:
        p.start()
    try:
        results = [queue.get(timeout=120) for _ in processes]
    finally:
        for p in processes:
            p.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * N_PROCESSES
    return storage, results


# --- schema ------------------------------------------------------------------------------
def test_schema_version_is_written(db: Path) -> None:
    RDBStorage(_url(db)).create_study("a", ["minimize"])
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT schema_version, library_version FROM version_info").fetchall()
    assert len(rows) == 1
    assert rows[0][0] == SCHEMA_VERSION == 2
    assert isinstance(rows[0][1], str) and rows[0][1]


def test_schema_version_mismatch_raises(db: Path) -> None:
    storage = RDBStorage(_url(db))
    storage.create_study("a", ["minimize"])
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE version_info SET schema_version = 999")
    with pytest.raises(SchemaVersionError, match=rf"schema version 999.*schema version {SCHEMA_VERSION}\b"):
        RDBStorage(_url(db))


def test_missing_directory_names_the_url(tmp_path: Path) -> None:
    url = _url(tmp_path / "no" / "such" / "dir" / "s.db")
    with pytest.raises(FileNotFoundError, match="no/such/dir"):
        RDBStorage(url)


def test_sqlite_uses_wal(db: Path) -> None:
    RDBStorage(_url(db)).create_study("a", ["minimize"])
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_get_storage_opens_sqlite_urls(db: Path) -> None:
    storage = get_storage(_url(db))
    assert isinstance(storage, RDBStorage)
    assert storage.url == _url(db)


# --- persistence and atomicity -----------------------------------------------------------
def test_study_persists_after_reopening(db: Path) -> None:
    storage = RDBStorage(_url(db))
    sid = storage.create_study("kept", ["minimize", "maximize"])
    storage.set_study_user_attr(sid, "note", {"a": 1})
    tid, _ = storage.create_trial(sid, TrialTemplate(user_attrs={"u": 1}))
    storage.set_trial_params(tid, {"x": 0.5, "n": 3, "c": True},
                             {"x": Float(0, 1), "n": Int(0, 5), "c": Categorical((True, False))})
    storage.set_trial_intermediate_value(tid, 2, 0.75)
    final = storage.finish_trial(tid, TrialState.COMPLETE, [1.0, 2.0])
    storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING, fixed_params={"x": 0.25}))
    before = storage.get_all_trials(sid)
    del storage

    reopened = RDBStorage(_url(db))
    assert reopened.get_study_id("kept") == sid
    assert reopened.get_study_directions(sid) == ("minimize", "maximize")
    assert reopened.get_study_user_attrs(sid) == {"note": {"a": 1}}
    assert reopened.get_all_trials(sid) == before
    assert reopened.get_trial(tid) == final
    assert reopened.create_trial(sid)[1] == 2


def test_failed_write_leaves_no_half_trial(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = RDBStorage(_url(db))
    sid = storage.create_study("a", ["minimize"])

    class Broken:
        def add(self, *args: Any) -> None:
            raise RuntimeError("crash in the middle of create_trial")

    monkeypatch.setattr(sql, "_TRIAL_SYSTEM_ATTRS", Broken())
    with pytest.raises(RuntimeError, match="crash"):
        storage.create_trial(sid, TrialTemplate(params={"x": 0.5}, distributions={"x": Float(0, 1)},
                                                system_attrs={"s": 1}))
    monkeypatch.undo()
    assert storage.get_n_trials(sid) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM trial_params").fetchone()[0] == 0
    assert storage.create_trial(sid)[1] == 0


# --- caching -----------------------------------------------------------------------------
def test_finished_trials_are_served_from_the_cache(db: Path) -> None:
    storage = RDBStorage(_url(db))
    sid = storage.create_study("a", ["minimize"])
    for _ in range(3):
        tid, _ = storage.create_trial(sid)
        storage.finish_trial(tid, TrialState.COMPLETE, [1.0])
    first = storage.get_all_trials(sid)
    with sqlite3.connect(db) as conn:  # a change no storage would make: the cache must not see it
        conn.execute("UPDATE trial_values SET value = 99")
    second = storage.get_all_trials(sid)
    assert all(a is b for a, b in zip(first, second))
    assert [t.values for t in second] == [(1.0,)] * 3
    assert storage.get_trial(first[0].trial_id) is first[0]
    assert RDBStorage(_url(db)).get_all_trials(sid)[0].values == (99.0,)


def test_cache_sees_changes_made_by_another_storage_object(db: Path) -> None:
    mine, theirs = RDBStorage(_url(db)), RDBStorage(_url(db))
    sid = mine.create_study("a", ["minimize"])
    tid, _ = mine.create_trial(sid)
    mine.create_trial(sid, TrialTemplate(state=TrialState.WAITING))
    assert [t.state for t in mine.get_all_trials(sid)] == [TrialState.RUNNING, TrialState.WAITING]

    theirs.set_trial_params(tid, {"x": 0.5}, {"x": Float(0, 1)})
    theirs.finish_trial(tid, TrialState.COMPLETE, [3.0])
    popped = theirs.pop_waiting_trial(sid)
    new_id, new_number = theirs.create_trial(sid)

    trials = mine.get_all_trials(sid)
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.RUNNING, TrialState.RUNNING]
    assert trials[0].params == {"x": 0.5} and trials[0].values == (3.0,)
    assert trials[1].trial_id == popped
    assert (trials[2].trial_id, trials[2].number) == (new_id, new_number)
    assert mine.get_trial(tid).state == TrialState.COMPLETE
    assert mine.get_n_trials(sid, states=(TrialState.COMPLETE,)) == 1


def test_cache_merge_never_goes_back() -> None:
    def trial(number: int, state: TrialState) -> FrozenTrial:
        return FrozenTrial(number=number, trial_id=100 + number, state=state)

    cache = sql._StudyCache()
    cache.merge([trial(1, TrialState.RUNNING), trial(0, TrialState.RUNNING)])
    assert [t.number for t in cache.trials] == [0, 1] and cache.open_numbers == {0, 1}
    finished = trial(0, TrialState.COMPLETE)
    cache.merge([finished])
    assert cache.trials[0] is finished and cache.open_numbers == {1}
    cache.merge([trial(0, TrialState.RUNNING)])  # a read that started before the trial finished
    assert cache.trials[0] is finished and cache.open_numbers == {1}
    cache.merge([trial(3, TrialState.COMPLETE)])  # number 2 not seen yet: wait for it
    assert len(cache.trials) == 2
    cache.merge([trial(2, TrialState.WAITING), trial(3, TrialState.COMPLETE)])
    assert [t.number for t in cache.trials] == [0, 1, 2, 3] and cache.open_numbers == {1, 2}


def test_threads_reading_while_writing_end_consistent(db: Path) -> None:
    storage = RDBStorage(_url(db))
    sid = storage.create_study("a", ["minimize"])
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for i in range(25):
                tid, _ = storage.create_trial(sid)
                storage.set_trial_params(tid, {"x": i / 25}, {"x": Float(0, 1)})
                storage.get_all_trials(sid)
                storage.finish_trial(tid, TrialState.COMPLETE, [float(i)])
        except BaseException as exc:  # surfaced below: a thread cannot fail the test itself
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(40):
                numbers = [t.number for t in storage.get_all_trials(sid)]
                assert numbers == list(range(len(numbers)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)] + [threading.Thread(target=reader)
                                                                      for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    cached = storage.get_all_trials(sid)
    assert cached == RDBStorage(_url(db)).get_all_trials(sid)
    assert len(cached) == 100 and all(t.state == TrialState.COMPLETE for t in cached)


# --- processes and pickling --------------------------------------------------------------
def test_pickle_round_trip(db: Path) -> None:
    storage = RDBStorage(_url(db))
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    copy = pickle.loads(pickle.dumps(storage))
    assert isinstance(copy, RDBStorage) and copy.url == storage.url
    copy.finish_trial(tid, TrialState.COMPLETE, [1.0])
    assert storage.get_trial(tid).state == TrialState.COMPLETE
    assert storage.create_trial(sid)[1] == 1


def test_processes_get_unique_trial_numbers(process_results: tuple[RDBStorage, list[Any]]) -> None:
    storage, results = process_results
    total = N_PROCESSES * PER_PROCESS_TRIALS
    assert sorted(n for numbers, _ in results for n in numbers) == list(range(total))
    trials = storage.get_all_trials(storage.get_study_id("trials"))
    assert [t.number for t in trials] == list(range(total))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert all(t.params == {"x": float(t.number)} and t.values == (float(t.number),) for t in trials)


def test_processes_claim_each_key_once(process_results: tuple[RDBStorage, list[Any]]) -> None:
    _, results = process_results
    won = [key for _, keys_won in results for key in keys_won]
    assert sorted(won) == sorted(CLAIM_KEYS)


# --- one database, several storage objects -----------------------------------------------
def test_same_backend_knows_a_database_by_its_file_not_its_url(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link").symlink_to(tmp_path)
    absolute = RDBStorage(_url(tmp_path / "s.db"))
    for spelling in ("sqlite:///s.db", _url(tmp_path / "link" / "s.db"), f"sqlite+pysqlite:///{tmp_path}/s.db"):
        assert absolute.same_backend(RDBStorage(spelling))
        assert RDBStorage(spelling).same_backend(absolute)
    assert absolute.same_backend(pickle.loads(pickle.dumps(absolute)))
    assert not absolute.same_backend(RDBStorage(_url(tmp_path / "other.db")))
    assert not absolute.same_backend(get_storage(None))


def test_in_memory_storages_are_only_their_own_backend() -> None:
    memory = get_storage(None)
    assert memory.same_backend(memory)
    assert not memory.same_backend(get_storage(None))
