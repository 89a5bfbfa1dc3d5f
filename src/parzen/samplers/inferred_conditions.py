"""Conditions read off the history of a define-by-run study.

An objective that branches (``if trial.suggest_categorical("model", ...) == "svc": C = trial.suggest_float(...)``)
never declares that ``C`` exists only for ``model == "svc"``, but its finished trials show it: ``C`` is
present exactly in the trials whose ``model`` was ``"svc"``. When every parameter that is missing from
some trials is explained that way by one categorical or integer parent, the study's space is a
conditional space like one declared with ``when``, and samplers that model declared conditions (the GP)
can model it too. Anything else (a parameter that depends on a float threshold, on two parents, or
that comes and goes at random) is not explained, and the caller keeps its own fallback.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from parzen.space import Categorical, Condition, Distribution, Int
from parzen.trial import FrozenTrial


def infer_conditional_space(trials: Sequence[FrozenTrial]) -> dict[str, Distribution] | None:
    """The parameters of ``trials`` with a ``when`` for each one some trials lack, parents first.

    Returns None when a missing parameter has no parent that explains its presence in every trial,
    or when a name changed kind. A parameter whose range changed between trials takes its latest
    definition, as in :func:`parzen.space.intersect_spaces` (search spaces may change during a study).
    A parameter every trial holds keeps ``when=None``. The condition's values are the parent values
    seen with the parameter present.
    """
    seen: dict[str, Distribution] = {}
    for t in trials:
        for name, dist in t.distributions.items():
            if name in seen and type(seen[name]) is not type(dist):
                return None
            seen[name] = dist
    holds = {name: np.array([name in t.params for t in trials]) for name in seen}
    parents = {name: _codes(trials, name, dist) for name, dist in seen.items() if isinstance(dist, (Categorical, Int))}
    conditions: dict[str, tuple[str, tuple[Any, ...]]] = {}
    for name in seen:
        if holds[name].all():
            continue
        parent = _explaining_parent(trials, name, holds, parents)
        if parent is None:
            return None
        conditions[name] = parent
    ordered = _parents_first(list(seen), conditions)
    if ordered is None:
        return None
    return {name: seen[name].with_condition(Condition(*conditions[name]) if name in conditions else None)
            for name in ordered}


def _codes(trials: Sequence[FrozenTrial], name: str, dist: Distribution) -> np.ndarray:
    """One integer per trial for the value of categorical or integer ``name`` (0 where it is absent).

    Categories are numbered in the order they are first seen, so a choice an earlier definition
    offered and the latest one dropped still has a code of its own.
    """
    if isinstance(dist, Categorical):
        numbers: dict[tuple[str, Any], int] = {}
        return np.array([numbers.setdefault((type(t.params[name]).__name__, t.params[name]), len(numbers) + 1)
                         if name in t.params else 0 for t in trials], dtype=np.int64)
    return np.array([int(t.params.get(name, 0)) for t in trials], dtype=np.int64)


def _explaining_parent(trials: Sequence[FrozenTrial], name: str, holds: dict[str, np.ndarray],
                       parents: dict[str, np.ndarray]) -> tuple[str, tuple[Any, ...]] | None:
    """The parent and values that decide whether trials hold ``name``, or None if no parent does.

    A candidate parent is categorical or integer, is held whenever ``name`` is, and no value of it
    is seen both with and without ``name``. Of several candidates, the one suggested last before
    ``name`` in the first trial holding both is taken: an objective asks a parent just before the
    parameters it enables.
    """
    with_name = holds[name]
    candidates = []
    for parent, codes in parents.items():
        has_parent = holds[parent]
        if parent == name or np.any(with_name & ~has_parent):
            continue
        enabling = np.unique(codes[with_name])
        if not np.isin(codes[has_parent & ~with_name], enabling).any():
            candidates.append(parent)
    if not candidates:
        return None
    first = next(t for t in trials if name in t.params)
    before = list(first.params)[: list(first.params).index(name)]
    parent = max(candidates, key=lambda c: before.index(c) if c in before else -1)
    rows = np.flatnonzero(with_name)
    _, first_rows = np.unique(parents[parent][rows], return_index=True)
    return parent, tuple(trials[int(rows[i])].params[parent] for i in sorted(first_rows))


def _parents_first(names: list[str], conditions: dict[str, tuple[str, tuple[Any, ...]]]) -> list[str] | None:
    """``names`` reordered so that every parent precedes its children; None on a cycle."""
    out: list[str] = []
    placed: set[str] = set()
    pending = list(names)
    while pending:
        ready = [n for n in pending if n not in conditions or conditions[n][0] in placed]
        if not ready:
            return None
        for n in ready:
            out.append(n)
            placed.add(n)
        pending = [n for n in pending if n not in placed]
    return out
