"""Dask executor: objectives run on a Dask cluster, the study and its sampler stay in the driver.

``optimize(executor="dask")`` starts a ``LocalCluster`` of ``n_jobs`` single-threaded worker
processes for the call; ``executor=client`` (a ``dask.distributed.Client``) uses that client's
cluster, any size, any machines, and leaves it running. Each trial is one Dask task: the objective
(pickled with cloudpickle by Dask) receives a :class:`DaskTrial`, whose calls (``suggest_*``,
``report``, ``should_prune``, ...) travel to the driver through Dask queues on the scheduler, so
workers need no access to the storage and define-by-run objectives work unchanged. A worker that
dies mid-trial loses only that attempt: the scheduler runs the task again on another worker, and
the trial's parameters, already stored in the driver, come back the same. ``trial_timeout`` fails
a trial that runs too long; like threads, a running Dask task cannot be stopped, only abandoned.
dask is imported only when this executor is used.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from parzen.execution.executor import Executor, Objective, Outcome
from parzen.execution.remote import RemoteTrial, serve_call
from parzen.execution.trial_runner import TrialTimeout, WorkerDied

if TYPE_CHECKING:
    from parzen.trial import Trial

# How long closing waits for the driver's request server to stop.
SERVER_JOIN_S = 2.0


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ImportError("executor='dask' needs dask.distributed: pip install 'parzen[dask]'") from exc
    return distributed


# Queues a worker process has opened, by name: each is created on the scheduler once per process.
_worker_queues: dict[str, Any] = {}
_worker_queues_lock = threading.Lock()
_PROCESS_TOKEN = uuid.uuid4().hex


def _worker_queue(name: str) -> Any:
    with _worker_queues_lock:
        found = _worker_queues.get(name)
        if found is None:
            found = _worker_queues[name] = _distributed().Queue(name)
        return found


class DaskTrial(RemoteTrial):
    """The stand-in trial of a Dask task: each call is a request on the driver's queue.

    Answers come back on a queue of the worker thread running the task, opened once per thread;
    each request carries an attempt id, so a task run again never takes an answer meant for
    another attempt.
    """

    def __init__(self, number: int, channel: str) -> None:
        super().__init__(number)
        self._channel = channel
        self._reply_name = f"{channel}-{_PROCESS_TOKEN}-{threading.get_ident()}"
        self._attempt = uuid.uuid4().hex

    def _send(self, method: str, args: tuple, kwargs: dict) -> tuple[str, Any]:
        _worker_queue(self._channel).put((self.number, self._reply_name, self._attempt, method, args, kwargs))
        replies = _worker_queue(self._reply_name)
        while True:
            attempt, answer = replies.get()
            if attempt == self._attempt:
                return answer


def _run_on_worker(objective: Objective, number: int, channel: str) -> Any:
    """The Dask task of one trial: run ``objective`` with a DaskTrial."""
    return objective(DaskTrial(number, channel))  # type: ignore[arg-type]


class DaskExecutor(Executor):
    """``executor="dask"`` (a LocalCluster of ``n_jobs`` processes) or ``DaskExecutor(client)``."""

    def __init__(self, client: Any = None) -> None:
        self._client = client
        self._owned: list[Any] = []
        self._objective: Objective | None = None
        self._timeout: float | None = None
        self._channel = f"parzen-{uuid.uuid4().hex}"
        self._futures: dict[Any, tuple["Trial", float]] = {}
        self._trials: dict[int, "Trial"] = {}
        self._trials_lock = threading.Lock()
        self._replies: dict[str, Any] = {}
        self._done: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._server: threading.Thread | None = None
        self._requests: Any = None

    def start(self, objective: Objective, n_workers: int, trial_timeout: float | None) -> None:
        distributed = _distributed()
        _check_picklable(objective)
        if self._client is None:
            cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                               dashboard_address=":0")
            self._owned = [cluster]
            self._client = distributed.Client(cluster)
            self._owned.insert(0, self._client)
        self._objective = objective
        self._timeout = trial_timeout
        self._requests = distributed.Queue(self._channel, client=self._client)
        self._server = threading.Thread(target=self._serve, name="parzen-dask-server", daemon=True)
        self._server.start()

    def _serve(self) -> None:
        """Answer the trial calls of running tasks with the real trials, one request at a time.

        It blocks on the request queue until :meth:`close` puts ``None`` there.
        """
        distributed = _distributed()
        while True:
            try:
                request = self._requests.get()
            except Exception:
                return  # the client or the cluster closed under it
            if request is None:
                return
            number, reply_name, attempt, method, args, kwargs = request
            with self._trials_lock:
                trial = self._trials.get(number)
            if trial is None:  # told or abandoned meanwhile: end the orphaned call
                answer: tuple[str, Any] = ("error", RuntimeError(f"trial {number} is no longer running"))
            else:
                answer = serve_call(trial, method, args, kwargs)
            replies = self._replies.get(reply_name)
            if replies is None:
                replies = self._replies[reply_name] = distributed.Queue(reply_name, client=self._client)
            replies.put((attempt, answer))

    def submit(self, trial: "Trial") -> None:
        with self._trials_lock:
            self._trials[trial.number] = trial
        future = self._client.submit(_run_on_worker, self._objective, trial.number, self._channel,
                                     key=f"{self._channel}-trial-{trial.number}", pure=False)
        self._futures[future] = (trial, time.monotonic())
        future.add_done_callback(self._done.put)

    def wait(self, timeout: float | None) -> list[Outcome]:
        if not self._futures:
            return []
        if self._timeout is not None:
            oldest = min(started for _, started in self._futures.values())
            left = max(oldest + self._timeout - time.monotonic(), 0.0)
            timeout = left if timeout is None else min(timeout, left)
        done = []
        try:
            done.append(self._done.get(timeout=timeout))
            while True:
                done.append(self._done.get_nowait())
        except queue.Empty:
            pass
        outcomes = [self._outcome(future) for future in done if future in self._futures]
        if self._timeout is not None:
            now = time.monotonic()
            for future, (_, started) in list(self._futures.items()):
                if now - started >= self._timeout:
                    future.cancel()
                    outcomes.append(self._forget(future, error=TrialTimeout(
                        f"the trial ran longer than trial_timeout={self._timeout} s")))
        return outcomes

    def _outcome(self, future: Any) -> Outcome:
        distributed = _distributed()
        if future.status == "finished":
            return self._forget(future, result=future.result())
        error = future.exception()
        if isinstance(error, distributed.KilledWorker):
            error = WorkerDied(f"Dask workers died running the trial too many times: {error}")
        return self._forget(future, error=error)

    def _forget(self, future: Any, result: Any = None, error: BaseException | None = None) -> Outcome:
        trial, _ = self._futures.pop(future)
        with self._trials_lock:
            self._trials.pop(trial.number, None)
        return Outcome(trial, result=result, error=error)

    def close(self, abort: bool = False) -> None:
        if self._futures:
            self._client.cancel(list(self._futures))
            self._futures.clear()
        if self._server is not None:
            try:
                self._requests.put(None)
            except Exception:
                pass  # the cluster is gone; so is the server's queue
            self._server.join(SERVER_JOIN_S)
        for reply_queue in self._replies.values():
            reply_queue.close()
        self._replies.clear()
        if self._requests is not None:
            self._requests.close()
        for owned in self._owned:
            owned.close()
        if self._owned:
            self._client = None
        self._owned = []


def _check_picklable(objective: Objective) -> None:
    """TypeError before any trial when the objective cannot be sent to the workers."""
    import cloudpickle

    try:
        cloudpickle.dumps(objective)
    except Exception as exc:
        raise TypeError(f"executor='dask' needs an objective cloudpickle can send to the workers; "
                        f"pickling {objective!r} failed: {exc}") from exc
