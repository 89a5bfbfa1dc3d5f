"""What only the SQL storage promises: schema versions, persistence, processes, caching, pickling."""

from __future__ import annotations

import multiprocessing
import pickle
import random
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from parzen.exceptions import SchemaVersionError
from parzen.space import Categorical, Float, Int
from parzen.storages import get_storage, sql
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
    assert rows[0][0] == SCHEMA_VERSION == 3
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


# --- opening only what is parzen's, creating only to write -------------------------------
def test_load_study_on_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    import parzen
    from parzen.exceptions import StudyNotFoundError

    path = tmp_path / "missing.db"
    with pytest.raises(StudyNotFoundError, match="missing.db"):
        parzen.load_study(study_name="s", storage=_url(path))
    storage = RDBStorage(_url(path))
    assert storage.get_all_studies() == []
    with pytest.raises(KeyError):
        storage.get_trial(1)
    assert not path.exists()
    storage.create_study("s", ["minimize"])
    assert path.exists() and parzen.load_study(study_name="s", storage=_url(path)).study_name == "s"


def _foreign_file(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.close()


def test_another_applications_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    import parzen
    from parzen.exceptions import StorageError

    path = tmp_path / "app.db"
    _foreign_file(path)
    before = path.read_bytes()
    with pytest.raises(StorageError, match=r"app\.db.*not a parzen database.*customers"):
        parzen.create_study(study_name="s", storage=_url(path))
    assert path.read_bytes() == before
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["customers"]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_an_empty_file_becomes_a_parzen_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    storage = RDBStorage(_url(path))
    assert storage.get_all_studies() == [] and path.stat().st_size == 0
    storage.create_study("s", ["minimize"])
    assert RDBStorage(_url(path)).get_study_id("s") == storage.get_study_id("s")


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    from parzen.exceptions import StorageError

    path = tmp_path / "notes.db"
    path.write_text("these are notes, not a database\n" * 100)
    with pytest.raises(StorageError, match=r"notes\.db.*not an SQLite database"):
        RDBStorage(_url(path))
    assert path.read_text().startswith("these are notes")


@pytest.mark.parametrize("damage", ["UPDATE version_info SET schema_version = 'abc'",
                                    "UPDATE version_info SET schema_version = '2x'", "DELETE FROM version_info"])
def test_a_corrupt_schema_version_is_named(db: Path, damage: str) -> None:
    RDBStorage(_url(db)).create_study("a", ["minimize"])
    with sqlite3.connect(db) as conn:
        conn.execute(damage)
    conn.close()
    with pytest.raises(SchemaVersionError, match=rf"{db.name}.*(corrupt schema version|without a schema version)"):
        RDBStorage(_url(db))


def test_a_newer_schema_is_refused_without_change(db: Path) -> None:
    RDBStorage(_url(db)).create_study("a", ["minimize"])
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"UPDATE version_info SET schema_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(SchemaVersionError, match="not modified"):
        RDBStorage(_url(db))
    assert db.read_bytes() == before


def test_schema_1_is_upgraded_with_its_trials(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    shutil.copy(Path(__file__).parent / "data" / "schema_v1.db", path)
    storage = RDBStorage(_url(path))
    sid = storage.get_study_id("written by schema 1")
    trials = storage.get_all_trials(sid)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3 + [TrialState.RUNNING]
    assert [t.params for t in trials[:3]] == [{"x": i / 4, "n": i, "c": "ab"[i % 2]} for i in range(3)]
    assert [t.intermediate_values for t in trials[:3]] == [{1: float(i)} for i in range(3)]
    assert storage.get_study_user_attrs(sid) == {"note": "kept"}
    running = trials[3].trial_id
    assert storage.record_heartbeat(running) is True
    storage.set_trial_params(running, {"n": 2**60 + 1}, {"n": Int(0, 2**61)})
    assert storage.get_trial(running).params == {"n": 2**60 + 1}
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT schema_version FROM version_info").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_big_integers_survive_another_process_reading(db: Path) -> None:
    storage = RDBStorage(_url(db))
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    storage.set_trial_params(tid, {"n": 2**53 + 1, "m": -(2**62) + 3}, {"n": Int(0, 2**62), "m": Int(-(2**62), 0)})
    assert RDBStorage(_url(db)).get_trial(tid).params == {"n": 2**53 + 1, "m": -(2**62) + 3}


# --- transient errors --------------------------------------------------------------------
def test_a_locked_file_is_waited_for(db: Path) -> None:
    storage = RDBStorage(_url(db), engine_kwargs={"connect_args": {"timeout": 0.05}}, retry_timeout=30)
    sid = storage.create_study("a", ["minimize"])
    locker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.6, locker.rollback)
    release.start()
    try:
        tid, number = storage.create_trial(sid)  # fails "database is locked" until the lock goes
    finally:
        release.join()
        locker.close()
    assert number == 0 and storage.get_trial(tid).state == TrialState.RUNNING


def test_a_lock_held_too_long_names_the_file(db: Path) -> None:
    from parzen.exceptions import StorageError

    storage = RDBStorage(_url(db), engine_kwargs={"connect_args": {"timeout": 0.05}}, retry_timeout=0.3)
    sid = storage.create_study("a", ["minimize"])
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageError, match=rf"{db.name}.*create_trial.*retry_timeout=0.3.*locked"):
            storage.create_trial(sid)
    finally:
        locker.close()
    assert storage.get_n_trials(sid) == 0


@pytest.mark.parametrize("bad, error", [("soon", TypeError), (-1, ValueError), (float("inf"), ValueError)])
def test_retry_timeout_is_checked(db: Path, bad: Any, error: type) -> None:
    with pytest.raises(error, match="retry_timeout"):
        RDBStorage(_url(db), retry_timeout=bad)


def test_cache_selects_by_state_like_a_filter() -> None:
    rng = random.Random(0)
    cache = sql._StudyCache()
    states = list(TrialState)
    for round_ in range(30):
        fresh = [FrozenTrial(number=n, trial_id=n, state=rng.choice(states))
                 for n in range(len(cache.trials), len(cache.trials) + rng.randint(0, 4))]
        fresh += [FrozenTrial(number=n, trial_id=n, state=rng.choice(states)) for n in cache.open_numbers
                  if rng.random() < 0.3]
        cache.merge(fresh)
        for wanted in [None, (), (TrialState.RUNNING,), (TrialState.COMPLETE,), (TrialState.WAITING, TrialState.FAIL),
                       (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL),
                       (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING), tuple(states)]:
            expected = [t for t in cache.trials if wanted is None or t.state in wanted]
            assert cache.select(wanted) == expected, (round_, wanted)
