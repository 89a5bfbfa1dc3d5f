"""Maximizing an acquisition function over the mixed encoded space.

A scrambled Sobol sweep (plus jittered copies of the best observations) is scored in one batch; the best
few points then climb jointly: L-BFGS-B on the continuous dimensions (one problem whose gradient is
block-diagonal across starts, as BoTorch's batched ``gen_candidates_scipy``), and an exhaustive
coordinate move on each small grid and each categorical dimension.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Protocol

import numpy as np
from scipy.stats import qmc

from parzen.samplers.gp import lbfgsb
from parzen.samplers.gp.conditions import INACTIVE_NUMBER, Conditions

_ANCHOR_COPIES = 32
_ANCHOR_SCALE = 0.03


class AcquisitionFunction(Protocol):
    def __call__(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray: ...

    def value_and_grad(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


@dataclasses.dataclass(frozen=True)
class SearchDims:
    """The encoded space to search.

    ``grids[k]`` lists the allowed internal values of numeric dimension k when it is a grid small enough
    to try every value, else None (continuous, or a large grid treated as continuous then snapped).
    ``snap`` maps numeric points (m, d_num) onto allowed values (the cell centres of grids).
    ``n_choices`` gives the number of categories of each categorical dimension.
    ``conditions`` says which dimensions a point activates when some parameters are conditional.
    """

    grids: tuple[np.ndarray | None, ...]
    snap: Callable[[np.ndarray], np.ndarray]
    n_choices: tuple[int, ...]
    conditions: Conditions | None = None

    def canonical(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points snapped to the grids, with inactive dimensions at their stand-in values."""
        x_num = self.snap(x_num)
        if self.conditions is None:
            return x_num, x_cat
        return self.conditions.canonical(x_num, x_cat)

    def inactive_numbers(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray | None:
        """Mask (m, d_num) of the numeric dimensions the points leave inactive; None if all are active."""
        if self.conditions is None:
            return None
        return ~self.conditions.active(x_num, x_cat)[0]

    @property
    def d_num(self) -> int:
        return len(self.grids)

    @property
    def free(self) -> np.ndarray:
        """Indices of the numeric dimensions moved by gradient steps."""
        return np.array([k for k, g in enumerate(self.grids) if g is None], dtype=int)


def sweep_points(dims: SearchDims, rng: np.random.Generator, n_sweep: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_sweep`` scrambled Sobol points (rounded up to a power of two), snapped to the grids."""
    d = dims.d_num + len(dims.n_choices)
    m = 1 << max(int(np.ceil(np.log2(max(n_sweep, 2)))), 1)
    u = qmc.Sobol(d, scramble=True, seed=rng).random(m)
    x_cat = np.floor(u[:, dims.d_num:] * np.array(dims.n_choices, dtype=float)).astype(int)
    return dims.canonical(u[:, : dims.d_num], np.minimum(x_cat, np.array(dims.n_choices, dtype=int) - 1))


def _anchor_points(dims: SearchDims, rng: np.random.Generator, anchors_num: np.ndarray,
                   anchors_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each anchor and Gaussian-jittered copies of its numeric part (exploitation near the incumbents)."""
    x_num = np.repeat(anchors_num, _ANCHOR_COPIES + 1, axis=0)
    x_cat = np.repeat(anchors_cat, _ANCHOR_COPIES + 1, axis=0)
    jitter = _ANCHOR_SCALE * rng.standard_normal(x_num.shape)
    jitter[:: _ANCHOR_COPIES + 1] = 0.0
    return dims.canonical(np.clip(x_num + jitter, 0.0, 1.0), x_cat)


def _lbfgs(acqf: AcquisitionFunction, dims: SearchDims, x_num: np.ndarray, x_cat: np.ndarray,
           maxiter: int) -> np.ndarray:
    """Climb the free dimensions of every start at once; returns the moved numeric points."""
    free = dims.free
    m = len(x_num)
    inactive = dims.inactive_numbers(x_num, x_cat)
    held = None if inactive is None else inactive[:, free]

    def loss_all_free(flat: np.ndarray) -> tuple[float, np.ndarray]:
        """``loss`` where every numeric dimension is free and active: the vector is the points themselves."""
        value, grad = acqf.value_and_grad(flat.reshape(m, len(free)), x_cat)
        return -float(value.sum()), -grad.ravel()

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = x_num.copy()
        x[:, free] = flat.reshape(m, len(free))
        if held is not None:
            x[:, free] = np.where(held, INACTIVE_NUMBER, x[:, free])
        value, grad = acqf.value_and_grad(x, x_cat)
        grad = grad[:, free]
        if held is not None:
            grad = np.where(held, 0.0, grad)
        return -float(value.sum()), -grad.ravel()

    all_free = held is None and len(free) == x_num.shape[1]
    res = lbfgsb.minimize(loss_all_free if all_free else loss, x_num[:, free].ravel(), [(0.0, 1.0)] * (m * len(free)),
                          maxiter)
    moved = x_num.copy()
    moved[:, free] = np.clip(res.x.reshape(m, len(free)), 0.0, 1.0)
    return dims.canonical(moved, x_cat)[0]


def _coordinate_moves(acqf: AcquisitionFunction, dims: SearchDims, x_num: np.ndarray, x_cat: np.ndarray,
                      values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each grid and categorical dimension in turn, move every start to its best value there."""
    m = len(x_num)
    moves = [(False, k, g) for k, g in enumerate(dims.grids) if g is not None]
    moves += [(True, k, np.arange(c)) for k, c in enumerate(dims.n_choices) if c > 1]
    for is_cat, k, options in moves:
        cand_num = np.repeat(x_num, len(options), axis=0)
        cand_cat = np.repeat(x_cat, len(options), axis=0)
        (cand_cat if is_cat else cand_num)[:, k] = np.tile(options, m)
        cand_num, cand_cat = dims.canonical(cand_num, cand_cat)
        scores = acqf(cand_num, cand_cat).reshape(m, len(options))
        pick = np.argmax(scores, axis=1)
        better = scores[np.arange(m), pick] > values
        rows = np.flatnonzero(better) * len(options) + pick[better]
        x_num[better], x_cat[better], values[better] = cand_num[rows], cand_cat[rows], scores[better, pick[better]]
    return x_num, x_cat, values


def optimize_acqf(acqf: AcquisitionFunction, dims: SearchDims, rng: np.random.Generator, *,
                  n_sweep: int = 1024, n_local: int = 5, anchors_num: np.ndarray | None = None,
                  anchors_cat: np.ndarray | None = None, maxiter: int = 30) -> tuple[np.ndarray, np.ndarray, float]:
    """The best point found, as (numeric part (d_num,), category indices (d_cat,), acquisition value)."""
    x_num, x_cat = sweep_points(dims, rng, n_sweep)
    if anchors_num is not None and anchors_cat is not None and len(anchors_num):
        a_num, a_cat = _anchor_points(dims, rng, anchors_num, anchors_cat)
        x_num, x_cat = np.vstack([x_num, a_num]), np.vstack([x_cat, a_cat])
    values = acqf(x_num, x_cat)
    order = np.argsort(-values, kind="stable")[: max(n_local, 1)]
    x_num, x_cat, values = x_num[order].copy(), x_cat[order].copy(), values[order].copy()
    has_free = len(dims.free) > 0
    has_discrete = any(g is not None for g in dims.grids) or any(c > 1 for c in dims.n_choices)
    for _ in range(2 if has_free and has_discrete else 1):
        if has_free:
            moved = _lbfgs(acqf, dims, x_num, x_cat, maxiter)
            moved_values = acqf(moved, x_cat)
            better = moved_values > values
            x_num[better], values[better] = moved[better], moved_values[better]
        if has_discrete:
            x_num, x_cat, values = _coordinate_moves(acqf, dims, x_num, x_cat, values)
    best = int(np.argmax(values))
    return x_num[best], x_cat[best], float(values[best])
