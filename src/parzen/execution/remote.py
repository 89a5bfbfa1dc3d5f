"""A trial that lives elsewhere: the stand-in an objective gets in a worker process or on a cluster.

The real :class:`parzen.Trial` (and the sampler, pruner and storage behind it) stays with the
driver. The stand-in forwards each trial call (``suggest_*``, ``report``, ``should_prune``,
``set_user_attr`` and the read-only views) over some channel, and the driver answers it with
:func:`serve_call`. Each executor supplies the channel by implementing :meth:`RemoteTrial._call`.
"""

from __future__ import annotations

import abc
import pickle
from typing import TYPE_CHECKING, Any

from parzen.exceptions import TrialPruned
from parzen.execution.trial_runner import describe_exception

if TYPE_CHECKING:
    from parzen.trial import Trial

FORWARDED = frozenset({
    "suggest_float", "suggest_int", "suggest_categorical", "suggest", "report", "should_prune",
    "set_user_attr", "params", "distributions", "user_attrs", "intermediate_values",
})


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker, attached as its ``__cause__``."""

    def __str__(self) -> str:
        return f"\n\n(in the worker process)\n{self.args[0]}"


def picklable(exc: BaseException) -> BaseException:
    """``exc`` itself when it survives pickling, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(describe_exception(exc))


def serve_call(trial: "Trial", method: str, args: tuple, kwargs: dict) -> tuple[str, Any]:
    """Run one forwarded call on the real trial: ``("ok", value)`` or ``("error", exception)``."""
    if method not in FORWARDED:
        return "error", AttributeError(f"Trial has no forwarded method {method!r}")
    try:
        attr = getattr(trial, method)
        return "ok", attr(*args, **kwargs) if callable(attr) else attr
    except Exception as exc:
        return "error", picklable(exc)


class RemoteTrial(abc.ABC):
    """Stands in for :class:`parzen.Trial` where the objective runs; ``number`` is the trial's number."""

    def __init__(self, number: int) -> None:
        self.number = number

    @abc.abstractmethod
    def _send(self, method: str, args: tuple, kwargs: dict) -> tuple[str, Any]:
        """Carry one call to the driver and bring back what :func:`serve_call` answered."""

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        status, payload = self._send(method, args, kwargs)
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
