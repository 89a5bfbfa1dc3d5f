"""Front door: ``AdaptiveHyperparameterOptimizer``, seed 003's API over parzen's core.

This module translates; the core acts (DESIGN.md):

* A back end is a core sampler: ``"parzen"`` the default :class:`parzen.samplers.AutoSampler`,
  ``"optuna"``, ``"hyperopt"``, ``"skopt"`` the real packages behind :mod:`parzen.backends`;
  ``sampler_config`` and ``pruner_config`` become their options (:mod:`parzen.adaptive.factories`).
* The tuple-form space becomes core distributions (:mod:`parzen.adaptive.search_space`); the
  objective, a function of a params dict, becomes a core objective
  (:class:`parzen.adaptive.evaluate.Evaluate`) run by :meth:`parzen.Study.optimize`, so storage,
  executors, pruning, retries, failure limits and timeouts are the core's.
* The search space adapts between rounds of ``adaptation_interval`` trials (each round is one core
  ``optimize`` call, so every executor runs the space of its round): see :meth:`_adapt`.
* ``save_study``/``load_study`` write and read the core's study file (:mod:`parzen.export`), JSON.
* Plots are :mod:`parzen.visualization`'s.
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import pathlib
import pickle
import threading
import time
import warnings
from typing import Any, Callable, Mapping, Sequence

from parzen._checks import check_int, check_real
from parzen.adaptive import adaptation
from parzen.adaptive.cache import ResultCache, objective_key
from parzen.adaptive.config import OptimizationConfig, parse_memory
from parzen.adaptive.evaluate import CACHED_ATTR, Evaluate
from parzen.adaptive.factories import BACKENDS, check_sampler_config, make_pruner, make_sampler
from parzen.adaptive.search_space import parse_space, to_tuple_space
from parzen.adaptive.spawn_check import spawn_obstacle
from parzen.adaptive.warm_start import history_seed
from parzen.adaptive.worst_score import worst_scores_fail_quietly
from parzen.space import Distribution
from parzen.trial import FrozenTrial, TrialState

__all__ = ["AdaptiveHyperparameterOptimizer"]

logger = logging.getLogger("parzen.adaptive")

_METADATA_KEY = "parzen.adaptive"
IMPORTANCE_FLOOR = 0.01  # a parameter below this share of the importance is frozen when adapting
MIN_TRIALS_TO_FREEZE = 50  # ... and only once this many trials completed: a rough estimate freezes what matters
_DIRECTIONS = ("minimize", "maximize")


def _check_direction(name: str, direction: Any) -> str:
    if direction not in _DIRECTIONS:
        raise ValueError(f"`{name}` must be 'minimize' or 'maximize', got {direction!r}")
    return direction


def _check_callback(callback: Any) -> Callable[..., Any]:
    """A callback of either seed form: ``(trial_number, best_score, current_score)`` or ``(study, trial)``."""
    if not callable(callback):
        raise TypeError(f"`callbacks` must hold functions, got {callback!r}")
    try:
        n = len([p for p in inspect.signature(callback).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty])
    except (TypeError, ValueError):
        n = 2
    if n not in (2, 3):
        raise TypeError(f"a callback takes (study, trial) or (trial_number, best_score, current_score); "
                        f"{callback!r} takes {n} argument(s)")
    return callback


class AdaptiveHyperparameterOptimizer:
    """Tunes the parameters of ``objective(params) -> score`` with an adaptive search space.

    Arguments (seed 003's, each with the effect stated):

    - ``backend``: "optuna", "hyperopt", "skopt" or "parzen" (parzen's default sampler).
    - ``n_trials``, ``timeout`` (seconds, whole run), ``n_jobs`` (parallel trials; -1: one per CPU).
    - ``random_state``: seeds the back end, so a run repeats exactly with ``n_jobs=1``. A run that
      starts from finished trials (a warm cache, a study continued in ``storage``, a loaded study)
      seeds it with ``random_state`` mixed with those trials: it proposes new points rather than the
      first run's again, and the same history with the same ``random_state`` repeats exactly.
    - ``cache_dir``: values on disk keyed by the objective, the space and the params; a repeated
      parameter set is not evaluated again and a new optimizer with the same cache starts warm.
      A trial the cache answers is free: ``n_trials`` counts the others, and a round of
      ``adaptation_interval`` trials that the cache answers entirely ends the run (the back end
      proposes nothing new, as on a small finite space it has covered).
    - ``enable_pruning``: a pruner judges what ``objective(params, trial)`` reports with
      ``trial.report(value, step)``; the objective stops when ``trial.should_prune()`` says so
      (raise ``parzen.TrialPruned``). An objective of ``params`` alone is never pruned.
    - ``adaptation_interval``, ``min_improvement_threshold``: every ``adaptation_interval`` trials,
      when the best improved by less than the threshold, the space adapts (:meth:`_adapt`).
    - ``storage``: a URL (``sqlite:///file.db``, ``postgresql+psycopg://...``, ``redis://...``);
      the study is named ``study_name`` (default ``adaptive-<objective name>``) and continues there.
    - ``sampler_config`` / ``pruner_config``: options of the back end's sampler and the pruner. The
      sampling strategy adjusts itself with the "parzen" back end: its default sampler moves from a
      GP to CMA-ES (numeric spaces) or TPE as the study grows, planned over the whole run
      (:meth:`parzen.Study.planning`), and its ``late_cmaes_trials``, ``gp_max_trials`` and
      ``cmaes_max_trials`` set when; the other back ends keep the one strategy they were given.
    - ``trial_timeout`` (or its alias ``timeout_per_trial``): a trial running longer fails. Where
      child processes can run the objective (below) the runaway call is stopped; otherwise threads
      abandon it (it runs on) and a warning says so.
    - ``max_memory_usage`` (or ``memory_limit``), e.g. "4GB": the address-space limit of each child
      process that runs trials (Linux/macOS ``RLIMIT_AS``); an objective that allocates past it
      fails its trial with MemoryError. Where child processes cannot run the objective it is not
      enforced and a warning says so.
    - ``memory_efficient``: run trials in child processes where they can, and collect garbage after
      each trial (as ``enable_gc``).

    Child processes can run the objective when it pickles, it is defined in a file a child can
    import, and the script calls ``optimize`` under ``if __name__ == "__main__":``. A flat script
    (seed 003's examples) would be run again by every child, so its trials run in threads instead,
    with one warning per run that names each limit it cannot keep (:mod:`parzen.adaptive.spawn_check`).
    - ``enable_gc``: ``gc.collect()`` after every trial, where it ran.
    - A trial fails when the objective raises, or returns NaN, an infinity or no number; it then
      tells the samplers where not to go and never counts as the best (``best_score`` is that of the
      best completed trial). Seed 003's "worst possible score", ``float('-inf')`` when maximizing
      (``float('inf')`` when minimizing), is such a failure and passes without the core's per-trial
      warning; the opposite infinity and NaN still warn (:mod:`parzen.adaptive.worst_score`).
    - ``max_failures``: stop with :class:`parzen.exceptions.TooManyFailures` after that many failed
      trials in a row. ``retry_failed_trials``: run a failed trial once more with the same params.
    - ``catch_exceptions``: an exception in the objective fails its trial and the run goes on
      (False: it stops the run, after the trial is recorded as failed).
    - ``enable_monitoring``, ``log_level``: log each trial and each adaptation on the
      ``parzen.adaptive`` logger at ``log_level``.
    - ``pruning_patience``: steps a trial reports before the default median pruner judges it.
    """

    def __init__(self, backend: str = "optuna", n_trials: int = 100, timeout: float | None = None, n_jobs: int = 1,
                 random_state: int | None = None, cache_dir: str | os.PathLike[str] | None = None,
                 enable_pruning: bool = True, adaptation_interval: int = 20,
                 min_improvement_threshold: float = 0.001, *, storage: str | None = None,
                 study_name: str | None = None, sampler_config: Mapping[str, Any] | None = None,
                 pruner_config: Mapping[str, Any] | None = None, pruning_patience: int = 5,
                 memory_efficient: bool = False, max_memory_usage: str | int | None = None,
                 enable_gc: bool = False, trial_timeout: float | None = None,
                 timeout_per_trial: float | None = None, max_failures: int | None = None,
                 retry_failed_trials: bool = False, catch_exceptions: bool = True,
                 memory_limit: str | int | None = None, enable_monitoring: bool = False,
                 log_level: str = "INFO", study_direction: str = "maximize") -> None:
        from parzen.execution.optimize import resolve_n_jobs

        if backend not in BACKENDS:
            raise ValueError(f"`backend` must be one of {BACKENDS}, got {backend!r}")
        check_sampler_config(backend, sampler_config)
        self.backend = backend
        self.n_trials = check_int("n_trials", n_trials, 1)
        self.timeout = None if timeout is None else check_real("timeout", timeout, 0.0)
        self.n_jobs = resolve_n_jobs(n_jobs)
        if random_state is not None and (isinstance(random_state, bool) or not isinstance(random_state, int)):
            raise TypeError(f"`random_state` must be an int or None, got {random_state!r}")
        self.random_state = random_state
        self.cache_dir = None if cache_dir is None else os.fspath(cache_dir)
        for name, flag in (("enable_pruning", enable_pruning), ("memory_efficient", memory_efficient),
                           ("enable_gc", enable_gc), ("retry_failed_trials", retry_failed_trials),
                           ("catch_exceptions", catch_exceptions), ("enable_monitoring", enable_monitoring)):
            if not isinstance(flag, bool):
                raise TypeError(f"`{name}` must be True or False, got {flag!r}")
        self.enable_pruning = enable_pruning
        self.pruning_patience = check_int("pruning_patience", pruning_patience, 0)
        make_pruner(pruner_config, enable_pruning, self.pruning_patience)  # checks it now
        self.pruner_config = None if pruner_config is None else dict(pruner_config)
        self.sampler_config = None if sampler_config is None else dict(sampler_config)
        self.adaptation_interval = check_int("adaptation_interval", adaptation_interval, 1)
        self.min_improvement_threshold = check_real("min_improvement_threshold", min_improvement_threshold, 0.0)
        self.storage = storage
        self.study_name = study_name
        if trial_timeout is not None and timeout_per_trial is not None and trial_timeout != timeout_per_trial:
            raise ValueError(f"`trial_timeout` ({trial_timeout}) and `timeout_per_trial` ({timeout_per_trial}) "
                             "are the same setting; give one")
        timeout_name = "trial_timeout" if trial_timeout is not None else "timeout_per_trial"
        per_trial = trial_timeout if trial_timeout is not None else timeout_per_trial
        self.trial_timeout = None if per_trial is None else check_real(timeout_name, per_trial, 0.0)
        limits = {parse_memory("max_memory_usage", max_memory_usage), parse_memory("memory_limit", memory_limit)}
        limits.discard(None)
        if len(limits) > 1:
            raise ValueError(f"`max_memory_usage` ({max_memory_usage}) and `memory_limit` ({memory_limit}) "
                             "are the same setting; give one")
        self.memory_limit = limits.pop() if limits else None
        memory_name = "memory_limit" if memory_limit is not None else "max_memory_usage"
        # the limits as the user wrote them, for the warning when they cannot be enforced
        self._limits_given = {name: value for name, value in ((timeout_name, per_trial),
                              (memory_name, memory_limit if memory_limit is not None else max_memory_usage))
                              if value is not None}
        self.memory_efficient = memory_efficient
        self.enable_gc = enable_gc or memory_efficient
        self.max_failures = None if max_failures is None else check_int("max_failures", max_failures, 1)
        self.retry_failed_trials = retry_failed_trials
        self.catch_exceptions = catch_exceptions
        self.enable_monitoring = enable_monitoring
        level = logging.getLevelName(log_level.upper()) if isinstance(log_level, str) else None
        if not isinstance(level, int):
            raise ValueError(f"`log_level` must be a logging level name such as 'INFO', got {log_level!r}")
        self.log_level = level
        self.study_direction = _check_direction("study_direction", study_direction)
        self.search_space: dict[str, tuple[Any, ...]] = {}
        self.adaptations: list[dict[str, Any]] = []
        self.study: Any = None
        self._space: dict[str, Distribution] = {}
        self._first_space: dict[str, Distribution] = {}
        self._objective: Callable[..., Any] | None = None
        self._direction = self.study_direction
        self._callbacks: list[Callable[..., Any]] = []
        self._strategy: Callable[..., Any] | None = None
        self._cache: ResultCache | None = None
        self._cache_key: str | None = None
        self._run_callbacks: list[Callable[..., Any]] = []
        self._best_at_last_round: float | None = None
        self._widened: dict[str, Distribution] = {}  # ranges widened after the last round: their old range
        self._not_widened: set[str] = set()  # parameters whose widening gave nothing
        self._frozen: dict[str, Distribution] = {}  # parameters frozen after the last round: their free range
        self._released: set[str] = set()  # parameters whose freezing gave nothing: never frozen again
        self._stalls = 0  # rounds in a row whose best moved by less than min_improvement_threshold
        self._ensemble: list[dict[str, Any]] | None = None
        self._served = 0  # trials of the current round answered by the cache (they do not count in n_trials)
        self._served_lock = threading.Lock()

    # --- construction ----------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: OptimizationConfig, **options: Any) -> "AdaptiveHyperparameterOptimizer":
        """An optimizer with every field of ``config``; ``options`` add the other arguments."""
        if not isinstance(config, OptimizationConfig):
            raise TypeError(f"`config` must be a parzen.adaptive.OptimizationConfig, got {config!r}")
        fields = {f: getattr(config, f) for f in config.__dataclass_fields__}
        clash = sorted(set(fields) & set(options))
        if clash:
            raise ValueError(f"{clash} are set in `config`; give them there only")
        return cls(**fields, **options)

    @classmethod
    def create_ensemble(cls, ensemble_config: Mapping[str, Any], **options: Any) -> "AdaptiveHyperparameterOptimizer":
        """One optimizer whose back ends share one study, each proposing its ``weight``'s share of trials.

        ``ensemble_config``: ``optimizers`` (a list of ``{"backend": ..., "weight": ...}``, with an
        optional ``sampler_config`` each), ``combination_strategy`` ("weighted_average": shares in
        proportion to the weights), ``n_trials_per_optimizer`` (the budget is this many trials per
        back end: 3 back ends and 50 give 150 trials, shared by weight).
        """
        if not isinstance(ensemble_config, Mapping):
            raise TypeError(f"`ensemble_config` must be a dict, got {ensemble_config!r}")
        unknown = set(ensemble_config) - {"optimizers", "combination_strategy", "n_trials_per_optimizer"}
        if unknown:
            raise ValueError(f"`ensemble_config`: unknown keys {sorted(unknown)}")
        members = ensemble_config.get("optimizers")
        if not isinstance(members, Sequence) or not members:
            raise ValueError("`ensemble_config['optimizers']` must be a non-empty list of {'backend', 'weight'}")
        strategy = ensemble_config.get("combination_strategy", "weighted_average")
        if strategy != "weighted_average":
            raise ValueError(f"`ensemble_config['combination_strategy']` must be 'weighted_average', got {strategy!r}")
        per = check_int("n_trials_per_optimizer", ensemble_config.get("n_trials_per_optimizer", 50), 1)
        for m in members:
            if not isinstance(m, Mapping) or m.get("backend") not in BACKENDS:
                raise ValueError(f"`ensemble_config['optimizers']`: each needs a backend from {BACKENDS}, got {m!r}")
            check_sampler_config(m["backend"], m.get("sampler_config"))
        optimizer = cls(backend="parzen", n_trials=per * len(members), **options)
        optimizer._ensemble = [dict(m) for m in members]
        return optimizer

    def _make_sampler(self, n_objectives: int, seed: int | None) -> Any:
        if self._ensemble is None:
            return make_sampler(self.backend, self.sampler_config, seed, n_objectives)
        from parzen.samplers import EnsembleSampler

        members = [make_sampler(m["backend"], m.get("sampler_config"), None if seed is None else seed + i,
                                n_objectives)
                   for i, m in enumerate(self._ensemble)]
        return EnsembleSampler(members, [float(m.get("weight", 1.0)) for m in self._ensemble])

    # --- callbacks and strategies ------------------------------------------------------------
    def add_callback(self, callback: Callable[..., Any]) -> None:
        """Call ``callback`` after every trial of every later run (either seed form)."""
        self._callbacks.append(_check_callback(callback))

    def set_adaptation_strategy(self, strategy: Callable[["AdaptiveHyperparameterOptimizer", list[FrozenTrial]], Any]
                                ) -> None:
        """Replace the default adaptation rule by ``strategy(optimizer, trial_history)``.

        It is called every ``adaptation_interval`` trials with the completed trials (oldest first,
        each with ``.value`` and ``.params``) and returns the search space to use next, in tuple form
        (``optimizer.search_space``, ``optimizer._narrow_search_space()``,
        ``optimizer._expand_search_space()`` or one of its own).
        """
        if not callable(strategy):
            raise TypeError(f"`strategy` must be a function (optimizer, trial_history), got {strategy!r}")
        self._strategy = strategy

    # --- running ------------------------------------------------------------------------------
    def optimize(self, objective: Callable[..., Any], search_space: Mapping[str, Any], direction: str | None = None,
                 callbacks: Sequence[Callable[..., Any]] | None = None) -> tuple[dict[str, Any], float, list[dict]]:
        """Run ``n_trials`` trials; returns ``(best_params, best_score, history)``.

        ``direction`` is "maximize" or "minimize" (default: ``study_direction``, "maximize").
        ``history`` lists every trial: number, params, value, state, whether it came from the
        cache, and the search space (tuple form) it was drawn from.
        """
        self._start(objective, search_space, [_check_direction("direction", direction or self.study_direction)],
                    callbacks)
        self._run(self.n_trials)
        return self._result()

    def multi_objective_optimize(self, objective: Callable[..., Any], search_space: Mapping[str, Any],
                                 directions: Sequence[str], n_trials: int | None = None) -> list[FrozenTrial]:
        """Optimize several objectives at once; returns the Pareto front (completed trials no other beats
        in every objective), each with ``.params`` and ``.values``."""
        if isinstance(directions, str) or not isinstance(directions, Sequence) or len(directions) < 2:
            raise ValueError(f"`directions` must list two or more of 'minimize'/'maximize', got {directions!r}")
        checked = [_check_direction("directions", d) for d in directions]
        budget = self.n_trials if n_trials is None else check_int("n_trials", n_trials, 1)
        self._start(objective, search_space, checked, None)
        self._run(budget)
        return list(self.study.best_trials)

    def continue_optimization(self, additional_trials: int, objective: Callable[..., Any] | None = None
                              ) -> tuple[dict[str, Any], float, list[dict]]:
        """Run ``additional_trials`` more trials on the same study and space.

        After :meth:`load_study` the objective is found again by its module and name when it is a
        module-level function; pass ``objective`` otherwise.
        """
        more = check_int("additional_trials", additional_trials, 1)
        if self.study is None:
            raise RuntimeError("nothing to continue: call optimize() or load_study() first")
        if objective is not None:
            self._objective = objective
        if self._objective is None:
            raise ValueError("the saved study names no importable objective; pass `objective=`")
        self._run(more)
        return self._result()

    def _start(self, objective: Any, search_space: Any, directions: list[str],
               callbacks: Sequence[Any] | None) -> None:
        """Check everything, then open (or continue) the study. Nothing runs before all checks pass."""
        import parzen

        if not callable(objective):
            raise TypeError(f"`objective` must be a function of a params dict, got {objective!r}")
        space = parse_space(search_space)
        run_callbacks = [_check_callback(c) for c in (callbacks or [])]
        sampler = self._make_sampler(len(directions), self.random_state)
        name = self.study_name or f"adaptive-{getattr(objective, '__name__', 'objective')}"
        self.study = parzen.create_study(directions=directions, storage=self.storage, study_name=name,
                                         load_if_exists=True, sampler=sampler, pruner=self._pruner())
        self._objective, self._space, self._first_space = objective, space, dict(space)
        self._direction = directions[0]
        self._run_callbacks = run_callbacks
        self._best_at_last_round, self._widened, self._not_widened = None, {}, set()
        self._frozen, self._released = {}, set()
        self._stalls = 0
        self.search_space = to_tuple_space(space)
        if self.cache_dir is not None:
            self._cache = ResultCache(self.cache_dir)
            self._cache_key = objective_key(objective, self.search_space, len(directions))
            self._warm_start()
        self._seed_from_history()

    def _pruner(self) -> Any:
        return make_pruner(self.pruner_config, self.enable_pruning, self.pruning_patience)

    def _seed_from_history(self) -> None:
        """Reopen the study with a sampler seeded by ``random_state`` and the trials it starts from
        (cached, stored or loaded), so that a warm run proposes new points, reproducibly
        (:mod:`parzen.adaptive.warm_start`)."""
        import parzen

        seed = history_seed(self.random_state, self.study.trials)
        if seed != self.random_state:
            self.study = parzen.load_study(self.study.study_name, self.study.storage, pruner=self.study.pruner,
                                           sampler=self._make_sampler(self.study.n_objectives, seed))

    def _warm_start(self) -> None:
        """Add the cached results of this objective and space that the study lacks, as completed trials."""
        from parzen.export import add_trials
        from parzen.space import active_names

        assert self._cache is not None and self._cache_key is not None
        known = {tuple(sorted(t.params.items())) for t in self.study.get_trials([TrialState.COMPLETE])}
        records = []
        for params, values in self._cache.entries(self._cache_key):
            names = active_names(self._space, params)
            if set(names) != set(params) or not all(self._space[n].contains(params[n]) for n in names):
                continue
            if tuple(sorted(params.items())) in known or len(values) != self.study.n_objectives:
                continue
            records.append(FrozenTrial(number=-1, trial_id=-1, state=TrialState.COMPLETE, values=values,
                                       params=params, distributions={n: self._space[n] for n in names},
                                       user_attrs={CACHED_ATTR: True}))
        add_trials(self.study, records)
        if records:
            self._log(f"warm start: {len(records)} cached result(s)")

    def _in_processes(self, evaluate: Evaluate) -> bool:
        """Whether trials run in the core's child processes, which stop a trial at ``trial_timeout`` and
        hold each child to ``memory_limit``: when one of those or ``memory_efficient`` is set and a
        spawned child can load the objective. Otherwise threads run the trials, with a warning naming
        each limit that then cannot be kept: an objective that cannot be pickled, or a script whose
        child would run it again (no ``if __name__ == "__main__":`` guard) or could not import it."""
        if self.trial_timeout is None and self.memory_limit is None and not self.memory_efficient:
            return False
        try:
            reason = spawn_obstacle(pickle.dumps(evaluate))
        except Exception as exc:
            reason = f"the objective cannot be pickled ({exc}; a module-level function can)"
        if reason is None:
            return True
        if self._limits_given:
            kept = [f"`{name}={value!r}`: " + ("not enforced" if name in ("memory_limit", "max_memory_usage") else
                                                "a trial that runs over fails, but its call is abandoned "
                                                "(it runs on), not stopped")
                    for name, value in self._limits_given.items()]
            warnings.warn(f"trials run in threads, not in child processes: {reason}. " + "; ".join(kept) + ".",
                          stacklevel=4)
        return False

    def _executor(self, in_processes: bool) -> Any:
        if not in_processes:
            return "thread"
        from parzen.execution.processes import ProcessExecutor

        return ProcessExecutor(memory_limit=self.memory_limit)

    def _run(self, n_trials: int) -> None:
        """Run ``n_trials`` trials in rounds of ``adaptation_interval``, adapting the space between rounds."""
        from parzen.execution.retry import RetryPolicy

        assert self._objective is not None
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        done = 0
        in_processes: bool | None = None  # decided once per run, so that a warning comes once
        self._served = 0
        # the sampler plans for the whole run, not one round; the seed's worst score fails a trial quietly
        with self.study.planning(n_trials), worst_scores_fail_quietly(self.study.directions):
            while done < n_trials:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                round_size = min(self.adaptation_interval, n_trials - done)
                evaluate = Evaluate(self._objective, self._space, collect=self.enable_gc, cache=self._cache,
                                    cache_key=self._cache_key)
                if in_processes is None:
                    in_processes = self._in_processes(evaluate)
                before = len(self.study.trials)
                self.study.optimize(
                    evaluate, n_trials=round_size, timeout=remaining, n_jobs=self.n_jobs,
                    callbacks=[self._after_trial], catch=(Exception,) if self.catch_exceptions else (),
                    trial_timeout=self.trial_timeout, executor=self._executor(in_processes),
                    retry=RetryPolicy(max_retries=1, on=("exception", "timeout")) if self.retry_failed_trials else None,
                    max_failures=self.max_failures)
                ran = len(self.study.trials) - before
                with self._served_lock:
                    served, self._served = self._served, 0
                done += round_size - served  # a trial the cache answered is free
                if served >= ran:  # no trial ran, or the cache answered all: nothing new was proposed
                    break
                if done < n_trials:
                    self._adapt()

    def _after_trial(self, study: Any, trial: FrozenTrial) -> None:
        """Per finished trial: cache its value, log it, and call the user's callbacks."""
        if trial.user_attrs.get(CACHED_ATTR):
            with self._served_lock:
                self._served += 1
        elif (self._cache is not None and self._cache_key is not None and trial.values is not None
                and trial.state == TrialState.COMPLETE):
            self._cache.put(self._cache_key, trial.params, tuple(trial.values))
        best = self._best_value()
        if self.enable_monitoring:
            self._log(f"trial {trial.number} {trial.state.name}: value={trial.value if trial.values else None} "
                      f"best={best} params={trial.params}")
        for callback in [*self._callbacks, *self._run_callbacks]:
            if len([p for p in inspect.signature(callback).parameters.values() if p.default is p.empty]) == 3:
                callback(trial.number, best, trial.value if trial.values and len(trial.values) == 1 else None)
            else:
                callback(study, trial)

    def _log(self, message: str) -> None:
        if self.enable_monitoring:
            logger.log(self.log_level, message)

    # --- adaptation ---------------------------------------------------------------------------
    def _completed(self) -> list[FrozenTrial]:
        return [t for t in self.study.get_trials([TrialState.COMPLETE]) if t.values is not None]

    def _best_value(self) -> float | None:
        done = self._completed()
        if not done or self.study.n_objectives != 1:
            return None
        values = [t.values[0] for t in done if t.values]
        return max(values) if self._direction == "maximize" else min(values)

    def _narrow_search_space(self) -> dict[str, tuple[Any, ...]]:
        """The current space with numeric ranges narrowed around the best trials (tuple form)."""
        return to_tuple_space(adaptation.narrow(self._space, self._completed(), self._direction))

    def _expand_search_space(self) -> dict[str, tuple[Any, ...]]:
        """The current space with ranges whose best value sits at a bound widened there (tuple form)."""
        return to_tuple_space(adaptation.expand(self._space, self._completed(), self._direction, self._first_space))

    def _adapt(self) -> None:
        """Between rounds: the custom strategy's space, or the default rule.

        Default rule, after each round:

        1. A range widened after the last round that gave nothing (the best trial's value still lies
           in the old range) goes back to the old range and is not widened again: a best value at a
           bound is often a sampler's proposal clipped to it, or a bound of the domain itself
           (a momentum below 1), not an optimum beyond it.
        2. A range whose best value sits at a bound is widened there (the optimum may lie beyond).
        3. When the best value moved by less than ``min_improvement_threshold`` over this round and
           the one before (two stalls in a row) and nothing was widened, every numeric range narrows
           around the best trials: after one stall a sampler that has not converged (TPE at a hundred
           trials) often still moves between basins, and narrowing then can cut off the best one. On
           every stall the parameters whose importance is below 1% (after at least 50 completed
           trials) are frozen at their best value.
        4. Parameters frozen after the last round come back with their free range when that round
           stalled too (freezing did not pay: a parameter close to its optimum in every good trial
           looks unimportant without being so), and are never frozen again.

        The study's sampler models every trial, whichever space it was drawn from: the parzen GP
        models the hull of the spaces and searches the current one, so a frozen parameter still
        counts in the model (:mod:`parzen.samplers.gp.subspace`).
        """
        if self.study.n_objectives != 1:
            return
        history = self._completed()
        if self._strategy is not None:
            new = parse_space(self._strategy(self, history))
        else:
            new = self._default_adaptation(history)
        if new != self._space:
            self.adaptations.append({"after_trial": len(self.study.trials) - 1, "search_space": to_tuple_space(new)})
            self._log(f"search space adapted after {len(self.study.trials)} trials: {to_tuple_space(new)}")
            self._space, self.search_space = new, to_tuple_space(new)

    def _default_adaptation(self, history: list[FrozenTrial]) -> dict[str, Distribution]:
        """The space the default rule of :meth:`_adapt` gives after a round."""
        best = self._best_value()
        previous, self._best_at_last_round = self._best_at_last_round, best
        stalled = best is not None and previous is not None and abs(best - previous) < self.min_improvement_threshold
        self._stalls = self._stalls + 1 if stalled else 0
        space = dict(self._space)
        if stalled and self._frozen:  # the round after freezing gave nothing: the parameters come back
            space.update(self._frozen)
            self._released.update(self._frozen)
            self._frozen = {}
        top = adaptation.best_trials(history, self._direction)[:1]
        for name, old in self._widened.items():
            value = top[0].params.get(name) if top else None
            if value is None or old.contains(value):
                space[name] = old
                self._not_widened.add(name)
        widened = adaptation.expand(space, history, self._direction, self._first_space)
        self._widened = {name: space[name] for name, dist in widened.items()
                         if dist != space[name] and name not in self._not_widened}
        new = {name: dist if name in self._widened else space[name] for name, dist in widened.items()}
        if self._stalls >= 2 and not self._widened:
            new = adaptation.narrow(new, history, self._direction)
        if stalled:
            free = new
            new = self._freeze_unimportant(free, history)
            self._frozen.update({name: free[name] for name in new if new[name] != free[name]})
        return new

    def _freeze_unimportant(self, space: dict[str, Distribution], history: list[FrozenTrial]) -> dict[str, Distribution]:
        if len(space) < 2 or len(history) < max(2 * self.adaptation_interval, MIN_TRIALS_TO_FREEZE):
            return space
        from parzen.importance import get_param_importances

        try:
            importances = get_param_importances(self.study, evaluator=self._importance_evaluator(), params=[
                n for n in space if any(n in t.params for t in history)])
            importances = {**importances, **{n: 1.0 for n in self._released}}
        except ValueError:
            return space
        return adaptation.freeze(space, history, self._direction, importances, IMPORTANCE_FLOOR)

    def _importance_evaluator(self) -> Any:
        """fANOVA where scikit-learn is installed: it measures how the value depends on a parameter, so a
        parameter that does nothing scores near 0 even where the sampler (or an earlier narrowing) has
        concentrated its trials, which makes late, good trials share a value of it and fools PED-ANOVA.
        Without scikit-learn: PED-ANOVA with null draws, which removes part of that effect."""
        from parzen.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator

        seed = 0 if self.random_state is None else self.random_state
        try:
            import sklearn  # noqa: F401
        except ImportError:
            return PedAnovaImportanceEvaluator(null_draws=16, seed=seed)
        return FanovaImportanceEvaluator(seed=seed)

    # --- results ------------------------------------------------------------------------------
    def _result(self) -> tuple[dict[str, Any], float, list[dict]]:
        history = self.history()
        if self.study.n_objectives != 1 or not self._completed():
            return {}, math.nan, history
        best = self.study.best_trial
        return dict(best.params), float(best.value), history

    def history(self) -> list[dict[str, Any]]:
        """Every trial of the study, oldest first, JSON-ready."""
        return [{"number": t.number, "params": dict(t.params), "value": t.value if t.values and len(t.values) == 1
                 else (list(t.values) if t.values else None), "state": t.state.name,
                 "cached": bool(t.user_attrs.get(CACHED_ATTR)),
                 "search_space": to_tuple_space(t.distributions)} for t in self.study.trials]

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.study.best_params)

    @property
    def best_score(self) -> float:
        return float(self.study.best_value)

    # --- saving and loading -------------------------------------------------------------------
    def save_study(self, path: str | os.PathLike[str]) -> None:
        """Write the study and this optimizer's settings to ``path`` as JSON (the core's study file).

        Any file name works (seed 003 writes "optimization_study.pkl"); the content is JSON, never a
        pickle, so loading it cannot run code.
        """
        from parzen.export import save_study_file

        if self.study is None:
            raise RuntimeError("nothing to save: call optimize() first")
        objective = self._objective
        settings = {
            "backend": self.backend, "n_trials": self.n_trials, "random_state": self.random_state,
            "adaptation_interval": self.adaptation_interval,
            "min_improvement_threshold": self.min_improvement_threshold, "enable_pruning": self.enable_pruning,
            "sampler_config": _json_or_none(self.sampler_config), "pruner_config": _json_or_none(self.pruner_config),
            "search_space": {k: list(v) for k, v in self.search_space.items()},
            "first_space": {k: list(v) for k, v in to_tuple_space(self._first_space).items()},
            "objective": None if objective is None else [getattr(objective, "__module__", None),
                                                         getattr(objective, "__qualname__", None)],
        }
        save_study_file(self.study, path, metadata={_METADATA_KEY: settings})

    @classmethod
    def load_study(cls, path: str | os.PathLike[str], **options: Any) -> "AdaptiveHyperparameterOptimizer":
        """An optimizer holding the study saved by :meth:`save_study` (in memory, or in ``storage=``),
        ready for :meth:`continue_optimization`."""
        import parzen
        from parzen.export import add_trials, read_study_file

        saved = read_study_file(path)
        settings = saved.metadata.get(_METADATA_KEY)
        if not isinstance(settings, dict):
            raise ValueError(f"{os.fspath(path)!r} is a study file but not one saved by parzen.adaptive")
        keep = {k: settings[k] for k in ("backend", "n_trials", "random_state", "adaptation_interval",
                                         "min_improvement_threshold", "enable_pruning", "sampler_config",
                                         "pruner_config") if settings.get(k) is not None or k == "random_state"}
        optimizer = cls(**{**keep, **options})
        optimizer.study = parzen.create_study(directions=saved.directions, storage=optimizer.storage,
                                              study_name=optimizer.study_name or saved.study_name,
                                              sampler=optimizer._make_sampler(len(saved.directions),
                                                                              optimizer.random_state),
                                              pruner=optimizer._pruner())
        add_trials(optimizer.study, saved.trials)
        optimizer._seed_from_history()
        optimizer._space = parse_space({k: tuple(v) for k, v in settings["search_space"].items()})
        optimizer._first_space = parse_space({k: tuple(v) for k, v in settings["first_space"].items()})
        optimizer.search_space = to_tuple_space(optimizer._space)
        optimizer._direction = saved.directions[0]
        optimizer._run_callbacks = []
        optimizer._objective = _find_objective(settings.get("objective"))
        return optimizer

    # --- plots --------------------------------------------------------------------------------
    def _plot(self, kind: str, method: str, **kwargs: Any) -> Any:
        """:mod:`parzen.visualization`'s ``kind`` of the study; its errors name ``method``, the one the user called."""
        import parzen.visualization as viz

        if self.study is None:
            raise RuntimeError("nothing to plot: call optimize() first")
        try:
            return getattr(viz, kind)(self.study, **kwargs)
        except ValueError as exc:
            if kind in str(exc):
                raise ValueError(str(exc).replace(kind, f"{method}()")) from exc
            raise

    def plot_optimization_history(self, **kwargs: Any) -> Any:
        """The objective per trial with the best so far (a matplotlib figure; ``backend="plotly"`` too)."""
        return self._plot("plot_optimization_history", "plot_optimization_history", **kwargs)

    def plot_param_importance(self, **kwargs: Any) -> Any:
        return self._plot("plot_param_importances", "plot_param_importance", **kwargs)

    def plot_parallel_coordinate(self, **kwargs: Any) -> Any:
        return self._plot("plot_parallel_coordinate", "plot_parallel_coordinate", **kwargs)

    def plot_param_relationships(self, **kwargs: Any) -> Any:
        """The objective over pairs of parameters (contour plots); needs two parameters that at least
        three completed trials hold together."""
        return self._plot("plot_contour", "plot_param_relationships", **kwargs)

    def save_plots(self, directory: str | os.PathLike[str], **kwargs: Any) -> list[Any]:
        """Write every plot that applies to the study into ``directory``; returns the files."""
        from parzen.visualization import save_plots

        if self.study is None:
            raise RuntimeError("nothing to plot: call optimize() first")
        return save_plots(self.study, pathlib.Path(directory), **kwargs)


def _json_or_none(value: Any) -> Any:
    """``value`` if JSON can hold it (a config with a lambda cannot), else None."""
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value


def _find_objective(spec: Any) -> Callable[..., Any] | None:
    """The module-level function named ``[module, qualname]``, or None when it cannot be found."""
    import importlib
    import sys

    if not isinstance(spec, list) or len(spec) != 2 or not all(isinstance(s, str) for s in spec):
        return None
    module_name, qualname = spec
    if "<locals>" in qualname:
        return None
    try:
        target: Any = sys.modules.get(module_name) or importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return None
    return target if callable(target) else None
