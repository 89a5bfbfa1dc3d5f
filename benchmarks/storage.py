"""Shared-storage execution: parzen's storages and executors beside optuna's, on the same servers in one run.

(a) throughput: finished trials per second of a no-op objective with 1, 4 and 8 worker processes on
    SQLite, PostgreSQL and Redis, beside optuna's RDB storage (SQLite, PostgreSQL) and JournalStorage
    (file, Redis). ``--prefill N`` first fills each study to N trials, to measure a study that is
    already large. Every run checks that the study ends with exactly the expected trials, numbered
    0..N-1 once each (the load test of issue 10 at ``--workers 8 --trials-per-worker 250``).
(b) latency: milliseconds of one ask + tell, and of one read of the finished trials (what a model-based
    sampler does each trial), once a study holds each of ``--sizes`` trials, in a long-running worker.
(c) dask: seconds per trial of a no-op objective on a 2-worker ``LocalCluster`` beside the thread
    executor with 2 threads.
(d) async: the longest stall of the event loop while ``optimize_async`` runs with the default sampler,
    and the loop's time lost to stalls in all, beside asking and telling on the loop itself.

PostgreSQL and Redis are throwaway servers on loopback (tests/_servers.py), one database per study.
Usage:

    python benchmarks/storage.py                       # everything, full size
    python benchmarks/storage.py --workers 1 4 --trials-per-worker 100 --sizes 1000 5000 --prefill 0
    python benchmarks/storage.py --only dask async
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import pathlib
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from typing import Any, Callable

import parzen
from parzen import TrialState

ROOT = pathlib.Path(__file__).resolve().parents[1]
BACKENDS = ("sqlite", "postgres", "redis")
SECTIONS = ("throughput", "latency", "dask", "async")
LATENCY_STEPS = 50


# --- storages by back end ------------------------------------------------------------------
class Servers:
    """The throwaway PostgreSQL and Redis servers of the run (those of the tests) and a folder for files."""

    def __init__(self, backends: list[str]) -> None:
        self._owned: list[Any] = []
        self._pg: Any = None
        self._redis: Any = None
        self._count = 0
        sys.path.insert(0, str(ROOT / "tests"))
        import _servers

        if "postgres" in backends:
            self._pg = _servers.PostgresServer()
            self._owned.append(self._pg)
        if "redis" in backends:
            self._redis = _servers.RedisServer()
            self._owned.append(self._redis)
        self._tmp = tempfile.mkdtemp(prefix="parzen-bench-")

    def url(self, backend: str, peer: str) -> str:
        """A fresh URL (a new database, file or Redis index) for ``peer`` ("parzen" or an optuna storage kind)."""
        self._count += 1
        if backend == "sqlite":
            ext = "log" if peer == "optuna-journal" else "db"
            return f"sqlite:///{self._tmp}/{peer}-{self._count}.{ext}"
        if backend == "postgres":
            return str(self._pg.new_url())
        return str(self._redis.new_url())

    def close(self) -> None:
        for server in self._owned:
            server.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


PEERS = {  # the storages compared on each back end
    "sqlite": ("parzen", "optuna-rdb", "optuna-journal"),
    "postgres": ("parzen", "optuna-rdb"),
    "redis": ("parzen", "optuna-journal"),
}


def _optuna_storage(peer: str, url: str) -> Any:
    import optuna

    if peer == "optuna-rdb":
        return optuna.storages.RDBStorage(url)
    from optuna.storages.journal import JournalFileBackend, JournalRedisBackend

    if url.startswith("sqlite:///"):
        return optuna.storages.JournalStorage(JournalFileBackend(url[len("sqlite:///"):]))
    return optuna.storages.JournalStorage(JournalRedisBackend(url))


class Study:
    """One study of parzen or optuna behind the four calls the benchmark makes."""

    def __init__(self, peer: str, url: str, name: str, create: bool, seed: int = 0) -> None:
        self.peer = peer
        if peer == "parzen":
            sampler = parzen.RandomSampler(seed=seed)
            self._study = (parzen.create_study(storage=url, study_name=name, sampler=sampler) if create
                           else parzen.load_study(name, storage=url, sampler=sampler))
            return
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = _optuna_storage(peer, url)
        sampler = optuna.samplers.RandomSampler(seed=seed)
        self._study = (optuna.create_study(storage=storage, study_name=name, sampler=sampler) if create
                       else optuna.load_study(study_name=name, storage=storage, sampler=sampler))

    def optimize(self, n_trials: int) -> None:
        self._study.optimize(_noop, n_trials=n_trials)

    def ask_tell(self) -> None:
        trial = self._study.ask()
        self._study.tell(trial, _noop(trial))

    def read_finished(self) -> None:
        if self.peer == "parzen":
            self._study.get_trials((TrialState.COMPLETE,))
        else:
            import optuna

            self._study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))

    def numbers(self) -> list[int]:
        return sorted(t.number for t in self._study.trials if t.state.name == "COMPLETE")


def _noop(trial: Any) -> float:
    return trial.suggest_float("x", 0.0, 1.0)


# --- (a) throughput ------------------------------------------------------------------------
def _worker(peer: str, url: str, name: str, n_trials: int, seed: int, ready: Any, go: Any) -> None:
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    study = Study(peer, url, name, create=False, seed=seed)
    ready.put(seed)
    go.wait()
    study.optimize(n_trials)


def throughput(peer: str, url: str, n_workers: int, per_worker: int, prefill: int) -> str:
    """Finished trials per second of ``n_workers`` processes, each running ``per_worker`` no-op trials,
    or why the run failed (a worker crashed, trials are missing or doubled)."""
    name = f"tp-{n_workers}"
    study = Study(peer, url, name, create=True)
    if prefill:
        study.optimize(prefill)
    ctx = multiprocessing.get_context("spawn")
    go, ready = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(peer, url, name, per_worker, i + 1, ready, go))
             for i in range(n_workers)]
    for p in procs:
        p.start()
    for _ in procs:  # every worker has imported and connected before the clock starts
        ready.get(timeout=300)
    started = time.perf_counter()
    go.set()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    expected = prefill + n_workers * per_worker
    numbers = study.numbers()
    if numbers != list(range(expected)) or any(p.exitcode for p in procs):
        crashed = sum(1 for p in procs if p.exitcode)
        return (f"failed: {len(numbers)} of {expected} trials finished"
                + (f", {crashed} worker(s) crashed" if crashed else ""))
    return f"{n_workers * per_worker / elapsed:.0f}"


# --- (b) latency ---------------------------------------------------------------------------
def latency(peer: str, url: str, sizes: list[int]) -> dict[int, tuple[float, float]]:
    """Milliseconds per ask + tell, and per read of the finished trials, once the study holds each size."""
    study = Study(peer, url, "latency", create=True)
    out: dict[int, tuple[float, float]] = {}
    held = 0
    for size in sizes:
        if size > held:
            study.optimize(size - held)
            held = size
        asking = reading = 0.0
        for _ in range(LATENCY_STEPS):
            started = time.perf_counter()
            study.ask_tell()
            middle = time.perf_counter()
            study.read_finished()
            asking, reading = asking + middle - started, reading + time.perf_counter() - middle
        held += LATENCY_STEPS
        out[size] = (asking / LATENCY_STEPS * 1e3, reading / LATENCY_STEPS * 1e3)
    return out


# --- (c) dask ------------------------------------------------------------------------------
def dask_overhead(n_trials: int) -> dict[str, float]:
    """Milliseconds per no-op trial with 2 Dask workers (LocalCluster, processes) and with 2 threads."""
    import distributed

    logging.getLogger("distributed").setLevel(logging.ERROR)
    out = {}
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    started = time.perf_counter()
    study.optimize(_noop, n_trials=n_trials, n_jobs=2)
    out["thread"] = (time.perf_counter() - started) / n_trials * 1e3
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
        study.optimize(_noop, n_trials=10, n_jobs=2, executor=client)  # warm the workers
        study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
        started = time.perf_counter()
        study.optimize(_noop, n_trials=n_trials, n_jobs=2, executor=client)
        out["dask"] = (time.perf_counter() - started) / n_trials * 1e3
    return out


# --- (d) async -----------------------------------------------------------------------------
async def _longest_stall(work: Callable[[], Any]) -> tuple[float, float]:
    """The longest gap between ticks of a 1 ms ticker while ``work()`` runs, and the loop's time lost to
    gaps past 5 ms (the GIL's switch interval) in all, both in milliseconds."""
    gaps: list[float] = []
    done = False

    async def ticker() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.ensure_future(ticker())
    await work()
    done = True
    await tick
    return max(gaps) * 1e3, sum(max(0.0, gap - 0.005) for gap in gaps) * 1e3


def async_stall(n_trials: int) -> dict[str, tuple[float, float]]:
    """Longest loop stall with ``optimize_async`` (sampling in a thread) and with ask/tell on the loop."""

    async def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -5.0, 5.0)
        y = trial.suggest_float("y", -5.0, 5.0)
        await asyncio.sleep(0.005)
        return x * x + y * y

    async def with_optimize_async() -> None:
        await parzen.create_study(seed=0).optimize_async(objective, n_trials=n_trials, concurrency=4)

    async def on_the_loop() -> None:
        study = parzen.create_study(seed=0)
        for _ in range(n_trials):
            trial = study.ask({"x": parzen.Float(-5.0, 5.0), "y": parzen.Float(-5.0, 5.0)})
            await asyncio.sleep(0.005)
            study.tell(trial, trial.params["x"] ** 2 + trial.params["y"] ** 2)

    async def idle() -> None:
        await asyncio.sleep(2.0)

    async def beside_a_spinning_thread() -> None:
        stop = threading.Event()

        def spin() -> None:
            while not stop.is_set():
                pass

        thread = threading.Thread(target=spin, daemon=True)
        thread.start()
        await asyncio.sleep(2.0)
        stop.set()

    asyncio.run(with_optimize_async())  # imports and first fits happen before any clock runs
    return {"optimize_async": asyncio.run(_longest_stall(with_optimize_async)),
            "ask/tell on the loop": asyncio.run(_longest_stall(on_the_loop)),
            "an idle loop (the machine's own noise)": asyncio.run(_longest_stall(idle)),
            "an idle loop beside a thread spinning in Python (the GIL's floor)":
                asyncio.run(_longest_stall(beside_a_spinning_thread))}


# --- report --------------------------------------------------------------------------------
def main() -> None:
    warnings.simplefilter("ignore")  # optuna's ExperimentalWarning for its Redis journal, on every open
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # servers stop in `finally`
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 4, 8])
    parser.add_argument("--trials-per-worker", type=int, default=250)
    parser.add_argument("--prefill", type=int, default=10_000, help="trials in each study before throughput")
    parser.add_argument("--sizes", nargs="+", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--no-peers", action="store_true", help="parzen only")
    parser.add_argument("--dask-trials", type=int, default=300)
    parser.add_argument("--async-trials", type=int, default=100)
    args = parser.parse_args()
    backends = args.backends if {"throughput", "latency"} & set(args.only) else []
    servers = Servers(backends)
    try:
        if "throughput" in args.only:
            print(f"\n(a) finished trials/s, no-op objective, {args.trials_per_worker} trials per worker, "
                  f"studies prefilled to {args.prefill} trials")
            print(f"| back end | storage | {' | '.join(f'{n} workers' for n in args.workers)} |")
            print(f"|---|---|{'---:|' * len(args.workers)}")
            for backend in backends:
                for peer in PEERS[backend][:1 if args.no_peers else None]:
                    cells = [throughput(peer, servers.url(backend, peer), n, args.trials_per_worker, args.prefill)
                             for n in args.workers]
                    print(f"| {backend} | {peer} | {' | '.join(cells)} |", flush=True)
        if "latency" in args.only:
            print(f"\n(b) ms per ask + tell / per read of the finished trials, mean of {LATENCY_STEPS}, one worker")
            print(f"| back end | storage | {' | '.join(f'at {s:,}' for s in args.sizes)} |")
            print(f"|---|---|{'---:|' * len(args.sizes)}")
            for backend in backends:
                for peer in PEERS[backend][:1 if args.no_peers else None]:
                    cells = latency(peer, servers.url(backend, peer), args.sizes)
                    row = " | ".join(f"{cells[s][0]:.2f} / {cells[s][1]:.2f}" for s in args.sizes)
                    print(f"| {backend} | {peer} | {row} |", flush=True)
        if "dask" in args.only:
            cells = dask_overhead(args.dask_trials)
            print(f"\n(c) ms per no-op trial, {args.dask_trials} trials, 2 workers: thread executor "
                  f"{cells['thread']:.2f}, Dask LocalCluster (2 processes) {cells['dask']:.2f}", flush=True)
        if "async" in args.only:
            cells = async_stall(args.async_trials)
            print(f"\n(d) event-loop stalls, default sampler, {args.async_trials} trials: longest / lost past 5 ms")
            for what, (longest, lost) in cells.items():
                print(f"| {what} | {longest:.1f} ms | {lost:.0f} ms |", flush=True)
    finally:
        servers.close()
    print(f"\n(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
