"""Modelling a whole history while searching a changed space.

A study's search space may change between trials (a range narrowed or widened, a parameter fixed at
one value, a choice dropped). The trials drawn from earlier spaces still say how the objective
behaves, so the GP models every finished trial in the *model space*: per parameter, the hull of its
current definition and every definition its finished trials were drawn from (the widest range, the
union of the choices). The acquisition function is then maximized over the *search space*, the
current definitions only, through an affine map into the model space:

- a numeric dimension's encoding is linear in its (log-)value between the bounds its distribution
  encodes to 0 and 1 (``encoding_bounds``), so the current range is a sub-interval of the model's;
- a categorical dimension keeps its current choices first in the model's choices, so indices carry
  over, and the extra "inactive" index of a conditional parameter moves to the model's;
- a parameter now fixed at one value (but with several values in the history) stays a model
  dimension, held at that value's encoding: trials that took other values teach the model how much
  it matters instead of blurring the others.

When nothing changed, the two spaces are the same and the GP runs exactly as without this module.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from parzen.samplers.gp.conditions import INACTIVE_NUMBER
from parzen.samplers.gp.optimize_acqf import AcquisitionFunction
from parzen.space import Categorical, Distribution, Float, Int


def model_distribution(current: Distribution, seen: Iterable[Distribution]) -> Distribution:
    """The hull of ``current`` and the definitions in ``seen`` of the same kind, with ``current``'s
    scale (log or not) and condition; ``current`` itself when it already covers them all."""
    if isinstance(current, Categorical):
        hull = current
        for d in seen:
            for choice in d.choices if isinstance(d, Categorical) else ():
                if not hull.contains(choice):
                    hull = Categorical([*hull.choices, choice], when=current.when)
        return hull
    assert isinstance(current, (Float, Int)), "a distribution is Float, Int or Categorical"
    ranges = [d for d in seen if isinstance(d, (Float, Int)) and type(d) is type(current)
              and (not current.log or d.low > 0)]
    low = min([current.low, *(d.low for d in ranges)])
    high = max([current.high, *(d.high for d in ranges)])
    if (low, high) == (current.low, current.high):
        return current
    step = current.step
    if step is not None and not all(d.step == step and _aligned(d.low - current.low, step) for d in ranges):
        step = None
    if isinstance(current, Int):
        step = step or 1
        high = low + math.ceil((high - low) / step) * step
        return Int(int(low), int(high), log=current.log, step=int(step), when=current.when)
    if step is not None:
        high = low + math.ceil((high - low) / step - 1e-9) * step
    return Float(low, high, log=current.log, step=step, when=current.when)


def _aligned(offset: float, step: float) -> bool:
    k = offset / step
    return abs(k - round(k)) < 1e-8 * max(1.0, abs(k))


def _bounds(dist: Distribution) -> tuple[float, float]:
    assert isinstance(dist, (Float, Int)), "only numeric dimensions have encoding bounds"
    return dist.encoding_bounds()


def _choices(dist: Distribution) -> Sequence[object]:
    assert isinstance(dist, Categorical), "only categorical dimensions have choices"
    return dist.choices


def _single_value(dist: Distribution) -> object:
    """The one value of a distribution that can take only one."""
    if isinstance(dist, Categorical):
        return dist.choices[0]
    assert isinstance(dist, (Float, Int)), "a distribution is Float, Int or Categorical"
    return dist.low


class SubspaceMap:
    """The affine map from points of the search space into the model space (see the module docstring).

    ``searched_numeric`` / ``searched_categorical`` name the dimensions the acquisition optimizer moves,
    in its order; ``model_numeric`` / ``model_categorical`` name the model's dimensions, in the order of
    the GP's encoded rows. Every searched dimension is a model dimension; a model dimension that is not
    searched is held at the encoding of its current single value.
    """

    def __init__(self, search: Mapping[str, Distribution], model: Mapping[str, Distribution],
                 searched_numeric: Sequence[str], searched_categorical: Sequence[str],
                 model_numeric: Sequence[str], model_categorical: Sequence[str]) -> None:
        model_numeric, model_categorical = list(model_numeric), list(model_categorical)
        self.n_model_num, self.n_model_cat = len(model_numeric), len(model_categorical)
        self._num_cols = np.array([model_numeric.index(n) for n in searched_numeric], dtype=int)
        self._cat_cols = np.array([model_categorical.index(n) for n in searched_categorical], dtype=int)
        scale, offset = [], []
        for name in searched_numeric:
            (lo_s, hi_s), (lo_m, hi_m) = _bounds(search[name]), _bounds(model[name])
            scale.append((hi_s - lo_s) / (hi_m - lo_m))
            offset.append((lo_s - lo_m) / (hi_m - lo_m))
        self._scale, self._offset = np.array(scale, dtype=float), np.array(offset, dtype=float)
        self._n_search_choices = np.array([len(_choices(search[n])) for n in searched_categorical], dtype=int)
        self._n_model_choices = np.array([len(_choices(model[n])) for n in searched_categorical], dtype=int)
        held = [n for n in model_numeric + model_categorical if n not in (*searched_numeric, *searched_categorical)]
        self._held_num = {model_numeric.index(n): model[n].to_internal(_single_value(search[n]))
                          for n in held if n in model_numeric}
        self._held_cat = {model_categorical.index(n): int(model[n].to_internal(_single_value(search[n])))
                          for n in held if n in model_categorical}

    def to_model(self, x_num: np.ndarray, x_cat: np.ndarray,
                 inactive: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Search points as model points; numeric dimensions in ``inactive`` keep their stand-in."""
        m = len(x_num)
        out_num = np.empty((m, self.n_model_num))
        mapped = self._offset + self._scale * x_num
        out_num[:, self._num_cols] = mapped if inactive is None else np.where(inactive, INACTIVE_NUMBER, mapped)
        for col, value in self._held_num.items():
            out_num[:, col] = value
        out_cat = np.empty((m, self.n_model_cat), dtype=int)
        out_cat[:, self._cat_cols] = np.where(x_cat >= self._n_search_choices, self._n_model_choices, x_cat)
        for col, index in self._held_cat.items():
            out_cat[:, col] = index
        return out_num, out_cat

    def inside(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        """Which model points (such as the encoded trials) the search space holds: searched numbers within
        the current ranges (or at the inactive stand-in), held ones at their value, categories current."""
        tol = 1e-9
        num = x_num[:, self._num_cols]
        ok = np.all(((num >= self._offset - tol) & (num <= self._offset + self._scale + tol))
                    | (num == INACTIVE_NUMBER), axis=1)
        for col, value in self._held_num.items():
            ok &= np.abs(x_num[:, col] - value) <= tol
        cat = x_cat[:, self._cat_cols]
        ok &= np.all((cat < self._n_search_choices) | (cat == self._n_model_choices), axis=1)
        for col, index in self._held_cat.items():
            ok &= x_cat[:, col] == index
        return ok

    def numeric_gradient(self, grad: np.ndarray, inactive: np.ndarray | None) -> np.ndarray:
        """A gradient in the model's numeric inputs as one in the searched ones."""
        out = grad[:, self._num_cols] * self._scale
        return out if inactive is None else np.where(inactive, 0.0, out)

    def to_search(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model points (such as the best trials, as anchors) projected into the search space: numeric
        values clipped to the current ranges, rows holding a category the search space lacks dropped."""
        num = np.clip((x_num[:, self._num_cols] - self._offset) / self._scale, 0.0, 1.0)
        cat = x_cat[:, self._cat_cols]
        inactive = cat == self._n_model_choices
        keep = np.all(inactive | (cat < self._n_search_choices), axis=1)
        cat = np.where(inactive, self._n_search_choices, cat)
        return num[keep], cat[keep].astype(int)


class SubspaceAcquisition:
    """An acquisition function of the model space, scored at points of the search space.

    ``inactive_of(x_num, x_cat)`` gives the numeric dimensions each search point leaves inactive (None
    when the space has no conditions); those keep the stand-in value in the model space too.
    """

    def __init__(self, acquisition: AcquisitionFunction, subspace: SubspaceMap,
                 inactive_of: Callable[[np.ndarray, np.ndarray], np.ndarray | None]) -> None:
        self._acqf = acquisition
        self._map = subspace
        self._inactive_of = inactive_of

    def __call__(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        return self._acqf(*self._map.to_model(x_num, x_cat, self._inactive_of(x_num, x_cat)))

    def value_and_grad(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inactive = self._inactive_of(x_num, x_cat)
        values, grad = self._acqf.value_and_grad(*self._map.to_model(x_num, x_cat, inactive))
        return values, self._map.numeric_gradient(grad, inactive)
