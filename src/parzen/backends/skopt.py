"""scikit-optimize's ``Optimizer`` (Bayesian optimization with a GP, random forest or boosted trees)
behind parzen's Sampler interface.

scikit-optimize works on one fixed box of dimensions and minimizes one objective. parzen gives it
the study's space as such a box: a log parameter as a log-uniform dimension, a stepped one as the
integer index of its grid point, a categorical one as the index of its choice. Conditional
parameters are proposed like the others and dropped when their condition does not hold; a
finished trial that lacks one (it was inactive) is told with the parameter at the middle of its
range, so the model keeps every observation. A maximized objective is told negated; failed and
pruned trials are not told (scikit-optimize has no place for them). The box is rebuilt, and the
valid history told again, when the space changes.

scikit-optimize is archived upstream; it is an optional extra (``pip install 'parzen[skopt]'``)
kept apart from the others, and only its ``Optimizer`` ask/tell entry point is used.
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from parzen.samplers._base import Sampler, draw_uniform, make_rng
from parzen.space import Categorical, Distribution, Float, Int, walk_active
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

_ESTIMATORS = ("GP", "RF", "ET", "GBRT")


def import_skopt() -> Any:
    try:
        import skopt
    except ImportError as exc:
        raise ImportError("the skopt back end needs scikit-optimize: pip install 'parzen[skopt]'") from exc
    return skopt


def _n_grid(dist: Float | Int) -> int:
    return int(round((dist.high - dist.low) / dist.step)) + 1 if dist.step is not None else 0


def _dimension(dist: Distribution) -> Any:
    from skopt.space import Categorical as SkCategorical
    from skopt.space import Integer, Real

    if isinstance(dist, Categorical):
        return SkCategorical(list(range(len(dist.choices))), transform="onehot")
    assert isinstance(dist, (Float, Int)), dist
    if isinstance(dist, Int) and dist.step == 1:
        return Integer(dist.low, dist.high, prior="log-uniform" if dist.log else "uniform")
    if dist.step is not None:
        return Integer(0, _n_grid(dist) - 1)
    return Real(dist.low, dist.high, prior="log-uniform" if dist.log else "uniform")


def _to_point(dist: Distribution, value: Any) -> Any:
    """A parzen value as the coordinate of its dimension."""
    if isinstance(dist, Categorical):
        return dist.index(value)
    assert isinstance(dist, (Float, Int)), dist
    if isinstance(dist, Int) and dist.step == 1:
        return int(value)
    if dist.step is not None:
        return int(round((value - dist.low) / dist.step))
    return float(value)


def _from_point(dist: Distribution, coordinate: Any) -> Any:
    if isinstance(dist, Categorical):
        return dist.choices[int(coordinate)]
    if isinstance(dist, Int):
        return int(coordinate) if dist.step == 1 else dist.low + int(coordinate) * dist.step
    assert isinstance(dist, Float), dist
    if dist.step is not None:
        return float(dist.grid_value(int(coordinate)))
    return float(coordinate)


def _middle(dist: Distribution) -> Any:
    """The stand-in coordinate of a parameter a trial does not have."""
    if isinstance(dist, Categorical):
        return 0
    assert isinstance(dist, (Float, Int)), dist
    if isinstance(dist, Int) and dist.step == 1:
        return int(round(math.sqrt(dist.low * dist.high))) if dist.log else (dist.low + dist.high) // 2
    if dist.step is not None:
        return (_n_grid(dist) - 1) // 2
    return math.sqrt(dist.low * dist.high) if dist.log else (dist.low + dist.high) / 2


class _Box:
    """One scikit-optimize ``Optimizer`` over a fixed space, and the trials it has been told."""

    def __init__(self, space: Mapping[str, Distribution], options: Mapping[str, Any], seed: int) -> None:
        skopt = import_skopt()
        self.space = dict(space)
        self.optimizer = skopt.Optimizer([_dimension(d) for d in space.values()], random_state=seed, **options)
        self.told: set[int] = set()
        self.asked: dict[int, list[Any]] = {}  # parzen trial id -> the point proposed for it

    def point_of(self, t: "FrozenTrial") -> list[Any] | None:
        """The trial's coordinates in this box (stand-ins for absent parameters); None if it lies outside."""
        asked = self.asked.pop(t.trial_id, None)
        if asked is not None:
            return asked
        point = []
        for name, dist in self.space.items():
            if name not in t.params:
                point.append(_middle(dist))
            elif dist.contains(t.params[name]):
                point.append(_to_point(dist, t.params[name]))
            else:
                return None
        return point

    def catch_up(self, study: "Study") -> None:
        """Tell the completed trials not yet told (maximized values negated)."""
        sign = -1.0 if study.directions[0] == "maximize" else 1.0
        points, values = [], []
        for t in study.get_trials([TrialState.COMPLETE]):
            if t.number in self.told:
                continue
            self.told.add(t.number)
            point = self.point_of(t)
            if point is not None and t.values is not None:
                points.append(point)
                values.append(sign * t.values[0])
        if points:
            self.optimizer.tell(points, values)


class SkoptSampler(Sampler):
    """Proposes parameters with ``skopt.Optimizer`` (``base_estimator`` "GP", "RF", "ET" or "GBRT").

    ``n_initial_points`` random points come first; ``acq_func`` is one of scikit-optimize's
    ("gp_hedge", "EI", "PI", "LCB"); ``acq_optimizer`` is how it maximizes the acquisition
    ("auto", "sampling", or "lbfgs", which is slower and finer). One objective only. Define-by-run objectives work: the
    parameters that every completed trial holds form the box; the others are drawn uniformly.
    """

    def __init__(self, base_estimator: str = "GP", n_initial_points: int = 10, acq_func: str = "gp_hedge",
                 acq_optimizer: str = "auto", seed: int | None = None) -> None:
        if base_estimator not in _ESTIMATORS:
            raise ValueError(f"`base_estimator` must be one of {_ESTIMATORS}, got {base_estimator!r}")
        if isinstance(n_initial_points, bool) or not isinstance(n_initial_points, int) or n_initial_points < 1:
            raise ValueError(f"`n_initial_points` must be an int >= 1, got {n_initial_points!r}")
        if acq_func not in ("gp_hedge", "EI", "PI", "LCB"):
            raise ValueError(f"`acq_func` must be 'gp_hedge', 'EI', 'PI' or 'LCB', got {acq_func!r}")
        if acq_optimizer not in ("auto", "sampling", "lbfgs"):
            raise ValueError(f"`acq_optimizer` must be 'auto', 'sampling' or 'lbfgs', got {acq_optimizer!r}")
        import_skopt()
        self._options = {"base_estimator": base_estimator, "n_initial_points": n_initial_points,
                         "acq_func": acq_func, "acq_optimizer": acq_optimizer}
        self._rng = make_rng(seed)
        self._boxes: weakref.WeakKeyDictionary[Any, _Box] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _box(self, study: "Study", space: Mapping[str, Distribution]) -> _Box:
        if study.n_objectives != 1:
            raise ValueError("the skopt back end optimizes one objective; this study has "
                             f"{study.n_objectives} (use the optuna back end or parzen's samplers)")
        box = self._boxes.get(study)
        if box is None or box.space != dict(space):
            box = self._boxes[study] = _Box(space, self._options, int(self._rng.integers(2**31)))
        box.catch_up(study)
        return box

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        """The parameters, with their latest distribution, that every completed trial holds."""
        completed = study.get_trials([TrialState.COMPLETE])
        if not completed:
            return {}
        common = set.intersection(*(set(t.params) for t in completed))
        latest = completed[-1].distributions
        return {name: dist for name, dist in latest.items() if name in common}

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        with self._lock:
            box = self._box(study, space)
            pending = len(box.asked)
            # Points still running get constant-liar stand-ins, so parallel trials do not repeat one.
            point = (box.optimizer.ask(n_points=pending + 1, strategy="cl_min")[-1] if pending
                     else box.optimizer.ask())
            box.asked[trial.trial_id] = [np.asarray(c).item() for c in point]
        coordinates = dict(zip(space, box.asked[trial.trial_id]))
        params: dict[str, Any] = {}
        for name, dist in walk_active(space, params):
            params[name] = _from_point(dist, coordinates[name])
        return params

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        with self._lock:
            return draw_uniform(distribution, self._rng)

    def after_trial(self, study: "Study", trial: "FrozenTrial") -> None:
        if trial.state != TrialState.COMPLETE:
            with self._lock:
                box = self._boxes.get(study)
                if box is not None:
                    box.asked.pop(trial.trial_id, None)
