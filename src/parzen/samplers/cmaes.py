"""CmaEsSampler: CMA-ES (Hansen 2016, "The CMA Evolution Strategy: A Tutorial") fed from a study.

This module is the glue between a study and the optimizers of the ``cmaes`` package (an optional
dependency, ``pip install 'parzen[cmaes]'``). CMA-ES works in parzen's unit-cube encoding: every
numeric parameter is one coordinate in [0, 1] (log scales are handled by the encoding). Integer and
stepped parameters, whose encoding is a row of equal-width cells, are coordinates of CMA-ES with
Margin (Hamano et al. 2022, arXiv:2205.13482), which keeps the chance of leaving the current cell
above a margin so that a discrete coordinate never freezes once the step size falls below a cell.

State lives in the trials. Each trial drawn by CMA-ES carries a system attribute ``"cmaes"`` with its
run (the search space's key, restart, generation), the raw candidate vector and the configuration of
its restart (population size, initial step size and mean). A sampler rebuilds its optimizers by
replaying those trials generation by generation, so a study resumed in a new process, or shared by
workers with their own samplers, continues where it was; the optimizers themselves are a per-study
in-memory cache of that replay. A replay takes each restart's configuration from the earliest trial
that recorded it; two processes that restart the same run at the same moment each keep their own
restart until they are replaced (a new sampler then replays the earliest one).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import numbers
import threading
import weakref
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from parzen._checks import check_int
from parzen.samplers._base import Sampler, make_rng
from parzen.samplers._finite import least_seen
from parzen.samplers._history import StudyHistory, encode_trial, record_finished, study_history
from parzen.samplers.random import fallback_sampler
from parzen.space import Categorical, Distribution, walk_active
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

ATTR = "cmaes"
_RESTART_STRATEGIES = (None, "ipop", "bipop")
_INC_POPSIZE = 2  # Auger & Hansen 2005: IPOP doubles the population at each restart
# The most grid values a discrete coordinate may have to get CMA-ES with Margin. The margin works on cell
# edges in [0, 1]; with 2**40 cells a cell is about 1e-12 wide, which float64 values near 1 (spaced about
# 1e-16) still resolve, and which is where CMA-ES stops on its own (its tolx is 1e-12 sigma0). Past that,
# as with Int(0, 10**18), edges of neighbouring cells coincide in float64, the margin's probabilities
# become 0/0, and the NaN mean ends the run in the cmaes package's assertion: such a coordinate is
# searched as a continuous one, and the encoding rounds it to the grid.
_MAX_CELLS = 2**40
_LARGE, _SMALL = "large", "small"


def _import_cmaes() -> Any:
    try:
        import cmaes
    except ImportError as exc:
        raise ImportError("CmaEsSampler needs the cmaes package: pip install 'parzen[cmaes]'") from exc
    return cmaes


def default_popsize(n_dim: int) -> int:
    """The default population size 4 + floor(3 ln n) (Hansen 2016, eq. 48)."""
    return 4 + math.floor(3 * math.log(n_dim))


def space_key(space: Mapping[str, Distribution]) -> str:
    """A short digest naming a joint space, equal in every process (unlike ``hash``)."""
    text = "\n".join(f"{name}:{dist.describe()}" for name, dist in space.items())
    return hashlib.sha1(text.encode()).hexdigest()[:12]


@dataclasses.dataclass(frozen=True)
class _Geometry:
    """Where CMA-ES searches one joint space: bounds per coordinate and the grid steps of discrete ones.

    A discrete coordinate with n cells takes the cell centres (k + 1/2) / n, which decode exactly to
    the grid values; a continuous coordinate ranges over [0, 1].
    """

    names: tuple[str, ...]
    dists: tuple[Distribution, ...]
    bounds: np.ndarray  # (d, 2)
    steps: np.ndarray  # (d,), 0 for a continuous coordinate

    @classmethod
    def of(cls, space: Mapping[str, Distribution]) -> "_Geometry":
        # A log-scaled Int has unequal cells in the encoding (n_cells() is 0): it is searched as a
        # continuous coordinate and rounded by the encoding. So is a grid of more than _MAX_CELLS values
        # (see there), whose cells are too narrow for the margin to work on.
        cells = np.array([n if n <= _MAX_CELLS else 0 for n in (d.n_cells() for d in space.values())], dtype=float)
        half = np.where(cells > 0, 0.5 / np.maximum(cells, 1), 0.0)
        bounds = np.stack([half, 1.0 - half], axis=1)
        steps = np.where(cells > 0, 1.0 / np.maximum(cells, 1), 0.0)
        return cls(tuple(space), tuple(space.values()), bounds, steps)

    @property
    def dim(self) -> int:
        return len(self.names)

    @property
    def has_discrete(self) -> bool:
        return bool(np.any(self.steps > 0))

    def clip(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, self.bounds[:, 0], self.bounds[:, 1])

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        return {name: dist.to_external(float(v)) for name, dist, v in zip(self.names, self.dists, x)}

    def holds(self, trial: FrozenTrial) -> bool:
        """Whether ``trial`` holds a value of every parameter of this space."""
        return encode_trial(trial, zip(self.names, self.dists)) is not None


@dataclasses.dataclass(frozen=True)
class _RestartConfig:
    """How one restart begins: population size, initial step size and mean, and its BIPOP regime."""

    popsize: int
    sigma0: float
    mean0: tuple[float, ...]
    regime: str = _LARGE

    def to_attr(self) -> dict[str, Any]:
        return {"popsize": self.popsize, "sigma0": self.sigma0, "mean0": list(self.mean0), "regime": self.regime}

    @classmethod
    def from_attr(cls, attr: Mapping[str, Any]) -> "_RestartConfig":
        return cls(int(attr["popsize"]), float(attr["sigma0"]), tuple(float(v) for v in attr["mean0"]),
                   str(attr.get("regime", _LARGE)))


@dataclasses.dataclass
class _Evaluation:
    """One COMPLETE trial drawn by CMA-ES, as its generation will tell it."""

    number: int
    x: np.ndarray
    loss: float
    trial: FrozenTrial


class _Run:
    """The CMA-ES optimizer of one joint space, through its restarts.

    ``evals`` counts the evaluations told in each BIPOP regime and ``n_large`` the large-population
    runs so far (the first run counts as one), which is what BIPOP's next choice depends on.
    """

    def __init__(self, key: str, geometry: _Geometry) -> None:
        self.key = key
        self.geometry = geometry
        self.restart = 0
        self.config: _RestartConfig | None = None
        self.optimizer: Any = None
        self.evals = {_LARGE: 0, _SMALL: 0}
        self.n_large = 0

    def start(self, restart: int, config: _RestartConfig, optimizer: Any) -> None:
        self.restart, self.config, self.optimizer = restart, config, optimizer
        if config.regime == _LARGE:
            self.n_large += 1

    @property
    def generation(self) -> int:
        return int(self.optimizer.generation)


class _Replay:
    """The COMPLETE trials of one study as CMA-ES replays them, read incrementally from the shared history.

    ``buckets`` maps (space key, restart, generation) to the evaluations of that generation;
    ``configs`` holds the configuration of each (space key, restart) as the earliest trial recorded
    it; ``runs`` the optimizer of each joint space.
    """

    def __init__(self, attr: str) -> None:
        self.attr = attr
        self.n_read = 0
        self.buckets: dict[tuple[str, int, int], list[_Evaluation]] = {}
        self.configs: dict[tuple[str, int], tuple[int, _RestartConfig]] = {}
        self.runs: dict[str, _Run] = {}

    def update(self, history: StudyHistory, sign: float) -> None:
        complete = history.select((TrialState.COMPLETE,))
        for trial in complete[self.n_read:]:
            self._add(trial, sign)
        self.n_read = len(complete)

    def _add(self, trial: FrozenTrial, sign: float) -> None:
        tag = trial.system_attrs.get(self.attr)
        if not isinstance(tag, Mapping) or not trial.values:
            return
        key, restart = str(tag["space"]), int(tag["restart"])
        run_id = (key, restart)
        known = self.configs.get(run_id)
        if known is None or trial.number < known[0]:
            self.configs[run_id] = (trial.number, _RestartConfig.from_attr(tag))
        evaluation = _Evaluation(trial.number, np.asarray(tag["x"], dtype=float), sign * trial.values[0], trial)
        self.buckets.setdefault((key, restart, int(tag["generation"])), []).append(evaluation)


class CmaEsSampler(Sampler):
    """CMA-ES over the numeric parameters, with optional IPOP or BIPOP restarts.

    Numeric parameters are sampled jointly by CMA-ES in the unit-cube encoding: continuous ones by
    CMA-ES (``cmaes.CMA``), and when the space has integer or stepped parameters, all of them by
    CMA-ES with Margin (``cmaes.CMAwM``). Categorical parameters, conditional ones, and parameters
    outside the joint space are drawn at random. In define-by-run trials the joint space is the
    numeric distributions every COMPLETE trial shares; with ``study.ask(space)`` it is the given space.

    Each generation asks ``popsize`` candidates, one per trial, tagged with the generation; once that
    many COMPLETE trials of the generation exist (the earliest by number), CMA-ES is told their values
    and moves to the next generation. FAILED and PRUNED trials are replaced by further asks of the same
    generation; surplus trials of a past generation (parallel workers) are evaluated but not told.
    Enqueued trials with fixed values are never told, as their point is not CMA-ES's.

    Args:
        seed: seeds this sampler's own random generator (same seed and tells, same suggestions).
        x0: initial mean as parameter values, by name; parameters it lacks start at the centre of
            their range. Names that no joint space holds are unused.
        sigma0: initial step size in the unit-cube encoding (default 1/6: the range spans six sigmas).
        n_startup_trials: COMPLETE trials drawn at random before CMA-ES starts.
        popsize: candidates per generation; None for 4 + floor(3 ln n) in n dimensions.
        restart_strategy: when the optimizer's stopping criteria fire (``should_stop``), ``"ipop"``
            restarts from a random mean with twice the population (Auger & Hansen 2005) and ``"bipop"``
            alternates such large-population restarts with small-population, small-step ones, giving
            each regime an equal budget (Hansen 2009); None keeps the converged optimizer.
        attr: the trial system attribute that holds this sampler's state. Samplers with different
            ``attr`` run separate CMA-ES on one study, each replaying only its own trials (the default
            sampler's warm-started phase after its GP phase uses this).

    Studies with several objectives are sampled at random. On a small finite space a candidate already
    seen more often than another point is asked again (up to 32 times), then replaced by a least-seen
    point (the rule of :class:`RandomSampler`); such a point is not CMA-ES's and is not told to it.
    """

    def __init__(self, seed: int | None = None, *, x0: Mapping[str, Any] | None = None, sigma0: float | None = None,
                 n_startup_trials: int = 1, popsize: int | None = None, restart_strategy: str | None = None,
                 attr: str = ATTR) -> None:
        self._cmaes = _import_cmaes()
        if not isinstance(attr, str):
            raise TypeError(f"`attr` must be a str, got {attr!r}")
        if not attr:
            raise ValueError("`attr` must be a non-empty str")
        self._attr = attr
        self._rng = make_rng(seed)
        self._x0 = _check_x0(x0)
        self._sigma0 = _check_sigma0(sigma0)
        self._n_startup_trials = check_int("n_startup_trials", n_startup_trials, minimum=0)
        self._popsize = None if popsize is None else check_int("popsize", popsize, minimum=2)
        if restart_strategy not in _RESTART_STRATEGIES:
            raise ValueError(f"`restart_strategy` must be one of {list(_RESTART_STRATEGIES)}, got {restart_strategy!r}")
        self._restart_strategy = restart_strategy
        self._random = fallback_sampler(seed, self._rng)
        self._lock = threading.RLock()  # held across the rule against repeats, whose redraws take it again
        self._replays: weakref.WeakKeyDictionary[StudyHistory, _Replay] = weakref.WeakKeyDictionary()

    # --- the Sampler interface -------------------------------------------------------------------------
    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        """The numeric, non-single distributions shared by every COMPLETE trial."""
        if study.n_objectives > 1:
            return {}
        with self._lock:
            return _joint(study_history(study).intersection((TrialState.COMPLETE,)) or {})

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        if study.n_objectives > 1:
            return self._random.sample(study, trial, space)
        joint = _joint(space)
        proposals: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

        def propose() -> dict[str, Any]:
            params: dict[str, Any] = {}
            tag = None
            if joint:
                with self._lock:
                    history = study_history(study)
                    if history.count(TrialState.COMPLETE) >= self._n_startup_trials:
                        params, tag = self._sample_joint(self._replay(study, history), trial, joint)
            for name, dist in walk_active(space, params):
                if name not in params:
                    params[name] = self._random.sample_independent(study, trial, name, dist)
            proposals.append((params, tag))
            return params

        with self._lock:
            chosen = least_seen(study, trial, space, propose(), propose, self._rng, until_covered=True)
        tag = next((t for p, t in proposals if p is chosen), None)  # a least-seen point of the rule is not CMA-ES's
        if tag is not None:
            trial.set_system_attr(self._attr, tag)
        return chosen

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        return self._random.sample_independent(study, trial, name, distribution)

    def after_trial(self, study: "Study", trial: FrozenTrial) -> None:
        """Record the finished trial now, so that the next ask finds the history up to date."""
        record_finished(study, trial)

    def _replay(self, study: "Study", history: StudyHistory) -> _Replay:
        """The study's replay, brought up to date with trials completed since the last call."""
        replay = self._replays.get(history)
        if replay is None:
            replay = self._replays[history] = _Replay(self._attr)
        replay.update(history, _sign(study))
        return replay

    # --- CMA-ES ----------------------------------------------------------------------------------------
    def _sample_joint(self, history: _Replay, trial: "Trial",
                      joint: dict[str, Distribution]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """A candidate of the current generation for ``joint``, and the tag that records it on the trial
        (None for a trial with fixed values, whose point is not CMA-ES's)."""
        run = self._run_for(history, joint)
        self._advance(history, run)
        if run.geometry.has_discrete:
            x_eval, x_tell = run.optimizer.ask()
        else:
            x_eval = x_tell = run.optimizer.ask()
        x_eval = run.geometry.clip(x_eval)
        fixed = trial.system_attrs.get("fixed_params") or {}
        if any(name in fixed for name in joint):
            return run.geometry.decode(x_eval), None
        assert run.config is not None, "a started run has a configuration"
        tag = {"space": run.key, "restart": run.restart, "generation": run.generation,
               "x": [float(v) for v in x_tell], **run.config.to_attr()}
        return run.geometry.decode(x_eval), tag

    def _run_for(self, history: _Replay, joint: dict[str, Distribution]) -> _Run:
        key = space_key(joint)
        run = history.runs.get(key)
        if run is None:
            run = _Run(key, _Geometry.of(joint))
            config = self._recorded_config(history, key, 0) or self._initial_config(run.geometry)
            run.start(0, config, self._optimizer(run.geometry, config))
            history.runs[key] = run
        return run

    def _advance(self, history: _Replay, run: _Run) -> None:
        """Tell every generation that has ``popsize`` COMPLETE trials, restarting when CMA-ES has converged."""
        while True:
            assert run.config is not None, "a started run has a configuration"
            bucket = history.buckets.get((run.key, run.restart, run.generation), [])
            if len(bucket) < run.config.popsize:  # cheap exit while a generation fills (large IPOP populations)
                return
            told = [e for e in sorted(bucket, key=lambda e: e.number)
                    if e.x.shape == (run.geometry.dim,) and run.geometry.holds(e.trial)][: run.config.popsize]
            if len(told) < run.config.popsize:
                return
            run.optimizer.tell([(e.x, e.loss) for e in told])
            run.evals[run.config.regime] += len(told)
            if self._restart_strategy is not None and run.optimizer.should_stop():
                restart = run.restart + 1
                config = self._recorded_config(history, run.key, restart) or self._restart_config(run)
                run.start(restart, config, self._optimizer(run.geometry, config))

    @staticmethod
    def _recorded_config(history: _Replay, key: str, restart: int) -> _RestartConfig | None:
        """The configuration a trial recorded for this restart, so that every sampler replays the same run."""
        recorded = history.configs.get((key, restart))
        return None if recorded is None else recorded[1]

    def _initial_config(self, geometry: _Geometry) -> _RestartConfig:
        mean = np.full(geometry.dim, 0.5)
        for i, (name, dist) in enumerate(zip(geometry.names, geometry.dists)):
            if name in self._x0:
                mean[i] = _encode_x0(name, dist, self._x0[name])
        popsize = self._popsize or default_popsize(geometry.dim)
        return _RestartConfig(popsize, self._sigma0, tuple(float(v) for v in geometry.clip(mean)))

    def _restart_config(self, run: _Run) -> _RestartConfig:
        """The next restart: from a uniform random mean (Auger & Hansen 2005), sized by the strategy."""
        geometry = run.geometry
        mean = tuple(float(v) for v in self._rng.uniform(geometry.bounds[:, 0], geometry.bounds[:, 1]))
        base = self._popsize or default_popsize(geometry.dim)
        if self._restart_strategy == "ipop":
            return _RestartConfig(base * _INC_POPSIZE ** (run.restart + 1), self._sigma0, mean, _LARGE)
        # BIPOP (Hansen 2009): the first restart and any restart whose small-regime budget has caught up
        # with the large one double the large population; otherwise a small run with
        # lambda_s = floor(lambda_def (lambda_l / (2 lambda_def))^(U^2)) and sigma = sigma0 10^(-2U').
        if run.n_large == 1 or run.evals[_SMALL] >= run.evals[_LARGE]:
            return _RestartConfig(base * _INC_POPSIZE ** run.n_large, self._sigma0, mean, _LARGE)
        large = base * _INC_POPSIZE ** (run.n_large - 1)
        popsize = max(2, math.floor(base * (0.5 * large / base) ** (self._rng.random() ** 2)))
        sigma = self._sigma0 * 10 ** (-2 * self._rng.random())
        return _RestartConfig(popsize, sigma, mean, _SMALL)

    def _optimizer(self, geometry: _Geometry, config: _RestartConfig) -> Any:
        """A fresh optimizer for one restart; CMA-ES with Margin when the space has discrete coordinates."""
        seed = int(self._rng.integers(2**31))
        mean = geometry.clip(np.asarray(config.mean0, dtype=float))
        # With popsize < 4 the rank-mu learning rate c_mu is 0 and the bound 1 + c1 / c_mu on the negative
        # weights (Hansen 2016, eq. 50) is an infinity that min() discards: harmless, so not reported.
        with np.errstate(divide="ignore"):
            if geometry.has_discrete:
                return self._cmaes.CMAwM(mean=mean, sigma=config.sigma0, bounds=geometry.bounds.copy(),
                                         steps=geometry.steps.copy(), seed=seed, population_size=config.popsize)
            return self._cmaes.CMA(mean=mean, sigma=config.sigma0, bounds=geometry.bounds.copy(), seed=seed,
                                   population_size=config.popsize)


def _joint(space: Mapping[str, Distribution]) -> dict[str, Distribution]:
    """The part of ``space`` CMA-ES samples: unconditional, numeric, more than one value."""
    return {
        name: dist for name, dist in space.items()
        if dist.when is None and not isinstance(dist, Categorical) and not dist.is_single()
    }


def _sign(study: "Study") -> float:
    return 1.0 if study.direction == "minimize" else -1.0


def _encode_x0(name: str, dist: Distribution, value: Any) -> float:
    if not dist.contains(value):
        raise ValueError(f"`x0`: the value {value!r} of parameter {name!r} is not in {dist.describe()}")
    return float(dist.to_internal(value))


def _check_x0(x0: Mapping[str, Any] | None) -> dict[str, Any]:
    if x0 is None:
        return {}
    if not isinstance(x0, Mapping) or not all(isinstance(k, str) for k in x0):
        raise TypeError(f"`x0` must be a mapping of parameter names to values, got {x0!r}")
    return dict(x0)


def _check_sigma0(sigma0: float | None) -> float:
    if sigma0 is None:
        return 1.0 / 6.0
    if isinstance(sigma0, bool) or not isinstance(sigma0, numbers.Real):
        raise TypeError(f"`sigma0` must be a float in (0, 1], got {sigma0!r}")
    if not 0 < sigma0 <= 1:
        raise ValueError(f"`sigma0` must be in (0, 1] (a step in the unit-cube encoding), got {sigma0!r}")
    return float(sigma0)
