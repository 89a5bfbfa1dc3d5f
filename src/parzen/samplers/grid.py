"""Grid search: every point of a finite grid exactly once, shared safely among workers.

Workers take points through the storage's atomic claims (one key per point). A claim alone would
lose a point whose worker dies before evaluating it, so a point also goes back to the grid when the
trial holding it failed because its worker died (found stale by a heartbeat, or its process exited)
or was interrupted (Ctrl-C), and no other trial holds it: the next trial that any worker starts
takes it again, through a claim keyed by the dead trial's number, so exactly one worker re-runs it
per death. A point whose objective ran and failed counts as evaluated and does not run again.

A worker that beats starts each trial with its first heartbeat in the same storage write, so its
trial goes stale however early it dies. One moment stays uncovered: a worker killed between its claim
and the write that records the claim in its trial (the creation of a new trial, one storage round
trip; or the attribute write of a trial taken from the queue) leaves a claimed point that no trial
holds. And a retry of a trial that died after its first suggest runs the point a second time when
another worker took the point back between the reaper's failing of the trial and its queueing of the
retry.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import weakref
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from parzen.exceptions import SearchSpaceExhausted
from parzen.samplers._base import Sampler, make_rng
from parzen.samplers._history import record_finished, study_history
from parzen.space import Categorical, Distribution, Float, Int, check_distribution, check_name, walk_active
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

GRID_ID_ATTR = "grid_id"
FIXED_PARAMS_ATTR = "fixed_params"

# How a trial whose worker died is failed: by a live worker's heartbeat (parzen.execution.heartbeat),
# or by the process executor when the child process running it exits (WorkerDied); and how a trial
# stopped by Ctrl-C is failed.
_DIED_REASON_PREFIXES = ("stale:", "parzen.execution.trial_runner.WorkerDied:")
_INTERRUPTED_REASON = "KeyboardInterrupt"


def _grid_values(name: str, spec: Any) -> list[Any]:
    if isinstance(spec, Distribution):
        check_distribution(name, spec)
    if isinstance(spec, Categorical):
        return list(spec.choices)
    if isinstance(spec, Int):
        return list(range(int(spec.low), int(spec.high) + 1, spec.step))
    if isinstance(spec, Float):
        if spec.step is None:
            if spec.is_single():
                return [spec.low]
            raise ValueError(
                f"GridSampler: parameter {name!r} is a continuous {spec.describe()}; give it a `step` "
                "or list its values explicitly"
            )
        return [spec.grid_value(k) for k in range(spec.n_cells())]
    if isinstance(spec, Distribution):
        raise TypeError(f"GridSampler: parameter {name!r} has unsupported kind {spec!r}")
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence):
        raise TypeError(f"GridSampler: parameter {name!r} needs a list of values or a parzen.Int/Float/Categorical, "
                        f"got {spec!r}")
    values = list(spec)
    if not values:
        raise ValueError(f"GridSampler: parameter {name!r} has no values")
    return values


def _same_value(a: Any, b: Any) -> bool:
    """Equality of a grid value and an enqueued one that keeps True and 1 apart."""
    return isinstance(a, bool) == isinstance(b, bool) and bool(a == b)


def _worker_died(trial: FrozenTrial) -> bool:
    """Whether ``trial`` failed because its worker died or was interrupted, not because its objective failed."""
    reason = trial.fail_reason or ""
    return trial.state == TrialState.FAIL and (
        reason.startswith(_DIED_REASON_PREFIXES) or reason.split(":")[0] == _INTERRUPTED_REASON)


def _as_suggested(name: str, value: Any, dist: Distribution) -> Any:
    """The grid value as ``dist`` hands it out (an int for Int, a float for Float), checked to lie in it."""
    if not dist.contains(value):
        raise ValueError(
            f"GridSampler: the grid value {value!r} of parameter {name!r} lies outside {dist.describe()}"
        )
    if isinstance(dist, Categorical):
        return dist.choices[dist.index(value)]
    return int(value) if isinstance(dist, Int) else float(value)


class GridSampler(Sampler):
    """Runs each combination of ``search_space`` once, then stops the study.

    ``search_space`` maps names to lists of values or to Int / stepped Float / Categorical.
    Points run in row-major order, or in an order shuffled by ``seed`` when one is given.
    Workers sharing a storage take grid points through the storage's atomic claims, so no
    point runs twice even across processes. A point whose worker died before the trial finished
    (a heartbeat found it stale, or its process exited; see ``heartbeat_interval`` in
    ``Study.optimize``), or whose trial a Ctrl-C stopped, is run again by the next trial any worker
    starts, before the points not yet taken; a retry of that trial (``retry=RetryPolicy(...)``) is
    such a trial.
    """

    def __init__(self, search_space: Mapping[str, Any], seed: int | None = None) -> None:
        if not isinstance(search_space, Mapping) or not search_space:
            raise ValueError(f"GridSampler: `search_space` must be a non-empty mapping, got {search_space!r}")
        self._names = [check_name(n) for n in search_space]
        self._values = [_grid_values(n, search_space[n]) for n in self._names]
        self._n_points = 1
        for v in self._values:
            self._n_points *= len(v)
        digest = hashlib.sha1(json.dumps([self._names, self._values], default=repr).encode()).hexdigest()[:12]
        self._key_prefix = f"grid:{digest}:"
        self._seed = seed
        make_rng(seed)  # reject a bad seed now
        self._order: np.ndarray | None = None
        self._cursor: weakref.WeakKeyDictionary["Study", int] = weakref.WeakKeyDictionary()
        # Re-run claims known to be taken, or whose point another trial holds: never looked at again.
        self._settled: weakref.WeakKeyDictionary["Study", set[str]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    @property
    def n_points(self) -> int:
        return self._n_points

    def point(self, grid_id: int) -> dict[str, Any]:
        """The grid point with index ``grid_id`` (row-major over the given parameter order)."""
        out = {}
        for name, values in zip(reversed(self._names), reversed(self._values)):
            grid_id, i = divmod(grid_id, len(values))
            out[name] = values[i]
        return {n: out[n] for n in self._names}

    def points(self) -> list[dict[str, Any]]:
        return [dict(zip(self._names, combo)) for combo in itertools.product(*self._values)]

    def _grid_id(self, position: int) -> int:
        """The grid point visited at ``position`` of this sampler's order."""
        if self._seed is None:
            return position
        if self._order is None:
            self._order = make_rng(self._seed).permutation(self._n_points)
        return int(self._order[position])

    def _claim(self, study: "Study", grid_id: int) -> bool:
        return study.storage.claim(study.study_id, f"{self._key_prefix}{grid_id}")

    def _ravel(self, indices: Sequence[int]) -> int:
        """The grid id of the point with value ``indices[j]`` for parameter ``j`` (inverse of ``point``)."""
        grid_id = 0
        for i, values in zip(indices, self._values):
            grid_id = grid_id * len(values) + i
        return grid_id

    def _point_of(self, params: Mapping[str, Any]) -> int | None:
        """The grid id of the point that ``params`` give in full; None when a value is missing or off the grid."""
        indices = []
        for name, values in zip(self._names, self._values):
            if name not in params:
                return None
            index = next((i for i, v in enumerate(values) if _same_value(v, params[name])), None)
            if index is None:
                return None
            indices.append(index)
        return self._ravel(indices)

    def _last_deaths(self, study: "Study") -> dict[int, int]:
        """Grid id -> number of the latest trial holding that point whose worker died."""
        deaths: dict[int, int] = {}
        for t in study_history(study).select((TrialState.FAIL,)):
            grid_id = t.system_attrs.get(GRID_ID_ATTR)
            if grid_id is not None and _worker_died(t):
                deaths[grid_id] = max(deaths.get(grid_id, -1), t.number)
        return deaths

    def _rerun_key(self, grid_id: int, dead_number: int) -> str:
        """The claim that re-runs ``grid_id`` after trial ``dead_number`` died holding it: one winner per death."""
        return f"{self._key_prefix}{grid_id}:after:{dead_number}"

    def _lost_points(self, study: "Study") -> dict[int, str]:
        """Points to run again (grid id -> the claim that takes one): their trial's worker died and no other
        trial holds them, by claim, by a queued retry's values, or by having run with their values."""
        with self._lock:
            settled = self._settled.setdefault(study, set())
            keys = {g: key for g, n in sorted(self._last_deaths(study).items())
                    if (key := self._rerun_key(g, n)) not in settled}
        if not keys:
            return {}
        held: set[int] = set()
        for t in study.get_trials():
            grid_id = t.system_attrs.get(GRID_ID_ATTR)
            if grid_id is None:
                grid_id = self._point_of(t.system_attrs.get(FIXED_PARAMS_ATTR) or {})
            if grid_id is None:
                grid_id = self._point_of(t.params)
            if grid_id is not None and not _worker_died(t):
                held.add(grid_id)
        with self._lock:
            settled.update(keys[g] for g in held if g in keys)
        return {g: key for g, key in keys.items() if g not in held}

    def _claim_matching(self, study: "Study", fixed: Mapping[str, Any]) -> dict[str, Any]:
        """Claim a free point that agrees with an enqueued trial's values, so that no point runs twice.

        A point whose worker died counts as free (a retry brings the values of the trial that died).
        Claims nothing when the values lie off the grid or every matching point was taken: the
        trial then runs with the values it was enqueued with.
        """
        candidates: list[Sequence[int]] = []
        for name, values in zip(self._names, self._values):
            if name not in fixed:
                candidates.append(range(len(values)))
                continue
            matching = [i for i, v in enumerate(values) if _same_value(v, fixed[name])]
            if not matching:
                return {}
            candidates.append(matching)
        deaths: dict[int, int] | None = None
        for indices in itertools.product(*candidates):
            grid_id = self._ravel(indices)
            if self._claim(study, grid_id):
                return {GRID_ID_ATTR: grid_id}
            if deaths is None:
                deaths = self._last_deaths(study)
            if grid_id in deaths and study.storage.claim(study.study_id, self._rerun_key(grid_id, deaths[grid_id])):
                return {GRID_ID_ATTR: grid_id}
        return {}

    def before_trial(self, study: "Study", fixed_params: Mapping[str, Any]) -> dict[str, Any]:
        if fixed_params:
            return self._claim_matching(study, fixed_params)
        for grid_id, key in self._lost_points(study).items():
            taken = study.storage.claim(study.study_id, key)
            with self._lock:
                self._settled[study].add(key)  # taken by this call or by another worker: settled either way
            if taken:
                return {GRID_ID_ATTR: grid_id}
        with self._lock:
            i = self._cursor.get(study, 0)
            while i < self._n_points:
                grid_id = self._grid_id(i)
                taken = self._claim(study, grid_id)
                i += 1
                if taken:
                    self._cursor[study] = i
                    return {GRID_ID_ATTR: grid_id}
            self._cursor[study] = i
        study.stop()
        raise SearchSpaceExhausted(f"all {self._n_points} grid points were taken")

    def after_trial(self, study: "Study", trial: FrozenTrial) -> None:
        """Record the finished trial now, so that the next ask reads the failed trials without a full read."""
        record_finished(study, trial)

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        grid_id = trial.system_attrs.get(GRID_ID_ATTR)
        if grid_id is None:  # an enqueued trial with no free grid point: it has only its own values
            return {}
        point = self.point(grid_id)
        missing = [n for n in space if n not in point]
        if missing:
            raise ValueError(f"GridSampler: parameter(s) {missing} are not in the grid {self._names}")
        params: dict[str, Any] = {}
        for name, dist in walk_active(space, params):
            params[name] = _as_suggested(name, point[name], dist)
        return params

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        if GRID_ID_ATTR not in trial.system_attrs:
            raise ValueError(
                f"GridSampler: trial {trial.number} was enqueued with values that match no free grid point, "
                f"and it has no value for {name!r}; enqueue a value for every parameter of the grid"
            )
        return super().sample_independent(study, trial, name, distribution)
