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

import dataclasses
from typing import Any, Sequence

from parzen.space import Categorical, Distribution, Int
from parzen.trial import FrozenTrial


def infer_conditional_space(trials: Sequence[FrozenTrial]) -> dict[str, Distribution] | None:
    """The parameters of ``trials`` with a ``when`` for each one some trials lack, parents first.

    Returns None when a missing parameter has no parent that explains its presence in every trial,
    or when parameters share a name with different ranges. A parameter every trial holds keeps
    ``when=None``. The condition's values are the parent values seen with the parameter present.
    """
    seen: dict[str, Distribution] = {}
    for t in trials:
        for name, dist in t.distributions.items():
            if seen.setdefault(name, dist) is not dist and not seen[name].same_range(dist):
                return None
    holders = {name: [name in t.params for t in trials] for name in seen}
    conditions: dict[str, tuple[str, tuple[Any, ...]]] = {}
    for name in seen:
        if all(holders[name]):
            continue
        parent = _explaining_parent(trials, name, seen, holders)
        if parent is None:
            return None
        conditions[name] = parent
    ordered = _parents_first(list(seen), conditions)
    if ordered is None:
        return None
    return {name: dataclasses.replace(seen[name], when=conditions.get(name)) for name in ordered}


def _explaining_parent(trials: Sequence[FrozenTrial], name: str, seen: dict[str, Distribution],
                       holders: dict[str, list[bool]]) -> tuple[str, tuple[Any, ...]] | None:
    """The parent and values that decide whether trials hold ``name``, or None if no parent does.

    A candidate parent is categorical or integer, is held whenever ``name`` is, and no value of it
    is seen both with and without ``name``. Of several candidates, the one suggested last before
    ``name`` in the first trial holding both is taken: an objective asks a parent just before the
    parameters it enables.
    """
    candidates = []
    for parent, dist in seen.items():
        if parent == name or not isinstance(dist, (Categorical, Int)):
            continue
        with_name, without_name = [], []
        consistent = True
        for t, holds, has_parent in zip(trials, holders[name], holders[parent]):
            if not has_parent:
                consistent = not holds
            elif holds:
                with_name.append(t.params[parent])
            else:
                without_name.append(t.params[parent])
            if not consistent:
                break
        if consistent and with_name and not any(_in(v, with_name) for v in without_name):
            candidates.append((parent, _unique(with_name)))
    if not candidates:
        return None
    first = next(t for t in trials if name in t.params)
    order = list(first.params)
    return max(candidates, key=lambda c: order.index(c[0]) if c[0] in order[: order.index(name)] else -1)


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


def _in(value: Any, values: list[Any]) -> bool:
    return any(type(value) is type(v) and value == v for v in values)


def _unique(values: list[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for v in values:
        if not _in(v, out):
            out.append(v)
    return tuple(out)
