"""The default sampler: picks GP, CMA-ES or TPE for each trial from the study and its space.

The rules come from ``benchmarks/sample_efficiency.py`` and ``benchmarks/multi_objective.py`` (the
figures are in BENCHMARKS.md, not here, as they change with each release):

- the GP had the best mean rank up to a few hundred trials on continuous, integer, mixed, conditional
  and model-tuning problems, and the best hypervolume on most multi-objective problems;
- on numeric spaces of 10 or more dimensions, CMA-ES for the first trials and then the GP beat both
  alone, so CMA-ES hands over to the GP after ``cmaes_max_trials``;
- on spaces dominated by integers and categories (the mixed Levy problem) the default with TPE there
  beat the default with the GP at 50 and 100 trials (same seeds), so such spaces go to TPE;
- on numeric spaces the GP's progress stalled in a basin between ``late_cmaes_trials`` and
  ``gp_max_trials`` trials while its cost per trial grew, and CMA-ES started at the best point with
  a step size from the spread of the best trials kept improving at a flat cost, so numeric spaces go
  to that warm-started CMA-ES; other spaces go to TPE past ``gp_max_trials``, whose cost per trial
  stays flat too (its densities keep a bounded number of kernels);
- TPE is the only one of the three that handles constraints and parameters that come and go for
  reasons no parent explains.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import threading
import weakref
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from parzen.samplers._base import Sampler, make_rng
from parzen.samplers._history import StudyHistory, study_history
from parzen.samplers.inferred_conditions import infer_conditional_space
from parzen.space import Categorical, Distribution
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

CHOICE_ATTR = "auto:sampler"
LATE_CMAES_ATTR = "auto:cmaes"
WIDE_NUMERIC_DIMS = 10
# A space of at least this many discrete dimensions (integers, stepped floats, categories), making up at
# least half of its free dimensions, is integer-heavy and goes to TPE.
DISCRETE_HEAVY_DIMS = 6
# A late CMA-ES phase is started only if the study's known budget leaves it this many generations.
LATE_MIN_GENERATIONS = 5
_WARM_TOP_SHARE = 0.1  # the warm start's step size is the spread of this share of the best trials
_WARM_SIGMA_RANGE = (0.01, 1.0 / 6.0)


class _SpaceSummary:
    """What the COMPLETE trials of one study held, read incrementally: each parameter's latest
    distribution and how many trials hold it."""

    def __init__(self) -> None:
        self.n_read = 0
        self.seen: dict[str, Distribution] = {}
        self.held: dict[str, int] = {}

    def update(self, complete: list[FrozenTrial]) -> None:
        for t in complete[self.n_read:]:
            self.seen.update(t.distributions)
            for name in t.distributions:
                self.held[name] = self.held.get(name, 0) + 1
        self.n_read = len(complete)

    def has_undeclared_conditions(self) -> bool:
        """True when some trial lacks a parameter that no ``when`` condition explains (define-by-run branches)."""
        return any(self.held[name] < self.n_read and dist.when is None for name, dist in self.seen.items())


def _is_discrete(dist: Distribution) -> bool:
    return isinstance(dist, Categorical) or getattr(dist, "step", None) is not None


def is_discrete_heavy(free: list[Distribution]) -> bool:
    """Whether a space of free dimensions is integer- or categorical-heavy (see ``DISCRETE_HEAVY_DIMS``)."""
    n_discrete = sum(_is_discrete(d) for d in free)
    return n_discrete >= DISCRETE_HEAVY_DIMS and 2 * n_discrete >= len(free)


def warm_start(complete: list[FrozenTrial], space: Mapping[str, Distribution],
               sign: float) -> tuple[dict[str, Any], float] | None:
    """CMA-ES's start from a history: the best trial's values and the spread of the best trials.

    The step size is the root mean variance, in the unit-cube encoding, of the best
    ``_WARM_TOP_SHARE`` of the trials that hold every parameter of ``space`` (at least two of them),
    clipped to ``_WARM_SIGMA_RANGE``: a basin the earlier phase has narrowed down gets a local search.
    None when the space is empty or fewer than two trials hold all of it.
    """
    names = list(space)
    if not names:
        return None
    held, rows, losses = [], [], []
    for t in complete:
        if t.values is None or not all(n in t.params and space[n].contains(t.params[n]) for n in names):
            continue
        held.append(t)
        rows.append([float(space[n].to_internal(t.params[n])) for n in names])
        losses.append(sign * t.values[0])
    if len(rows) < 2:
        return None
    order = np.argsort(losses, kind="stable")
    top = np.asarray(rows)[order[: max(2, math.ceil(_WARM_TOP_SHARE * len(rows)))]]
    sigma = float(np.sqrt(np.mean(np.var(top, axis=0))))
    best = held[int(order[0])]
    return {n: best.params[n] for n in names}, float(np.clip(sigma, *_WARM_SIGMA_RANGE))


class AutoSampler(Sampler):
    """GP while a study is small, CMA-ES on wide numeric spaces and after the GP, TPE for what the GP cannot do.

    For each new trial, in this order:

    1. a ``constraints_func``: TPE (MOTPE for several objectives), which keeps infeasible trials bad;
    2. on a space of only unconditional numeric parameters with one objective, from
       ``min(late_cmaes_trials, gp_max_trials)`` finished trials on: CMA-ES warm-started from the
       history (:func:`warm_start`: the best trial's values, and a step size from the spread of the
       best trials), with IPOP restarts, whose cost per trial stays flat and which keeps improving in
       a basin where the GP stalls. When the study knows its budget (``study.planned_trials``, set by
       ``optimize(n_trials=...)``) and it would leave CMA-ES fewer than ``LATE_MIN_GENERATIONS``
       generations, the GP keeps the study to its end instead: a CMA-ES run that cannot update a few
       times only samples around its start. Other spaces, from ``gp_max_trials`` finished trials on:
       TPE, whose cost per trial also stays low (numeric spaces too when the optional ``cmaes``
       package is missing);
    3. parameters that come and go between trials without a declared ``when`` condition, and that
       no categorical or integer parent explains (:mod:`parzen.samplers.inferred_conditions`): TPE,
       which models each parameter on the trials that hold it;
    4. an integer- or categorical-heavy space (:func:`is_discrete_heavy`: at least
       ``DISCRETE_HEAVY_DIMS`` integer, stepped or categorical dimensions, making up at least half of
       the free ones): TPE;
    5. one objective, a space of only unconditional numeric parameters with at least 10 free
       dimensions, fewer than ``cmaes_max_trials`` finished trials: CMA-ES (when the optional
       ``cmaes`` package is installed, TPE otherwise);
    6. otherwise: GP (which then also models what CMA-ES evaluated, conditional parameters
       declared with ``when``, the branches of a define-by-run objective that step 3 explained, and
       several objectives through random scalarizations).

    The first trial has no history to judge the space by; it goes to the GP sampler, whose startup
    trials are random. Each trial records its choice in the system attribute ``"auto:sampler"``
    (``"cmaes-late"`` for step 2's CMA-ES, whose state lives in ``"auto:cmaes"``).
    """

    def __init__(self, seed: int | None = None, *, gp_max_trials: int = 300, cmaes_max_trials: int = 50,
                 late_cmaes_trials: int = 200) -> None:
        for name, value in (("gp_max_trials", gp_max_trials), ("cmaes_max_trials", cmaes_max_trials),
                            ("late_cmaes_trials", late_cmaes_trials)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"AutoSampler: `{name}` must be an int >= 0, got {value!r}")
        rng = make_rng(seed)
        self._seeds = {name: int(s) for name, s in zip(("tpe", "gp", "cmaes", "cmaes-late"),
                                                        rng.integers(2**31, size=4))}
        self._gp_max_trials = int(gp_max_trials)
        self._late_start = min(int(late_cmaes_trials), self._gp_max_trials)
        self._cmaes_max_trials = int(cmaes_max_trials)
        self._has_cmaes = importlib.util.find_spec("cmaes") is not None
        self._samplers: dict[str, Sampler] = {}
        self._late: weakref.WeakKeyDictionary[StudyHistory, dict[str, Sampler]] = weakref.WeakKeyDictionary()
        self._summaries: weakref.WeakKeyDictionary[StudyHistory, _SpaceSummary] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _sampler(self, name: str) -> Sampler:
        with self._lock:
            if name not in self._samplers:
                if name == "gp":
                    from parzen.samplers.gp import GPSampler

                    self._samplers[name] = GPSampler(seed=self._seeds[name])
                elif name == "cmaes":
                    from parzen.samplers.cmaes import CmaEsSampler

                    self._samplers[name] = CmaEsSampler(seed=self._seeds[name])
                else:
                    from parzen.samplers.tpe import TPESampler

                    self._samplers[name] = TPESampler(seed=self._seeds[name])
            return self._samplers[name]

    def _late_sampler(self, study: "Study", space: Mapping[str, Distribution] | None = None) -> Sampler:
        """This study's CMA-ES for ``space`` (None: the space its trials held), warm-started from its history
        the first time that space is sampled.

        One per space, so a range changed mid-study gets a start inside the new range. Its runs are
        recorded on the trials (``"auto:cmaes"``), so a sampler in another process replays the same run
        whatever start it would have computed itself.
        """
        history = study_history(study)
        with self._lock:
            if space is None:
                summary = self._summaries.get(history)
                space = summary.seen if summary is not None else {}
            numeric = {n: d for n, d in space.items()
                       if not d.is_single() and d.when is None and not isinstance(d, Categorical)}
            key = "\n".join(f"{n}:{d.describe()}" for n, d in sorted(numeric.items()))
            per_space = self._late.setdefault(history, {})
            sampler = per_space.get(key)
            if sampler is None:
                from parzen.samplers.cmaes import CmaEsSampler

                sign = 1.0 if study.direction == "minimize" else -1.0
                start = warm_start(history.select((TrialState.COMPLETE,)), numeric, sign)
                x0, sigma0 = start if start is not None else (None, None)
                sampler = per_space[key] = CmaEsSampler(
                    seed=self._seeds["cmaes-late"], x0=x0, sigma0=sigma0, restart_strategy="ipop",
                    attr=LATE_CMAES_ATTR)
            return sampler

    def _summary(self, history: StudyHistory, complete: list[FrozenTrial]) -> _SpaceSummary:
        with self._lock:
            summary = self._summaries.get(history)
            if summary is None or summary.n_read > len(complete):
                summary = self._summaries[history] = _SpaceSummary()
            summary.update(complete)
            return summary

    def choose(self, study: "Study") -> str:
        """Name of the sampler ("gp", "cmaes", "tpe" or "cmaes-late") the next trial of ``study`` gets."""
        if getattr(study, "_constraints_func", None) is not None:
            return "tpe"
        history = study_history(study)
        complete = history.select((TrialState.COMPLETE,))
        if not complete:
            return "gp"
        summary = self._summary(history, complete)
        seen = summary.seen
        undeclared = summary.has_undeclared_conditions()
        free = [d for d in seen.values() if not d.is_single()]
        plain_numeric = not undeclared and not any(isinstance(d, Categorical) or d.when is not None for d in free)
        late = plain_numeric and study.n_objectives == 1 and self._has_cmaes
        if late and len(complete) >= self._late_start:
            return "gp" if self._too_late_for_cmaes(study, len(free)) else "cmaes-late"
        if len(complete) >= self._gp_max_trials:
            return "tpe"
        if undeclared:
            inferred = infer_conditional_space(complete)
            if inferred is None:
                return "tpe"
            free = [d for d in inferred.values() if not d.is_single()]
        if is_discrete_heavy(free):
            return "tpe"
        wide = plain_numeric and len(free) >= WIDE_NUMERIC_DIMS
        if study.n_objectives == 1 and wide and len(complete) < self._cmaes_max_trials:
            return "cmaes" if self._has_cmaes else "tpe"
        return "gp"

    def _too_late_for_cmaes(self, study: "Study", n_dims: int) -> bool:
        """Whether the study's known budget ends before a late CMA-ES phase could run its minimum generations."""
        planned = getattr(study, "planned_trials", None)
        if planned is None or self._late.get(study_history(study)):
            return False
        from parzen.samplers.cmaes import default_popsize

        remaining = planned - self._late_start
        return remaining < LATE_MIN_GENERATIONS * default_popsize(max(n_dims, 1))

    def before_trial(self, study: "Study", fixed_params: Mapping[str, Any]) -> dict[str, Any]:
        name = self.choose(study)
        sampler = self._late_sampler(study) if name == "cmaes-late" else self._sampler(name)
        return {**sampler.before_trial(study, fixed_params), CHOICE_ATTR: name}

    def _for(self, trial: "Trial") -> Sampler:
        name = trial.system_attrs.get(CHOICE_ATTR, "tpe")
        return self._late_sampler(trial.study) if name == "cmaes-late" else self._sampler(name)

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        return self._for(trial).infer_relative_space(study, trial)

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        if trial.system_attrs.get(CHOICE_ATTR) == "cmaes-late":
            return self._late_sampler(study, space).sample(study, trial, space)
        return self._for(trial).sample(study, trial, space)

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        return self._for(trial).sample_independent(study, trial, name, distribution)

    def after_trial(self, study: "Study", trial: FrozenTrial) -> None:
        with self._lock:
            samplers = list(self._samplers.values()) + [s for per in self._late.values() for s in per.values()]
        for sampler in samplers:
            sampler.after_trial(study, trial)
