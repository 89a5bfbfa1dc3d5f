"""Process executor: each objective call runs in a child process, the study stays in the parent.

The child receives a :class:`PipeTrial` whose methods (``suggest_*``, ``report``,
``should_prune``, ``set_user_attr``) are forwarded over a pipe to the real trial in the parent,
so any storage and any sampler work unchanged. A child that crashes or overruns the per-trial
timeout fails only its own trial and is replaced. Children ignore SIGINT: a Ctrl-C is the
parent's to handle, and the parent then kills them.

``ProcessExecutor(memory_limit=bytes)`` caps each child's address space (POSIX ``RLIMIT_AS``),
set once the child has loaded the objective and before it runs any trial: an objective that
allocates past it gets a MemoryError, which fails that trial only, and the parent is never limited.
The limit only ever lowers the child's soft limit; a lower limit already in force is kept, and the
hard limit is left as it is. Where the ``resource`` module does not exist (Windows) the limit cannot
be enforced and the constructor warns so.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import threading
import time
import traceback
import warnings
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Callable, NoReturn

from parzen._checks import check_int
from parzen.exceptions import TrialPruned
from parzen.execution.remote import RemoteTraceback, RemoteTrial, picklable, serve_call
from parzen.execution.threads import SlotExecutor
from parzen.execution.trial_runner import TrialTimeout, WorkerDied, describe_exception

if TYPE_CHECKING:
    from parzen.trial import Trial

# How long a new child may take to import parzen and unpickle the objective.
STARTUP_TIMEOUT = 120.0


class PipeTrial(RemoteTrial):
    """The stand-in trial of a child process: calls go over the child's pipe to its parent thread."""

    def __init__(self, conn: Connection, number: int) -> None:
        super().__init__(number)
        self._conn = conn

    def _send(self, method: str, args: tuple, kwargs: dict) -> tuple[str, Any]:
        self._conn.send(("call", method, args, kwargs))
        return self._conn.recv()


def pickle_objective(objective: Callable[["Trial"], Any]) -> bytes:
    """The pickled objective, or a TypeError saying why it cannot go to a worker process."""
    try:
        return pickle.dumps(objective)
    except Exception as exc:
        raise TypeError(
            f"executor='process' needs a picklable objective (a module-level function or a picklable "
            f"callable object); pickling {objective!r} failed: {exc}"
        ) from exc


def check_memory_limit(memory_limit: Any) -> int | None:
    """``memory_limit`` as a positive int of bytes or None; warns when this platform cannot enforce it."""
    if memory_limit is None:
        return None
    limit = check_int("memory_limit", memory_limit, 1)
    try:
        import resource  # noqa: F401
    except ImportError:
        warnings.warn(f"memory_limit={limit} is not enforced: this platform has no `resource` module "
                      "(RLIMIT_AS), so trial processes run without a memory limit", RuntimeWarning, stacklevel=3)
    return limit


def limit_address_space(memory_limit: int) -> None:
    """Lower this process's soft ``RLIMIT_AS`` to ``memory_limit`` bytes (never raise it, nor the hard limit)."""
    try:
        import resource
    except ImportError:  # warned at construction
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    target = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
    if soft == resource.RLIM_INFINITY or soft > target:
        resource.setrlimit(resource.RLIMIT_AS, (target, hard))


def _child_main(conn: Connection, objective_bytes: bytes, memory_limit: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        objective = pickle.loads(objective_bytes)
    except BaseException as exc:
        conn.send(("init_error", picklable(exc)))
        return
    if memory_limit is not None:
        limit_address_space(memory_limit)
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] == "stop":
            return
        _send_safely(conn, _run_objective(objective, PipeTrial(conn, message[1])))


def _run_objective(objective: Callable[[Any], Any], trial: RemoteTrial) -> tuple[Any, ...]:
    try:
        return "done", objective(trial)
    except TrialPruned:
        return "pruned", None
    except BaseException as exc:
        return "raised", picklable(exc), traceback.format_exc()


def _send_safely(conn: Connection, message: tuple[Any, ...]) -> None:
    """Send ``message``, or a TypeError in its place when its payload cannot be pickled."""
    try:
        payload = pickle.dumps(message)
    except Exception as exc:
        error = TypeError(f"{message[1]!r} could not be sent between processes: {exc}")
        payload = pickle.dumps(("raised", error, "") if message[0] == "done" else ("error", error))
    conn.send_bytes(payload)


class _Child:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, objective_bytes: bytes, memory_limit: int | None) -> None:
        self.conn, child_conn = ctx.Pipe()
        self._pipe_lock = threading.Lock()
        self.process = ctx.Process(target=_child_main, args=(child_conn, objective_bytes, memory_limit))
        self.process.start()
        child_conn.close()

    def wait_ready(self) -> None:
        """Wait until the child loaded the objective; TypeError/RuntimeError if it could not."""
        try:
            if not self.conn.poll(STARTUP_TIMEOUT):
                raise RuntimeError(f"the worker process did not start within {STARTUP_TIMEOUT} s")
            kind, payload = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(1.0)
            raise RuntimeError(
                f"the worker process exited while starting (exit code {self.process.exitcode}); a script "
                "that calls optimize(executor='process') must do so under `if __name__ == '__main__':`"
            ) from None
        if kind == "init_error":
            raise TypeError(
                f"executor='process': the worker process could not load the objective "
                f"({describe_exception(payload)}); define it in a module the worker can import"
            ) from payload

    def kill(self) -> None:
        """Kill the child at once (a no-op when it already exited)."""
        if self.process.is_alive():
            self.process.kill()

    def close(self, wait: float) -> None:
        """Ask the child to exit, kill it after ``wait`` seconds, and release the pipe."""
        if self.process.is_alive() and wait > 0:
            try:
                self.conn.send(("stop",))
            except OSError:
                pass
            self.process.join(wait)
        self.kill()
        self.process.join()
        self.release_pipe()

    def release_pipe(self) -> None:
        """Close the parent's end of the pipe once, even when two threads get here together
        (the thread driving a dying child and the interrupted main thread)."""
        with self._pipe_lock:
            if not self.conn.closed:
                self.conn.close()


class ProcessPool:
    """``n_workers`` child processes for one ``optimize`` call; child ``i`` is driven by slot thread ``i``.

    ``memory_limit``: the address-space limit in bytes of every child (None: none).
    """

    def __init__(self, objective_bytes: bytes, n_workers: int, memory_limit: int | None = None) -> None:
        self._objective_bytes = objective_bytes
        self._memory_limit = memory_limit
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._closed = False
        self._children: list[_Child] = []
        try:
            for _ in range(n_workers):
                self._children.append(_Child(self._ctx, objective_bytes, memory_limit))
            for child in self._children:
                child.wait_ready()
        except BaseException:
            self.close(wait=0)
            raise

    def kill(self) -> None:
        """Kill every child now; the parent threads driving them see their trial's worker die."""
        with self._lock:
            self._closed = True
            children = list(self._children)
        for child in children:
            child.kill()

    def close(self, wait: float = 5.0) -> None:
        """Stop every child (killing those still busy after ``wait`` seconds)."""
        with self._lock:
            self._closed = True
            children = list(self._children)
        for child in children:
            child.close(wait)

    def run(self, index: int, trial: "Trial", trial_timeout: float | None) -> Any:
        """Run ``trial`` in child ``index``, serving its trial calls; its result or its exception."""
        child = self._children[index]
        deadline = None if trial_timeout is None else time.monotonic() + trial_timeout
        self._send(index, child, ("run", trial.number))
        while True:
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            kind, *payload = self._receive(index, child, remaining, trial_timeout)
            if kind == "call":
                self._send(index, child, serve_call(trial, *payload))
            elif kind == "done":
                return payload[0]
            elif kind == "pruned":
                raise TrialPruned()
            else:
                error, remote_traceback = payload
                raise error from RemoteTraceback(remote_traceback)

    def _send(self, index: int, child: _Child, message: tuple[Any, ...]) -> None:
        try:
            _send_safely(child.conn, message)
        except OSError:
            self._died(index, child)

    def _receive(self, index: int, child: _Child, remaining: float | None,
                 trial_timeout: float | None) -> tuple[Any, ...]:
        try:
            if not child.conn.poll(remaining):
                self._replace(index, child)
                raise TrialTimeout(f"the trial ran longer than trial_timeout={trial_timeout} s")
            return child.conn.recv()
        except (EOFError, OSError):
            self._died(index, child)

    def _died(self, index: int, child: _Child) -> NoReturn:
        child.process.join(1.0)
        code = child.process.exitcode
        self._replace(index, child)
        raise WorkerDied(f"the worker process died while running the trial (exit code {code})")

    def _replace(self, index: int, old: _Child) -> None:
        """Kill child ``index`` and start a fresh one, unless the pool is closing."""
        old.kill()
        old.process.join()
        old.release_pipe()
        with self._lock:
            if self._closed:
                return
            new = _Child(self._ctx, self._objective_bytes, self._memory_limit)
            self._children[index] = new
        new.wait_ready()


class ProcessExecutor(SlotExecutor):
    """``executor="process"``: each slot thread drives one child process that runs the objective.

    ``memory_limit``: the most bytes of address space each child may use (``RLIMIT_AS``); a trial
    that allocates past it fails with MemoryError while the other trials go on. None: no limit.
    A non-int is a TypeError, a value below 1 a ValueError; where the platform cannot enforce the
    limit, a RuntimeWarning says so here, at construction.
    """

    def __init__(self, memory_limit: int | None = None) -> None:
        super().__init__()
        self.memory_limit = check_memory_limit(memory_limit)
        self._pool: ProcessPool | None = None
        self._timeout: float | None = None

    def start(self, objective: Callable[["Trial"], Any], n_workers: int, trial_timeout: float | None) -> None:
        self._timeout = trial_timeout
        self._pool = ProcessPool(pickle_objective(objective), n_workers, self.memory_limit)
        self.start_slots(n_workers, "parzen-process")

    def evaluate(self, slot: int, trial: "Trial") -> Any:
        assert self._pool is not None, "start() must come before submit()"
        return self._pool.run(slot, trial, self._timeout)

    def close(self, abort: bool = False) -> None:
        self.close_slots()
        if self._pool is None:
            return
        if abort:
            self._pool.kill()
        self._pool.close(wait=0 if abort else 5.0)
