"""What the PostgreSQL and Redis storages promise beyond the shared contract: URLs, versions checked
on open, several storage objects and processes on one database, and riding out a server restart.
Every test runs against real servers (tests/_servers.py)."""

from __future__ import annotations

import multiprocessing
import pickle
import random
import threading
import time
from typing import Any

import pytest

from parzen.exceptions import SchemaVersionError, StorageError
from parzen.space import Float
from parzen.storages import BaseStorage, get_storage
from parzen.storages._base import TrialTemplate
from parzen.storages.redis import FORMAT_VERSION, RedisStorage
from parzen.storages.sql import SCHEMA_VERSION, RDBStorage
from parzen.trial import TrialState

BACKENDS = ["postgresql", "redis"]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param.replace('postgresql', 'postgres')}_url"))


def test_get_storage_chooses_the_backend_by_url(postgres_url: str, redis_url: str) -> None:
    assert isinstance(get_storage(postgres_url), RDBStorage)
    assert isinstance(get_storage(redis_url), RedisStorage)
    assert get_storage(redis_url).url == redis_url


def test_storages_on_one_database_are_the_same_backend(url: str, redis_server: Any) -> None:
    a, b = get_storage(url), get_storage(url)
    assert a.same_backend(b) and b.same_backend(a)
    assert a.same_backend(pickle.loads(pickle.dumps(a)))
    other = get_storage(redis_server.new_url())
    assert not a.same_backend(other) and not other.same_backend(a)


def test_pickled_copy_writes_to_the_same_study(url: str) -> None:
    storage = get_storage(url)
    sid = storage.create_study("a", ["minimize"])
    tid, _ = storage.create_trial(sid)
    copy = pickle.loads(pickle.dumps(storage))
    copy.finish_trial(tid, TrialState.COMPLETE, [1.0])
    assert storage.get_trial(tid).values == (1.0,)
    assert storage.create_trial(sid)[1] == 1


def test_changes_through_another_storage_object_are_seen(url: str) -> None:
    mine, theirs = get_storage(url), get_storage(url)
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
    assert mine.get_n_trials(sid, states=(TrialState.COMPLETE,)) == 1


def test_redis_reads_a_long_study_in_chunks(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from parzen.storages import redis as redis_storage

    monkeypatch.setattr(redis_storage, "_LOAD_CHUNK", 7)
    writer = RedisStorage(redis_url)
    sid = writer.create_study("a", ["minimize"])
    for i in range(30):
        tid, _ = writer.create_trial(sid)
        writer.set_trial_params(tid, {"x": i / 30}, {"x": Float(0, 1)})
        if i % 3:
            writer.finish_trial(tid, TrialState.COMPLETE, [float(i)])
    trials = RedisStorage(redis_url).get_all_trials(sid)
    assert [t.number for t in trials] == list(range(30))
    assert [t.params["x"] for t in trials] == [i / 30 for i in range(30)]
    assert [t.values for t in trials] == [(float(i),) if i % 3 else None for i in range(30)]


def test_a_study_runs_on_the_server_and_is_loaded_elsewhere(url: str) -> None:
    import parzen

    study = parzen.create_study(storage=url, study_name="q", seed=0)
    study.enqueue_trial({"x": 0.25, "n": 2**60 + 7})
    study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.3) ** 2 + t.suggest_int("n", 0, 2**61) * 0,
                   n_trials=12, n_jobs=2)
    loaded = parzen.load_study(study_name="q", storage=url)
    assert [t.number for t in loaded.trials] == list(range(12))
    assert loaded.trials[0].params == {"x": 0.25, "n": 2**60 + 7}
    assert loaded.best_value == study.best_value and loaded.best_params == study.best_params
    assert parzen.get_all_study_names(url) == ["q"]


# --- versions ----------------------------------------------------------------------------
def test_redis_opens_without_writing_and_refuses_a_newer_format(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    storage = RedisStorage(redis_url)
    assert storage.get_all_studies() == []
    assert client.dbsize() == 0  # opening and reading wrote nothing
    storage.create_study("a", ["minimize"])
    assert client.get("parzen:format") == FORMAT_VERSION
    client.set("parzen:format", "99")
    before = {key: client.dump(key) for key in client.keys("*")}
    with pytest.raises(SchemaVersionError, match=r"format version 99.*not modified"):
        RedisStorage(redis_url)
    with pytest.raises(SchemaVersionError, match="format version 99"):
        storage.create_study("b", ["minimize"])  # an object opened earlier refuses to write too
    assert {key: client.dump(key) for key in client.keys("*")} == before


def test_postgres_refuses_a_newer_schema_without_change(postgres_url: str) -> None:
    import sqlalchemy as sa

    RDBStorage(postgres_url).create_study("a", ["minimize"])
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE version_info SET schema_version = {SCHEMA_VERSION + 1}"))
    with pytest.raises(SchemaVersionError, match=rf"schema version {SCHEMA_VERSION + 1}.*not modified"):
        RDBStorage(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT schema_version FROM version_info")).scalar() == SCHEMA_VERSION + 1
        assert conn.execute(sa.text("SELECT COUNT(*) FROM studies")).scalar() == 1
    engine.dispose()


# --- unreachable and restarting servers --------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda port: RDBStorage(f"postgresql+psycopg://parzen:s3cret@127.0.0.1:{port}/db", retry_timeout=0.5),
    lambda port: RedisStorage(f"redis://:s3cret@127.0.0.1:{port}/0", retry_timeout=0.5),
], ids=BACKENDS)
def test_an_unreachable_server_is_named_without_its_password(make: Any) -> None:
    from _servers import free_port

    port = free_port()
    started = time.monotonic()
    with pytest.raises(StorageError, match=rf"127\.0\.0\.1:{port}.*retry_timeout=0\.5") as info:
        make(port)
    assert time.monotonic() - started >= 0.5  # it did retry
    assert "s3cret" not in str(info.value) and "***" in str(info.value)


def test_a_wrong_database_or_user_fails_at_once(postgres_server: Any, redis_server: Any) -> None:
    import redis
    import sqlalchemy as sa

    for url in (postgres_server.url("no_such_database"),
                postgres_server.url("postgres").replace("//postgres@", "//nobody@")):
        with pytest.raises(sa.exc.OperationalError, match="does not exist"):  # no StorageError: not retried
            RDBStorage(url, retry_timeout=600)
    with pytest.raises(redis.exceptions.AuthenticationError):
        RedisStorage(redis_server.new_url().replace("redis://", "redis://nobody:wrong@"), retry_timeout=600)


def _write_trials(storage: BaseStorage, study_id: int, n: int, done: list[int], errors: list[BaseException]) -> None:
    try:
        for i in range(n):
            tid, number = storage.create_trial(study_id)
            storage.set_trial_params(tid, {"x": i / n}, {"x": Float(0, 1)})
            storage.finish_trial(tid, TrialState.COMPLETE, [float(number)])
            done.append(number)
            time.sleep(0.01)
    except BaseException as exc:  # surfaced by the test: a thread cannot fail it itself
        errors.append(exc)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_server_restart_is_ridden_out(backend: str, request: pytest.FixtureRequest) -> None:
    server = request.getfixturevalue(f"{backend.replace('postgresql', 'postgres')}_server")
    storage = get_storage(server.new_url())
    sid = storage.create_study("a", ["minimize"])
    done: list[int] = []
    errors: list[BaseException] = []
    writers = [threading.Thread(target=_write_trials, args=(storage, sid, 40, done, errors)) for _ in range(2)]
    for w in writers:
        w.start()
    while len(done) < 10 and not errors:
        time.sleep(0.01)
    server.stop()
    try:
        time.sleep(2.0)
        stalled = len(done)
        time.sleep(0.5)
        assert len(done) == stalled  # nothing finishes while the server is down
    finally:
        server.start()
    for w in writers:
        w.join(timeout=120)
    assert errors == []
    assert sorted(done) == list(range(80))
    trials = get_storage(storage.url).get_all_trials(sid)
    assert [t.number for t in trials] == list(range(80))
    assert all(t.state == TrialState.COMPLETE and t.values == (float(t.number),) for t in trials)


def test_redis_writes_sent_twice_happen_once(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A retried write whose first reply was lost carries the same request key: it must not write again."""
    import uuid

    storage = RedisStorage(redis_url)
    sid = storage.create_study("a", ["minimize"])
    storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING))
    same = uuid.uuid4()
    monkeypatch.setattr(uuid, "uuid4", lambda: same)  # every request below looks like a resend of the first
    first = storage.create_trial(sid)
    assert storage.create_trial(sid) == first
    assert storage.get_n_trials(sid) == 2
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=1))
    assert storage.claim(sid, "grid:0") is True and storage.claim(sid, "grid:0") is True  # the same claim, resent
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=2))
    popped = storage.pop_waiting_trial(sid)
    assert popped is not None and storage.pop_waiting_trial(sid) == popped
    monkeypatch.undo()
    assert storage.claim(sid, "grid:0") is False  # another request
    assert storage.pop_waiting_trial(sid) is None


def test_postgres_writes_whose_acknowledgement_is_lost_happen_once(postgres_url: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Each write below commits, then its connection "drops" before the answer arrives (injected, the
    only way to make this rare event certain): the retry must find the first result, not write again."""
    import contextlib

    import sqlalchemy as sa

    storage = RDBStorage(postgres_url)
    sid = storage.create_study("a", ["minimize"])
    waiting, _ = storage.create_trial(sid, TrialTemplate(state=TrialState.WAITING))
    original = RDBStorage._write
    lost: list[int] = []

    @contextlib.contextmanager
    def answer_lost_once(self: RDBStorage, *args: Any, **kwargs: Any) -> Any:
        with original(self, *args, **kwargs) as conn:
            yield conn
        if not lost:  # committed; now the acknowledgement is lost
            lost.append(1)
            raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    def lossy(call: Any) -> Any:
        lost.clear()
        monkeypatch.setattr(RDBStorage, "_write", answer_lost_once)
        try:
            return call()
        finally:
            monkeypatch.setattr(RDBStorage, "_write", original)
            assert lost, "no acknowledgement was lost"

    tid, number = lossy(lambda: storage.create_trial(sid))
    assert number == 1 and storage.get_n_trials(sid) == 2
    assert lossy(lambda: storage.claim(sid, "grid:0")) is True
    assert storage.claim(sid, "grid:0") is False
    assert lossy(lambda: storage.pop_waiting_trial(sid)) == waiting
    assert storage.pop_waiting_trial(sid) is None
    assert lossy(lambda: storage.fail_stale_trial(tid, "silent")) is True
    assert storage.get_trial(tid).state == TrialState.FAIL
    other = lossy(lambda: storage.create_study("b", ["minimize"]))
    assert storage.get_study_id("b") == other
    lossy(lambda: storage.delete_study(other))
    assert [s.study_name for s in storage.get_all_studies()] == ["a"]


# --- processes ---------------------------------------------------------------------------
PER_PROCESS_TRIALS = 40
CLAIM_KEYS = [f"grid:{i}" for i in range(60)]
N_PROCESSES = 3


def _worker(urls: list[str], barrier: Any, queue: Any, seed: int) -> None:
    """On each storage: create and finish trials, then claim keys, starting each phase with the others."""
    out = []
    for url in urls:
        storage = get_storage(url)
        barrier.wait(timeout=60)
        study_id = storage.get_study_id("trials")
        numbers = []
        for _ in range(PER_PROCESS_TRIALS):
            trial_id, number = storage.create_trial(study_id)
            storage.finish_trial(trial_id, TrialState.COMPLETE, [float(number)])
            numbers.append(number)
        barrier.wait(timeout=60)
        claims_id = storage.get_study_id("claims")
        keys = random.Random(seed).sample(CLAIM_KEYS, len(CLAIM_KEYS))
        out.append((numbers, [key for key in keys if storage.claim(claims_id, key)]))
    queue.put(out)


def test_processes_number_trials_densely_and_claim_once(postgres_url: str, redis_url: str) -> None:
    urls = [postgres_url, redis_url]
    for url in urls:
        storage = get_storage(url)
        storage.create_study("trials", ["minimize"])
        storage.create_study("claims", ["minimize"])
    # Forked, not spawned: a spawned child spends seconds importing what a fork already has. The
    # children open their own storages, so nothing of the parent's connections is shared.
    ctx = multiprocessing.get_context("fork")
    barrier, queue = ctx.Barrier(N_PROCESSES), ctx.Queue()
    processes = [ctx.Process(target=_worker, args=(urls, barrier, queue, seed)) for seed in range(N_PROCESSES)]
    for p in processes:
        p.start()
    try:
        results = [queue.get(timeout=120) for _ in processes]
    finally:
        for p in processes:
            p.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * N_PROCESSES
    for i, url in enumerate(urls):
        numbers = sorted(n for result in results for n in result[i][0])
        assert numbers == list(range(N_PROCESSES * PER_PROCESS_TRIALS)), url
        won = sorted(key for result in results for key in result[i][1])
        assert won == sorted(CLAIM_KEYS), url
        storage = get_storage(url)
        trials = storage.get_all_trials(storage.get_study_id("trials"))
        assert all(t.state == TrialState.COMPLETE and t.values == (float(t.number),) for t in trials)
