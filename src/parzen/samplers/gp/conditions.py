"""Conditional parameters in the GP's fixed-length encoding.

A parameter declared with ``when`` exists only while its parent takes given values. The GP compares
vectors of one length, so a trial that lacks a conditional parameter gets a stand-in: an inactive
numeric dimension takes the centre of the unit interval (no inactive row is then far from every active
one, so the lengthscale fit is not dragged by made-up distances), and an inactive categorical dimension
takes an extra category index of its own, which the Hamming kernel sees as one more value. A stand-in
outside the interval (-1) did far worse: at 100 trials, 6 seeds, the median best went from 1.5e-8 to
0.50 on ``conditional-branches`` and from 7.5e-2 to 0.30 on ``conditional-optimizer``
(``benchmarks/problems.py``). Points the
acquisition optimizer proposes are put in the same canonical form before they are scored, so points
that differ only where a parameter is inactive score alike and history rows are recognised as seen.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np

from parzen.space import Categorical, Distribution

INACTIVE_NUMBER = 0.5
_MATCH_TOLERANCE = 1e-9


@dataclasses.dataclass(frozen=True)
class _Rule:
    """Dimension ``(is_cat, index)`` is active when its parent dimension is active and holds an allowed value.

    For a categorical parent ``allowed`` holds category indices, for a numeric one encoded values.
    """

    is_cat: bool
    index: int
    parent_is_cat: bool
    parent_index: int
    allowed: np.ndarray


@dataclasses.dataclass(frozen=True)
class Conditions:
    """Which dimensions of encoded points are active, for parameters ordered parents first."""

    rules: tuple[_Rule, ...]
    n_choices: tuple[int, ...]

    @property
    def any(self) -> bool:
        return bool(self.rules)

    def active(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Boolean masks (m, d_num) and (m, d_cat): which dimensions each point activates."""
        act_num = np.ones(x_num.shape, dtype=bool)
        act_cat = np.ones(x_cat.shape, dtype=bool)
        for rule in self.rules:
            if rule.parent_is_cat:
                parent_active = act_cat[:, rule.parent_index]
                holds = np.isin(x_cat[:, rule.parent_index], rule.allowed)
            else:
                parent_active = act_num[:, rule.parent_index]
                diff = np.abs(x_num[:, rule.parent_index, None] - rule.allowed[None, :])
                holds = (diff <= _MATCH_TOLERANCE).any(axis=1)
            (act_cat if rule.is_cat else act_num)[:, rule.index] = parent_active & holds
        return act_num, act_cat

    def canonical(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Copies with inactive dimensions set to their stand-ins, and active categories made real.

        A categorical dimension that becomes active while holding the stand-in (its parent just moved
        to an allowed value) takes category 0, a valid start for the moves that follow.
        """
        x_num, x_cat = x_num.copy(), x_cat.copy()
        act_num, act_cat = self.active(x_num, x_cat)
        x_num[~act_num] = INACTIVE_NUMBER
        absent = np.array(self.n_choices, dtype=int)
        for k in range(x_cat.shape[1]):
            column = x_cat[:, k]
            column[~act_cat[:, k]] = absent[k]
            column[act_cat[:, k] & (column >= absent[k])] = 0
        return x_num, x_cat


def build_conditions(numeric: Sequence[tuple[str, Distribution]],
                     categorical: Sequence[tuple[str, Categorical]]) -> Conditions:
    """The rules of the conditional parameters among ``numeric`` and ``categorical``.

    Every conditional parameter's parent must be among the given parameters. Rules are ordered by
    depth (a parent's rule before its children's), so one pass settles nested conditions.
    """
    position = {name: (False, k) for k, (name, _) in enumerate(numeric)}
    position.update({name: (True, k) for k, (name, _) in enumerate(categorical)})
    dists = dict([*numeric, *categorical])
    rules = []
    for name, dist in dists.items():
        if dist.when is None:
            continue
        parent = dists[dist.when.parent]
        allowed = [a for a in (_encoded(parent, v) for v in dist.when.values) if not math.isnan(a)]
        rules.append((_depth(dists, name), _Rule(*position[name], *position[dist.when.parent], np.array(allowed))))
    rules.sort(key=lambda pair: pair[0])
    return Conditions(tuple(rule for _, rule in rules), tuple(len(d.choices) for _, d in categorical))


def _depth(dists: dict[str, Distribution], name: str) -> int:
    """Number of conditions between ``name`` and an unconditional ancestor."""
    depth, when = 0, dists[name].when
    while when is not None and depth <= len(dists):
        depth, when = depth + 1, dists[when.parent].when
    return depth


def _encoded(dist: Distribution, value: object) -> float:
    """The encoded value of ``value`` (a category index for categories); NaN when not in ``dist``."""
    try:
        return float(dist.to_internal(value))
    except (TypeError, ValueError, OverflowError):
        return math.nan
