"""Adaptive search space: narrow ranges around the best trials, widen ranges whose best values sit
at a bound, and freeze parameters that do not matter.

The rules work on core distributions and finished trials, in the study's direction (the best
trials of a maximized study are its highest, never its lowest). Numeric ranges move in the space
the parameter is sampled in (log space for ``log=True``), integers keep integer bounds and stepped
floats keep their grid. A range widened past zero keeps the sign its first range had, so a learning
rate never becomes negative. The study itself accepts the new space (search spaces may change
between trials); each trial keeps the distribution it was drawn from.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from parzen.space import Categorical, Distribution, Float, Int

if TYPE_CHECKING:
    from parzen.trial import FrozenTrial

TOP_SHARE = 0.2  # the share of completed trials counted as the best
MIN_TOP = 3  # ... and never fewer than this many
PAD = 0.25  # a narrowed range reaches this share of the old width beyond the best trials' values
MIN_WIDTH = 0.5  # ... and keeps at least half the old width: the model-based samplers do the rest
AT_BOUND = 0.02  # a best value this close to a bound (share of the width) sits at it
WIDEN = 0.5  # a range whose best value sits at a bound grows by this share of its width there


def best_trials(trials: Sequence["FrozenTrial"], direction: str) -> list["FrozenTrial"]:
    """The best ``TOP_SHARE`` of the completed ``trials`` (at least ``MIN_TOP``), best first."""
    done = [(t.values[0], t) for t in trials if t.values is not None]
    done.sort(key=lambda pair: pair[0], reverse=direction == "maximize")
    top = [t for _, t in done]
    return top[:max(MIN_TOP, math.ceil(TOP_SHARE * len(top)))]


def _to_axis(dist: Float | Int, value: float) -> float:
    return math.log(value) if dist.log else float(value)


def _from_axis(dist: Float | Int, value: float) -> float:
    return math.exp(value) if dist.log else value


def _rebuild(dist: Float | Int, low: float, high: float) -> Distribution:
    """``dist`` with the range [low, high] snapped onto its integers or grid, inside its kind's rules."""
    if isinstance(dist, Int):
        first, last = math.floor(low), math.ceil(high)
        if dist.step > 1:
            first = int(dist.low) + math.floor((first - dist.low) / dist.step) * dist.step
            last = first + max(1, math.ceil((last - first) / dist.step)) * dist.step
        if dist.log:
            first = max(first, 1)
        return Int(first, max(last, first), log=dist.log, step=dist.step, when=dist.when)
    if dist.step is not None:
        lo = dist.low + math.floor((low - dist.low) / dist.step) * dist.step
        hi = lo + max(1, math.ceil((high - lo) / dist.step)) * dist.step
        return Float(lo, hi, step=dist.step, when=dist.when)
    return Float(low, max(high, low), log=dist.log, when=dist.when)


def narrow(space: Mapping[str, Distribution], trials: Sequence["FrozenTrial"], direction: str) -> dict[str, Distribution]:
    """Each numeric range shrunk to the span of the best trials' values, padded, inside the old range."""
    top = best_trials(trials, direction)
    out = dict(space)
    for name, dist in space.items():
        values = [t.params[name] for t in top if name in t.params]
        if not isinstance(dist, (Float, Int)) or not values or dist.low == dist.high:
            continue
        if not all(dist.contains(v) for v in values):
            continue
        lo_axis, hi_axis = _to_axis(dist, dist.low), _to_axis(dist, dist.high)
        width = hi_axis - lo_axis
        low = min(_to_axis(dist, v) for v in values) - PAD * width
        high = max(_to_axis(dist, v) for v in values) + PAD * width
        low, high = max(low, lo_axis), min(high, hi_axis)
        if high - low < MIN_WIDTH * width:  # widen to MIN_WIDTH around the middle, kept inside the old range
            low = min(max((low + high) / 2 - MIN_WIDTH * width / 2, lo_axis), hi_axis - MIN_WIDTH * width)
            high = low + MIN_WIDTH * width
        low_value = dist.low if low <= lo_axis else _from_axis(dist, low)  # the old bound exactly, not exp(log())
        high_value = dist.high if high >= hi_axis else _from_axis(dist, high)
        out[name] = _rebuild(dist, low_value, high_value)
    return out


def expand(space: Mapping[str, Distribution], trials: Sequence["FrozenTrial"], direction: str,
           first_space: Mapping[str, Distribution] | None = None) -> dict[str, Distribution]:
    """Each numeric range whose best value sits at a bound widened on that side.

    ``first_space`` gives the sign each range started with, which widening never crosses.
    """
    top = best_trials(trials, direction)
    out = dict(space)
    for name, dist in space.items():
        best = next((t.params[name] for t in top if name in t.params), None)
        if not isinstance(dist, (Float, Int)) or best is None or dist.low == dist.high:
            continue
        lo_axis, hi_axis = _to_axis(dist, dist.low), _to_axis(dist, dist.high)
        width = hi_axis - lo_axis
        value = _to_axis(dist, min(max(best, dist.low), dist.high))
        low: float = lo_axis
        high: float = hi_axis
        if value - lo_axis <= AT_BOUND * width:
            low -= WIDEN * width
        if hi_axis - value <= AT_BOUND * width:
            high += WIDEN * width
        if (low, high) == (lo_axis, hi_axis):
            continue
        low = dist.low if low == lo_axis else _from_axis(dist, low)
        high = dist.high if high == hi_axis else _from_axis(dist, high)
        first = (first_space or space).get(name, dist)
        if isinstance(first, (Float, Int)) and not dist.log:
            if first.low >= 0:
                low = max(low, 0.0)
            if first.high <= 0:
                high = min(high, 0.0)
        out[name] = _rebuild(dist, low, high)
    return out


def freeze(space: Mapping[str, Distribution], trials: Sequence["FrozenTrial"], direction: str,
           importances: Mapping[str, float], threshold: float) -> dict[str, Distribution]:
    """Each parameter whose importance is below ``threshold`` fixed at its value in the best trial.

    A categorical parameter that other parameters are conditioned on is never frozen: its branches are
    measured on few trials each, and freezing it would remove whole parts of the space.
    """
    top = best_trials(trials, direction)
    parents = {d.when.parent for d in space.values() if d.when is not None}
    out = dict(space)
    for name, dist in space.items():
        if importances.get(name, 1.0) >= threshold or name in parents:
            continue
        best: Any = next((t.params[name] for t in top if name in t.params), None)
        if best is None or not dist.contains(best):
            continue
        if isinstance(dist, Categorical):
            out[name] = Categorical([best], when=dist.when)
        elif isinstance(dist, Int):
            out[name] = Int(best, best, log=dist.log, when=dist.when)
        else:
            out[name] = Float(best, best, when=dist.when)
    return out
