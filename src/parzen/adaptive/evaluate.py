"""The core objective of an adaptive run: draws a trial's parameters from the space of the moment,
calls the user's ``objective(params)``, and applies the per-trial resource rules.

It is a plain picklable object, so the process executor can run it in child processes. There,
and only there, a memory limit is set on the process (``RLIMIT_AS``): an objective that allocates
past it gets a MemoryError and its trial fails, instead of the machine swapping. The driver is
never limited.
"""

from __future__ import annotations

import gc
import inspect
import os
from typing import Any, Callable, Mapping

from parzen.space import Distribution, walk_active

CACHED_ATTR = "cached"


def takes_trial(objective: Callable[..., Any]) -> bool:
    """Whether ``objective`` accepts a second argument (the trial, for ``report``/``should_prune``)."""
    try:
        parameters = list(inspect.signature(objective).parameters.values())
    except (TypeError, ValueError):
        return False
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2


class Evaluate:
    """``objective(params)`` (or ``objective(params, trial)``) over ``space`` as a core objective."""

    def __init__(self, objective: Callable[..., Any], space: Mapping[str, Distribution], *,
                 memory_limit: int | None, collect: bool, driver_pid: int, cache: Any = None,
                 cache_key: str | None = None) -> None:
        self.objective = objective
        self.space = dict(space)
        self.memory_limit = memory_limit
        self.collect = collect
        self.driver_pid = driver_pid
        self.cache = cache
        self.cache_key = cache_key
        self.with_trial = takes_trial(objective)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "cache": None}  # a child process evaluates; the driver caches

    def _limit_memory(self) -> None:
        if self.memory_limit is None or os.getpid() == self.driver_pid:
            return
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > self.memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (self.memory_limit, hard))

    def __call__(self, trial: Any) -> Any:
        params: dict[str, Any] = {}
        for name, dist in walk_active(self.space, params):
            params[name] = trial.suggest(name, dist)
        if self.cache is not None:
            cached = self.cache.get(self.cache_key, params)
            if cached is not None:
                trial.set_user_attr(CACHED_ATTR, True)
                return cached[0] if len(cached) == 1 else cached
        self._limit_memory()
        try:
            result = self.objective(dict(params), trial) if self.with_trial else self.objective(dict(params))
        finally:
            if self.collect:
                gc.collect()
        return result
