"""The default sampler: picks GP, CMA-ES or TPE for each trial from the study and its space.

The rules come from ``benchmarks/sample_efficiency.py`` (figures in BENCHMARKS.md): the GP
sampler had the best mean rank at 50 and 100 trials on continuous, integer, mixed and model-tuning
problems; CMA-ES won on numeric spaces of 10 or more dimensions (Levy-10d, Ackley-20d). TPE is the
only one of the three that handles constraints, handles parameters that come and go for reasons no
parent explains, and keeps a low cost per trial when the study grows past what a GP fits quickly.
With several objectives the GP (ParEGO's random scalarizations) had the best median hypervolume
in ``benchmarks/multi_objective.py`` on ZDT1, ZDT2, DTLZ2 and a sparse-logistic-regression trade-off
(10 seeds, 100 and 300 trials), and MOTPE on a gradient-boosting trade-off. Conditions declared
with ``when``, or read off a define-by-run history, go to the GP, which models them with stand-in
values: on the three conditional problems of the benchmark it beat TPE at 50 and 200 trials (e.g.
model choice on wine, 10 seeds: GP 0.0056 at 50 trials where TPE stayed at 0.0224). On wide
numeric spaces the GP overtook CMA-ES between 100 and 200 trials (Ackley-20d at 200: GP 5.7, CMA-ES
12.0), and CMA-ES for 50 trials then the GP beat both (Ackley-20d 5.2, Levy-10d 0.46 at 200, medians
of 10 seeds), so CMA-ES hands over to the GP after ``cmaes_max_trials``.
"""

from __future__ import annotations

import importlib.util
import numbers
import threading
from typing import TYPE_CHECKING, Any, Mapping

from parzen.samplers._base import Sampler, make_rng
from parzen.samplers.inferred_conditions import infer_conditional_space
from parzen.space import Categorical, Distribution
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

CHOICE_ATTR = "auto:sampler"
WIDE_NUMERIC_DIMS = 10


def _distributions_seen(trials: list[FrozenTrial]) -> dict[str, Distribution]:
    """Every parameter the trials hold, with its latest distribution."""
    seen: dict[str, Distribution] = {}
    for t in trials:
        seen.update(t.distributions)
    return seen


def _has_undeclared_conditions(trials: list[FrozenTrial], seen: Mapping[str, Distribution]) -> bool:
    """True when some trial lacks a parameter that no ``when`` condition explains (define-by-run branches)."""
    return any(name not in t.distributions and dist.when is None for t in trials for name, dist in seen.items())


class AutoSampler(Sampler):
    """GP while a study is small, CMA-ES first on wide numeric spaces, TPE for what the GP cannot do.

    For each new trial, in this order:

    1. a ``constraints_func``: TPE (MOTPE for several objectives), which keeps infeasible trials bad;
    2. ``gp_max_trials`` or more finished trials: TPE, whose cost per trial stays low;
    3. parameters that come and go between trials without a declared ``when`` condition, and that
       no categorical or integer parent explains (:mod:`parzen.samplers.inferred_conditions`): TPE,
       which models each parameter on the trials that hold it;
    4. one objective, a space of only unconditional numeric parameters with at least 10 free
       dimensions, fewer than ``cmaes_max_trials`` finished trials: CMA-ES (when the optional
       ``cmaes`` package is installed, TPE otherwise);
    5. otherwise: GP (which then also models what CMA-ES evaluated, conditional parameters
       declared with ``when``, the branches of a define-by-run objective that step 3 explained, and
       several objectives through random scalarizations).

    The first trial has no history to judge the space by; it goes to the GP sampler, whose startup
    trials are random. Each trial records its choice in the system attribute ``"auto:sampler"``.
    """

    def __init__(self, seed: int | None = None, *, gp_max_trials: int = 300, cmaes_max_trials: int = 50) -> None:
        for name, value in (("gp_max_trials", gp_max_trials), ("cmaes_max_trials", cmaes_max_trials)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"AutoSampler: `{name}` must be an int >= 0, got {value!r}")
        rng = make_rng(seed)
        self._seeds = {name: int(s) for name, s in zip(("tpe", "gp", "cmaes"), rng.integers(2**31, size=3))}
        self._gp_max_trials = int(gp_max_trials)
        self._cmaes_max_trials = int(cmaes_max_trials)
        self._has_cmaes = importlib.util.find_spec("cmaes") is not None
        self._samplers: dict[str, Sampler] = {}
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

    def choose(self, study: "Study") -> str:
        """Name of the sampler ("gp", "cmaes" or "tpe") the next trial of ``study`` gets."""
        if getattr(study, "_constraints_func", None) is not None:
            return "tpe"
        complete = study.get_trials((TrialState.COMPLETE,))
        if len(complete) >= self._gp_max_trials:
            return "tpe"
        if not complete:
            return "gp"
        seen = _distributions_seen(complete)
        if _has_undeclared_conditions(complete, seen):
            inferred = infer_conditional_space(complete)
            if inferred is None:
                return "tpe"
            seen = inferred
        free = [d for d in seen.values() if not d.is_single()]
        plain_numeric = not any(isinstance(d, Categorical) or d.when is not None for d in free)
        wide = plain_numeric and len(free) >= WIDE_NUMERIC_DIMS
        if study.n_objectives == 1 and wide and len(complete) < self._cmaes_max_trials:
            return "cmaes" if self._has_cmaes else "tpe"
        return "gp"

    def before_trial(self, study: "Study", fixed_params: Mapping[str, Any]) -> dict[str, Any]:
        name = self.choose(study)
        return {**self._sampler(name).before_trial(study, fixed_params), CHOICE_ATTR: name}

    def _for(self, trial: "Trial") -> Sampler:
        return self._sampler(trial.system_attrs.get(CHOICE_ATTR, "tpe"))

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        return self._for(trial).infer_relative_space(study, trial)

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        return self._for(trial).sample(study, trial, space)

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        return self._for(trial).sample_independent(study, trial, name, distribution)

    def after_trial(self, study: "Study", trial: FrozenTrial) -> None:
        with self._lock:
            samplers = list(self._samplers.values())
        for sampler in samplers:
            sampler.after_trial(study, trial)
