"""Process executor: each objective call runs in a child process, the study stays in the parent.

The child receives a :class:`RemoteTrial` whose methods (``suggest_*``, ``report``,
``should_prune``, ``set_user_attr``) are forwarded over a pipe to the real trial in the parent,
so any storage and any sampler work unchanged. A child that crashes or overruns the per-trial
timeout fails only its own trial and is replaced.
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Callable

from parzen.exceptions import SearchSpaceExhausted, TrialPruned
from parzen.execution.budget import Budget
from parzen.execution.trial_runner import TrialRunner, TrialTimeout

if TYPE_CHECKING:
    from parzen.trial import Trial

_FORWARDED = frozenset({
    "suggest_float", "suggest_int", "suggest_categorical", "suggest", "report", "should_prune",
    "set_user_attr", "params", "distributions", "user_attrs", "intermediate_values",
})


class WorkerDied(Exception):
    """The child process running the trial exited without an answer."""


class RemoteTrial:
    """Stands in for :class:`parzen.Trial` inside a worker process."""

    def __init__(self, conn: Connection, number: int) -> None:
        self._conn = conn
        self.number = number

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send(("call", method, args, kwargs))
        status, payload = self._conn.recv()
        if status == "error":
            raise payload
        return payload

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False,
                      step: float | None = None) -> float:
        return self._call("suggest_float", name, low, high, log=log, step=step)

    def suggest_int(self, name: str, low: int, high: int, *, log: bool = False, step: int = 1) -> int:
        return self._call("suggest_int", name, low, high, log=log, step=step)

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        return self._call("suggest_categorical", name, choices)

    def suggest(self, name: str, distribution: Any) -> Any:
        return self._call("suggest", name, distribution)

    def report(self, value: float, step: int) -> None:
        self._call("report", value, step)

    def should_prune(self) -> bool:
        return self._call("should_prune")

    def prune(self) -> None:
        raise TrialPruned()

    def set_user_attr(self, key: str, value: Any) -> None:
        self._call("set_user_attr", key, value)

    @property
    def params(self) -> dict[str, Any]:
        return self._call("params")

    @property
    def distributions(self) -> dict[str, Any]:
        return self._call("distributions")

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._call("user_attrs")

    @property
    def intermediate_values(self) -> dict[int, float]:
        return self._call("intermediate_values")


def _child_main(conn: Connection, objective_bytes: bytes) -> None:
    objective = pickle.loads(objective_bytes)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] == "stop":
            return
        trial = RemoteTrial(conn, message[1])
        try:
            result = objective(trial)
        except TrialPruned:
            conn.send(("pruned", None))
        except BaseException as exc:
            conn.send(("raised", _picklable(exc)))
        else:
            conn.send(("done", result))


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class _Child:
    def __init__(self, ctx: Any, objective_bytes: bytes) -> None:
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(target=_child_main, args=(child_conn, objective_bytes), daemon=True)
        self.process.start()
        child_conn.close()

    def close(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send(("stop",))
            except OSError:
                pass
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class ProcessPool:
    """``n_workers`` child processes for one ``optimize`` call."""

    def __init__(self, objective: Callable[["Trial"], Any], n_workers: int) -> None:
        try:
            self._objective_bytes = pickle.dumps(objective)
        except Exception as exc:
            raise TypeError(
                f"executor='process' needs a picklable objective (a module-level function or a picklable "
                f"callable object); pickling {objective!r} failed: {exc}"
            ) from exc
        self._ctx = multiprocessing.get_context("spawn")
        self._children = [_Child(self._ctx, self._objective_bytes) for _ in range(n_workers)]

    def __enter__(self) -> "ProcessPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        for child in self._children:
            child.close()

    def worker(self, index: int, runner: TrialRunner, budget: Budget, trial_timeout: float | None) -> None:
        """Loop of the parent thread that drives child ``index``."""
        try:
            while budget.take():
                trial = runner.start()
                try:
                    result = self._run(index, trial, trial_timeout)
                except BaseException as exc:
                    runner.finish(trial, error=exc)
                else:
                    runner.finish(trial, result)
        except SearchSpaceExhausted:
            return

    def _run(self, index: int, trial: "Trial", trial_timeout: float | None) -> Any:
        child = self._children[index]
        try:
            child.conn.send(("run", trial.number))
            deadline = None if trial_timeout is None else time.monotonic() + trial_timeout
            while True:
                remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                if not child.conn.poll(remaining):
                    self._replace(index)
                    raise TrialTimeout(f"the trial ran longer than trial_timeout={trial_timeout} s")
                message = child.conn.recv()
                kind = message[0]
                if kind == "call":
                    child.conn.send(self._serve(trial, *message[1:]))
                elif kind == "done":
                    return message[1]
                elif kind == "pruned":
                    raise TrialPruned()
                else:
                    raise message[1]
        except (EOFError, OSError, BrokenPipeError):
            code = child.process.exitcode
            self._replace(index)
            raise WorkerDied(f"the worker process died while running the trial (exit code {code})") from None

    @staticmethod
    def _serve(trial: "Trial", method: str, args: tuple, kwargs: dict) -> tuple[str, Any]:
        if method not in _FORWARDED:
            return "error", AttributeError(f"Trial has no forwarded method {method!r}")
        try:
            attr = getattr(trial, method)
            return "ok", attr(*args, **kwargs) if callable(attr) else attr
        except Exception as exc:
            return "error", _picklable(exc)

    def _replace(self, index: int) -> None:
        old = self._children[index]
        old.process.kill()
        old.process.join()
        old.conn.close()
        self._children[index] = _Child(self._ctx, self._objective_bytes)
