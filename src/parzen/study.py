"""Study: one optimization, its trials, and the two ways to drive it (ask/tell and optimize)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import numbers
import threading
import uuid
import warnings
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence

from parzen._checks import check_int, check_name
from parzen._warnings import user_stacklevel
from parzen.exceptions import StudyNotFoundError, TrialFinishedError
from parzen.multi_objective.constraints import CONSTRAINTS_ATTR, check_constraint_values, is_feasible
from parzen.multi_objective.pareto import pareto_front_trials
from parzen.pruners import NopPruner, Pruner
from parzen.samplers import Sampler, default_sampler
from parzen.space import Distribution, validate_space, walk_active
from parzen.storages import BaseStorage, TrialTemplate, check_directions, get_storage
from parzen.trial import FAIL_REASON_ATTR, FrozenTrial, Trial, TrialState, check_objective_values, fixed_value

if TYPE_CHECKING:
    import pandas

    from parzen.execution.retry import RetryPolicy

ObjectiveFunc = Callable[[Trial], Any]
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
Callback = Callable[["Study", FrozenTrial], None]
ConstraintsFunc = Callable[[FrozenTrial], Sequence[float]]


class Study:
    """One optimization problem: its direction(s), trials, sampler, pruner and storage.

    Make one with :func:`create_study` or :func:`load_study`. With ``constraints_func``, each trial
    that finishes COMPLETE gets its constraint values (feasible when all are <= 0); infeasible trials
    are never reported as best.
    """

    def __init__(self, study_name: str, storage: BaseStorage, sampler: Sampler | None = None,
                 pruner: Pruner | None = None, seed: int | None = None,
                 constraints_func: ConstraintsFunc | None = None) -> None:
        self._storage = storage
        self._study_id = storage.get_study_id(study_name)
        self.study_name = study_name
        self._directions = storage.get_study_directions(self._study_id)
        if sampler is not None and not isinstance(sampler, Sampler):
            raise TypeError(f"`sampler` must be a parzen sampler, got {sampler!r}")
        if pruner is not None and not isinstance(pruner, Pruner):
            raise TypeError(f"`pruner` must be a parzen pruner, got {pruner!r}")
        if constraints_func is not None and not callable(constraints_func):
            raise TypeError(f"`constraints_func` must be callable, got {constraints_func!r}")
        self._constraints_func = constraints_func
        self._sampler = sampler if sampler is not None else default_sampler(seed=seed)
        self._pruner = pruner if pruner is not None else NopPruner()
        self._known_distributions: dict[str, Distribution] = {}
        self._known_numbers: dict[str, float] = {}  # the trial each known definition comes from (inf: this object)
        self._n_learned_finished = -1  # finished trials read by _learn_stored_distributions (-1: none yet)
        self._dist_lock = threading.Lock()
        self._stop_requested = False

    # --- description ---------------------------------------------------------------------
    @property
    def directions(self) -> list[str]:
        return list(self._directions)

    @property
    def direction(self) -> str:
        if len(self._directions) != 1:
            raise RuntimeError("this study has several objectives; use `directions`")
        return self._directions[0]

    @property
    def n_objectives(self) -> int:
        return len(self._directions)

    @property
    def constraints_func(self) -> ConstraintsFunc | None:
        return self._constraints_func

    @property
    def sampler(self) -> Sampler:
        return self._sampler

    @property
    def pruner(self) -> Pruner:
        return self._pruner

    @property
    def storage(self) -> BaseStorage:
        return self._storage

    @property
    def study_id(self) -> int:
        return self._study_id

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._storage.get_study_user_attrs(self._study_id)

    def set_user_attr(self, key: str, value: Any) -> None:
        self._storage.set_study_user_attr(self._study_id, key, value)

    # --- trials --------------------------------------------------------------------------
    @property
    def trials(self) -> list[FrozenTrial]:
        return self.get_trials()

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        return self._storage.get_all_trials(self._study_id, None if states is None else tuple(states))

    def _feasible_complete(self) -> list[FrozenTrial]:
        """COMPLETE trials that satisfy their constraints (all of them without constraints)."""
        return [t for t in self.get_trials((TrialState.COMPLETE,)) if is_feasible(t)]

    @property
    def best_trial(self) -> FrozenTrial:
        """The feasible COMPLETE trial with the best value (single-objective studies)."""
        if self.n_objectives != 1:
            raise RuntimeError("this study has several objectives: use `best_trials` (the Pareto front)")
        complete = self._feasible_complete()
        if not complete:
            feasible = " feasible" if self.get_trials((TrialState.COMPLETE,)) else ""
            raise ValueError(f"study {self.study_name!r} has no{feasible} COMPLETE trial yet")
        scored = [(t.values[0], t) for t in complete if t.values]
        if self._directions[0] == "minimize":
            return min(scored, key=lambda pair: (pair[0], pair[1].number))[1]
        return max(scored, key=lambda pair: (pair[0], -pair[1].number))[1]

    @property
    def best_value(self) -> float:
        value = self.best_trial.value
        assert value is not None  # the best trial is COMPLETE with one value
        return value

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.best_trial.params)

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """Feasible COMPLETE trials on the Pareto front of the study's directions."""
        return pareto_front_trials(self._feasible_complete(), self._directions)

    # --- ask / tell ----------------------------------------------------------------------
    def ask(self, space: Mapping[str, Distribution] | None = None, *, _heartbeat: bool = False) -> Trial:
        """Start a trial. With ``space``, its parameters are sampled now and found in ``trial.params``.

        ``_heartbeat`` (internal, for a runner that beats) starts the trial, new or taken from the queue,
        with its first heartbeat already recorded, so that it goes stale even if its worker dies before
        beating.
        """
        ordered = validate_space(space) if space is not None else None
        if ordered is not None:
            self._check_distributions(ordered)
        storage = self._storage
        trial_id = (storage.pop_waiting_trial_beating if _heartbeat else storage.pop_waiting_trial)(self._study_id)
        if trial_id is None:
            claims = self._sampler.before_trial(self, {})
            trial_id, number = self._storage.create_trial(
                self._study_id, TrialTemplate(system_attrs=claims, heartbeat=_heartbeat))
            trial = Trial(self, trial_id, number, system_attrs=claims)
        else:
            trial = self._start_enqueued(trial_id)
        if ordered:
            self._sample_space(trial, ordered)
        return trial

    def _start_enqueued(self, trial_id: int) -> Trial:
        """The live handle of an enqueued trial just taken from the queue.

        The sampler sees its fixed params before it claims anything (a grid sampler claims the
        matching point); if the sampler has nothing left for it, the trial is failed, not left running.
        """
        record = self._storage.get_trial(trial_id)
        fixed = dict(record.system_attrs.get("fixed_params", {}))
        try:
            claims = self._sampler.before_trial(self, fixed)
        except Exception as exc:
            final = self._storage.finish_trial(trial_id, TrialState.FAIL, None, {FAIL_REASON_ATTR: str(exc)})
            self._sampler.after_trial(self, final)
            raise
        for key, value in claims.items():
            self._storage.set_trial_system_attr(trial_id, key, value)
        trial = Trial(self, trial_id, record.number, fixed_params=fixed,
                      system_attrs={**record.system_attrs, **claims})
        trial._user_attrs.update(record.user_attrs)
        return trial

    def _sample_space(self, trial: Trial, space: dict[str, Distribution]) -> None:
        # An enqueued trial that fixes every parameter needs no sampler (whose model would cost a fit).
        joint = {} if trial._fixed.keys() >= space.keys() else self._sampler.sample(self, trial, space)
        params: dict[str, Any] = {}
        dists: dict[str, Distribution] = {}
        for name, dist in walk_active(space, params):
            if name in trial._fixed or dist.is_single() or name not in joint:
                params[name] = trial._choose(name, dist)
            else:
                params[name] = joint[name]
            dists[name] = dist
        trial._params.update(params)
        trial._distributions.update(dists)
        self._storage.set_trial_params(trial.trial_id, params, dists)

    def tell(self, trial: Trial | int, values: float | Sequence[float] | None = None,
             state: TrialState | None = None, *, fail_reason: str | None = None) -> FrozenTrial:
        """Finish a trial with its objective value(s), or with ``state`` PRUNED or FAIL.

        ``trial`` is a trial number or a Trial of this study, asked through this Study object or
        another one on the same database (another ``load_study``, another process); a Trial of
        another study is a ValueError.
        A value that is not a finite float (NaN, infinite, too large for a float, None, not a number)
        marks the trial FAIL with the reason. ``fail_reason`` is stored with ``state=FAIL``.
        Telling a finished trial again raises :class:`parzen.exceptions.TrialFinishedError`.
        """
        trial_id, number, intermediate = self._resolve(trial)
        if state is None:
            state = TrialState.COMPLETE
        state = TrialState(state)
        extra: dict[str, Any] = {}
        if fail_reason is not None:
            if not isinstance(fail_reason, str):
                raise TypeError(f"`fail_reason` must be a str, got {fail_reason!r}")
            if state != TrialState.FAIL:
                raise ValueError(f"`fail_reason` goes with state=FAIL, not {state.name}")
            extra[FAIL_REASON_ATTR] = fail_reason
        result: tuple[float, ...] | None = None
        if state == TrialState.COMPLETE:
            result, reason = check_objective_values(values, self.n_objectives)
            if reason is None and self._constraints_func is not None:
                reason = self._evaluate_constraints(trial_id, result, extra)
            if reason is not None:
                warnings.warn(f"trial {number} failed: {reason}", stacklevel=user_stacklevel())
                state, extra[FAIL_REASON_ATTR] = TrialState.FAIL, reason
                result = None
        elif state == TrialState.PRUNED:
            if values is not None:
                result, _ = check_objective_values(values, self.n_objectives)
            elif intermediate:
                result = (intermediate[max(intermediate)],)
        elif state != TrialState.FAIL:
            raise ValueError(f"`state` must be COMPLETE, PRUNED or FAIL, got {state.name}")
        final = self._storage.finish_trial(trial_id, state, result, extra)
        self._sampler.after_trial(self, final)
        return final

    def _evaluate_constraints(self, trial_id: int, values: tuple[float, ...] | None,
                              extra: dict[str, Any]) -> str | None:
        """Run ``constraints_func`` on the trial as it will be stored; put the values in ``extra``.

        The values go into the same ``finish_trial`` call as the state, so a trial is never COMPLETE
        without them. Returns why the trial must FAIL instead (the function raised or returned junk).
        """
        assert self._constraints_func is not None
        record = self._storage.get_trial(trial_id)
        finished = dataclasses.replace(record, state=TrialState.COMPLETE, values=values)
        try:
            extra[CONSTRAINTS_ATTR] = list(check_constraint_values(self._constraints_func(finished)))
        except Exception as exc:
            return f"constraints_func raised {type(exc).__name__}: {exc}"
        return None

    def _resolve(self, trial: Trial | int) -> tuple[int, int, Mapping[int, float]]:
        """Trial id, number and intermediate values of the trial to tell; rejects finished trials.

        A live Trial object carries what is needed, so telling it costs no storage read; the
        storage itself refuses to finish a trial twice.
        """
        if isinstance(trial, Trial):
            self._check_own(trial)
            return trial.trial_id, trial.number, trial.intermediate_values
        if not isinstance(trial, numbers.Integral) or isinstance(trial, bool):
            raise TypeError(f"`trial` must be a Trial or a trial number, got {trial!r}")
        trial = int(trial)
        try:
            trial_id = self._storage.get_trial_id_from_number(self._study_id, trial)
        except KeyError:
            raise ValueError(f"`trial`: study {self.study_name!r} has no trial number {trial}") from None
        frozen = self._storage.get_trial(trial_id)
        if frozen.state.is_finished():
            raise TrialFinishedError(f"trial {frozen.number} is already {frozen.state.name}; it cannot be told again")
        return trial_id, frozen.number, frozen.intermediate_values

    def _check_own(self, trial: Trial) -> None:
        """Reject a Trial of another study: ValueError naming both studies.

        A Trial belongs to this study when it was asked from the same study in the same database,
        through this object or another one: study ids are unique within a database, never reused.
        """
        other = trial.study
        if other is self or (other._study_id == self._study_id and self._storage.same_backend(other._storage)):
            return
        raise ValueError(
            f"trial {trial.number} belongs to another study: {other.study_name!r} in {other._storage!r}, "
            f"not {self.study_name!r} in {self._storage!r}; tell it through its own study"
        )

    def ask_batch(self, n: int, space: Mapping[str, Distribution] | None = None) -> list[Trial]:
        """Start ``n`` trials at once, for users who evaluate in batches.

        Each trial of the batch is RUNNING while the next is sampled, so samplers with a constant
        liar (TPE, GP, the default) spread the batch instead of proposing one point ``n`` times.
        """
        n = check_int("n", n, 1)
        if space is not None:
            validate_space(space)
        return [self.ask(space) for _ in range(n)]

    def enqueue_trial(self, params: Mapping[str, Any], user_attrs: Mapping[str, Any] | None = None) -> None:
        """Queue a trial with given parameters; the next ``ask`` runs it before sampling anew.

        A value must lie in its parameter's distribution: when the study already knows the parameter
        this is checked here against its latest definition (this object's own, else the latest stored
        by any process), otherwise when the trial asks for it; either way a ValueError names the
        parameter. A value that cannot be stored (not JSON) is a TypeError naming the parameter.
        """
        if not isinstance(params, Mapping):
            raise TypeError(f"`params` must be a mapping of parameter names to values, got {params!r}")
        with self._dist_lock:
            self._learn_stored_distributions()
            known = {name: self._known_distributions.get(name) for name in params}
        fixed = {}
        for name, value in params.items():
            dist = known[name]
            fixed[name] = _storable_value(name, value if dist is None else fixed_value(name, value, dist))
        self._storage.create_trial(
            self._study_id,
            TrialTemplate(state=TrialState.WAITING, fixed_params=fixed, user_attrs=user_attrs),
        )

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """Add finished trials (of another study, a saved file, an earlier run) as new trials of this one.

        Each keeps its params, distributions, values, state, intermediate values, user attributes,
        fail reason and constraint values, and gets the next number here; samplers learn from them
        as from any trial (a warm start). A trial that is not finished, or whose parameter is of
        another kind than this study's, is refused before any trial is written.
        """
        from parzen.export import add_trials

        frozen = list(trials)
        for t in frozen:
            if not isinstance(t, FrozenTrial):
                raise TypeError(f"`trials` must hold FrozenTrial objects (study.trials), got {t!r}")
            self._check_distributions(t.distributions)
        add_trials(self, frozen)

    def add_trial(self, trial: FrozenTrial) -> None:
        """Add one finished trial; see :meth:`add_trials`."""
        self.add_trials([trial])

    def stop(self) -> None:
        """Ask a running ``optimize`` to start no new trial (running ones finish)."""
        self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        """Whether :meth:`stop` was called since the last ``optimize`` began; executors check it."""
        return self._stop_requested

    # --- define-by-run bookkeeping -------------------------------------------------------
    def _check_distribution(self, name: str, dist: Distribution) -> None:
        self._check_distributions({name: dist})

    def _check_distributions(self, dists: Mapping[str, Distribution]) -> None:
        """Reject a parameter redefined as another kind (Float, Int or Categorical) than before in this study.

        Between trials a parameter may change its range, log scale, step or choices: each trial keeps
        the distribution it was sampled from, and the samplers read earlier values in the new one
        (:mod:`parzen.samplers._history`). Its kind stays: a value of one kind means nothing to another.
        A parameter's kind is set by the trials in the storage that recorded it, or by an earlier check
        of this object (a space given to ``ask`` defines all its names). A name this object does not
        know yet is looked up in the storage again, so a definition made through another Study object
        or process on the same storage counts as one made here. All of ``dists`` are checked before any
        is remembered, so a rejected space defines nothing; once checked, they are this object's
        latest definitions (see :meth:`_learn_stored_distributions`).
        """
        with self._dist_lock:
            if any(name not in self._known_distributions for name in dists):
                self._learn_stored_distributions()
            for name, dist in dists.items():
                seen = self._known_distributions.get(name, dist)
                if type(seen) is not type(dist):
                    raise ValueError(
                        f"parameter {name!r} is defined in this study as {seen.describe()}; it cannot be "
                        f"redefined as {dist.describe()}: its range, log scale, step or choices may change "
                        f"between trials, but not its kind ({type(seen).__name__})"
                    )
            self._known_distributions.update(dists)
            self._known_numbers.update(dict.fromkeys(dists, math.inf))

    def _learn_stored_distributions(self) -> None:
        """Bring the definitions this object knows up to date with the trials stored in its study.

        The latest definition of a parameter wins, as in the samplers (search spaces may change
        during a study): the one this object made last (through ``ask(space)`` or ``suggest``), and
        for a parameter it has not defined itself, the one of the stored trial with the highest number.
        Finished trials never change, so they are read again only when more have finished since the
        last call; RUNNING ones are read every time, and WAITING ones hold no definition until they
        run. So a queue of enqueued trials, or enqueueing many trials before the first ask, does not
        read the whole study on every call. Called under ``_dist_lock``.
        """
        n_finished = self._storage.get_n_trials(self._study_id, _FINISHED)
        states = (TrialState.RUNNING,) if n_finished == self._n_learned_finished else _FINISHED + (TrialState.RUNNING,)
        for stored in self._storage.get_all_trials(self._study_id, states):
            for name, dist in stored.distributions.items():
                if stored.number >= self._known_numbers.get(name, -1):
                    self._known_distributions[name] = dist
                    self._known_numbers[name] = stored.number
        self._n_learned_finished = n_finished

    def _record_param(self, trial: Trial, name: str, value: Any, dist: Distribution) -> None:
        self._storage.set_trial_params(trial.trial_id, {name: value}, {name: dist})
        trial._params[name] = value
        trial._distributions[name] = dist

    # --- running -------------------------------------------------------------------------
    def optimize(self, objective: ObjectiveFunc, n_trials: int | None = None, timeout: float | None = None,
                 n_jobs: int = 1, callbacks: Sequence[Callback] | None = None,
                 catch: type[BaseException] | Sequence[type[BaseException]] = (),
                 show_progress_bar: bool = False, trial_timeout: float | None = None,
                 executor: Any = "thread", heartbeat_interval: float | None = None,
                 grace_period: float | None = None, retry: "RetryPolicy | None" = None,
                 max_failures: int | None = None) -> None:
        """Run ``objective`` on new trials until ``n_trials`` ran, ``timeout`` passed or the study stopped.

        The sampler runs here; ``executor`` says where the objective runs, with up to ``n_jobs`` trials
        at once: ``"thread"`` (the calling thread, or threads), ``"process"`` (child processes; the
        objective must be picklable), ``"dask"`` (a local Dask cluster of ``n_jobs`` processes), a
        ``dask.distributed.Client`` (its cluster), or any :class:`parzen.execution.Executor`
        (``parzen.execution.processes.ProcessExecutor(memory_limit=bytes)``: child processes whose
        address space is capped, so a trial that allocates past it fails with MemoryError).
        An exception in ``catch`` marks its trial FAIL and the study goes on; any other exception,
        KeyboardInterrupt included, marks it FAIL and is re-raised.
        ``trial_timeout`` fails a trial that runs longer than that many seconds; only the process
        executor stops the runaway call, threads abandon it (it runs on in the background).

        For studies shared by several processes or machines: with ``heartbeat_interval``, each running
        trial of this call beats that often, and this call marks FAIL any trial of the study whose
        beat is older than ``grace_period`` (default four intervals): its worker died. ``retry`` (a
        :class:`parzen.RetryPolicy`) queues failed trials again with the same parameters; a retried
        failure does not stop the study. ``max_failures`` stops the call with
        :class:`parzen.exceptions.TooManyFailures` after that many failed trials in a row.
        """
        from parzen.execution.optimize import optimize

        self._stop_requested = False
        self._plan(n_trials)
        try:
            optimize(self, objective, n_trials=n_trials, timeout=timeout, n_jobs=n_jobs, callbacks=callbacks,
                     catch=catch, show_progress_bar=show_progress_bar, trial_timeout=trial_timeout,
                     executor=executor, heartbeat_interval=heartbeat_interval, grace_period=grace_period,
                     retry=retry, max_failures=max_failures)
        finally:
            self._planned_trials = None

    async def optimize_async(self, objective: Callable[[Trial], Awaitable[Any]], n_trials: int | None = None,
                             timeout: float | None = None, concurrency: int = 1,
                             callbacks: Sequence[Callback] | None = None,
                             catch: type[BaseException] | Sequence[type[BaseException]] = (),
                             show_progress_bar: bool = False, trial_timeout: float | None = None,
                             heartbeat_interval: float | None = None, grace_period: float | None = None,
                             retry: "RetryPolicy | None" = None, max_failures: int | None = None) -> None:
        """Run an ``async def`` objective with up to ``concurrency`` trials at once on the running loop.

        The sampler and the storage run in a worker thread, so the loop stays free for other
        coroutines while a trial is asked or told. ``callbacks``, ``catch``, ``trial_timeout`` (the
        awaited objective is cancelled), ``heartbeat_interval``, ``grace_period``, ``retry`` and
        ``max_failures`` mean what they mean for :meth:`optimize`: with ``heartbeat_interval``, a
        thread of this call beats for its running trials while they are awaited and fails the
        study's trials whose worker went silent (sync and async workers alike); ``retry`` queues
        failed trials again with the same parameters; ``max_failures`` raises
        :class:`parzen.exceptions.TooManyFailures` after that many failed trials in a row.
        """
        import asyncio

        from parzen.execution.async_optimize import optimize_async

        self._stop_requested = False
        await asyncio.to_thread(self._plan, n_trials)  # a storage read: off the loop
        try:
            await optimize_async(self, objective, n_trials=n_trials, timeout=timeout, concurrency=concurrency,
                                 callbacks=callbacks, catch=catch, show_progress_bar=show_progress_bar,
                                 trial_timeout=trial_timeout, heartbeat_interval=heartbeat_interval,
                                 grace_period=grace_period, retry=retry, max_failures=max_failures)
        finally:
            self._planned_trials = None

    _planned_trials: int | None = None
    _block_plan: int | None = None

    @property
    def planned_trials(self) -> int | None:
        """While an ``optimize`` call with ``n_trials`` runs, how many trials the study will then hold
        (those it had when the call began plus ``n_trials``, or the total of an enclosing
        :meth:`planning` block); None otherwise. Samplers read it to plan."""
        return self._planned_trials

    @contextlib.contextmanager
    def planning(self, n_trials: int) -> Iterator[None]:
        """Tell the samplers that the ``optimize`` calls inside this block run ``n_trials`` trials in all.

        For a study run in several calls (the rounds of an adaptive search space, say): without it a
        sampler plans for one call at a time, so the default sampler would keep its GP to the end of each
        call instead of moving on to CMA-ES when the whole budget leaves CMA-ES enough generations.
        """
        total = self._storage.get_n_trials(self._study_id) + check_int("n_trials", n_trials, minimum=0)
        outer, self._block_plan = self._block_plan, total
        try:
            yield
        finally:
            self._block_plan = outer

    def _plan(self, n_trials: Any) -> None:
        if self._block_plan is not None:
            self._planned_trials = self._block_plan
        elif isinstance(n_trials, int) and not isinstance(n_trials, bool) and n_trials >= 0:
            self._planned_trials = self._storage.get_n_trials(self._study_id) + n_trials

    # --- export --------------------------------------------------------------------------
    def trials_dataframe(self) -> "pandas.DataFrame":
        """The trials as a pandas DataFrame (needs pandas)."""
        from parzen.export import trials_dataframe

        return trials_dataframe(self)

    def to_csv(self, path: str) -> None:
        """Write one row per trial to a CSV file."""
        from parzen.export import write_csv

        write_csv(self, path)

    def to_json(self, path: str) -> None:
        """Write the study and all its trials to a JSON file."""
        from parzen.export import write_json

        write_json(self, path)

    def __repr__(self) -> str:
        return f"Study(name={self.study_name!r}, directions={list(self._directions)!r})"


def _storable_value(name: str, value: Any) -> Any:
    """A fixed parameter value as stored (a numpy scalar becomes its Python value); TypeError naming
    the parameter when it is not JSON (no storage but memory could keep it)."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"parameter {name!r}: the fixed value {value!r} cannot be stored ({exc})") from None
    return value


def create_study(direction: str | None = None, sampler: Sampler | None = None, pruner: Pruner | None = None,
                 storage: str | BaseStorage | None = None, study_name: str | None = None,
                 load_if_exists: bool = False, seed: int | None = None,
                 directions: Sequence[str] | None = None,
                 constraints_func: ConstraintsFunc | None = None) -> Study:
    """Create a study (or, with ``load_if_exists``, continue one of the same name).

    ``storage`` is None (in memory), a URL such as ``"sqlite:///parzen.db"``, or a storage object.
    ``seed`` seeds the default sampler; pass a seeded sampler to control it yourself.
    ``constraints_func(trial)`` returns floats for a finished trial; it is feasible when all are <= 0.
    """
    if constraints_func is not None and not callable(constraints_func):
        raise TypeError(f"`constraints_func` must be callable, got {constraints_func!r}")
    if direction is not None and directions is not None:
        raise ValueError("give either `direction` or `directions`, not both")
    dirs = check_directions([direction or "minimize"] if directions is None else directions)
    if seed is not None and sampler is not None:
        raise ValueError("`seed` seeds the default sampler; with an explicit `sampler`, seed the sampler instead")
    study_name = f"study-{uuid.uuid4().hex[:12]}" if study_name is None else check_name("study_name", study_name)
    backend = get_storage(storage)
    from parzen.exceptions import DuplicatedStudyError

    try:
        backend.create_study(study_name, dirs)
    except DuplicatedStudyError:
        if not load_if_exists:
            raise DuplicatedStudyError(
                f"a study named {study_name!r} already exists; pass load_if_exists=True to continue it"
            ) from None
        existing = backend.get_study_directions(backend.get_study_id(study_name))
        if tuple(existing) != dirs:
            raise ValueError(
                f"study {study_name!r} exists with directions {list(existing)}, not {list(dirs)}"
            ) from None
    return Study(study_name, backend, sampler=sampler, pruner=pruner, seed=seed, constraints_func=constraints_func)


def load_study(study_name: str, storage: str | BaseStorage, sampler: Sampler | None = None,
               pruner: Pruner | None = None, seed: int | None = None,
               constraints_func: ConstraintsFunc | None = None) -> Study:
    """Open an existing study from a storage; StudyNotFoundError names the studies the storage holds."""
    check_name("study_name", study_name)
    backend = get_storage(storage)
    with _naming_the_studies_there(backend, study_name):
        return Study(study_name, backend, sampler=sampler, pruner=pruner, seed=seed,
                     constraints_func=constraints_func)


def delete_study(study_name: str, storage: str | BaseStorage) -> None:
    check_name("study_name", study_name)
    backend = get_storage(storage)
    with _naming_the_studies_there(backend, study_name):
        study_id = backend.get_study_id(study_name)
    backend.delete_study(study_id)


@contextlib.contextmanager
def _naming_the_studies_there(backend: BaseStorage, study_name: str) -> Iterator[None]:
    """Re-raise a StudyNotFoundError for ``study_name`` with the names of the studies ``backend`` holds."""
    try:
        yield
    except StudyNotFoundError as exc:
        if str(exc) != f"no study named {study_name!r}":
            raise  # a storage's own account (an SQLite file that does not exist) says more
        names = [s.study_name for s in backend.get_all_studies()]
        listed = ", ".join(repr(n) for n in names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
        there = f"studies there: {listed}" if names else "the storage holds no study yet (create_study makes one)"
        raise StudyNotFoundError(f"no study named {study_name!r}; {there}") from None


def copy_study(from_study_name: str, from_storage: str | BaseStorage, to_storage: str | BaseStorage,
               to_study_name: str | None = None) -> Study:
    """Copy a study's directions, user attributes and finished trials into a new study of ``to_storage``.

    ``to_study_name`` defaults to the source's name; a study of that name already there is a
    DuplicatedStudyError, raised before anything is written. Running and waiting trials stay behind.
    """
    source = load_study(from_study_name, from_storage)
    target = create_study(storage=to_storage, study_name=to_study_name or from_study_name,
                          directions=source.directions)
    for key, value in source.user_attrs.items():
        target.set_user_attr(key, value)
    target.add_trials(t for t in source.trials if t.state.is_finished())
    return target


def get_all_study_names(storage: str | BaseStorage) -> list[str]:
    return [s.study_name for s in get_storage(storage).get_all_studies()]
