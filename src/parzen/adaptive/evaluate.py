"""The core objective of an adaptive run: draws a trial's parameters from the space of the moment,
calls the user's ``objective(params)``, and collects garbage after it when asked.

It is a plain picklable object, so the process executor can run it in child processes; the memory
limit of those processes is the executor's (``ProcessExecutor(memory_limit=...)``), not this object's.
"""

from __future__ import annotations

import gc
import inspect
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
                 collect: bool, cache: Any = None, cache_key: str | None = None) -> None:
        self.objective = objective
        self.space = dict(space)
        self.collect = collect
        self.cache = cache
        self.cache_key = cache_key
        self.with_trial = takes_trial(objective)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "cache": None}  # a child process evaluates; the driver caches

    def __call__(self, trial: Any) -> Any:
        params: dict[str, Any] = {}
        for name, dist in walk_active(self.space, params):
            params[name] = trial.suggest(name, dist)
        if self.cache is not None:
            cached = self.cache.get(self.cache_key, params)
            if cached is not None:
                trial.set_user_attr(CACHED_ATTR, True)
                return cached[0] if len(cached) == 1 else cached
        try:
            result = self.objective(dict(params), trial) if self.with_trial else self.objective(dict(params))
        finally:
            if self.collect:
                gc.collect()
        return result
