"""Grid search: every point of a finite grid exactly once, shared safely among workers."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from parzen.exceptions import SearchSpaceExhausted
from parzen.samplers._base import Sampler
from parzen.space import Categorical, Distribution, Float, Int, check_name

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

GRID_ID_ATTR = "grid_id"


def _grid_values(name: str, spec: Any) -> list[Any]:
    if isinstance(spec, Categorical):
        return list(spec.choices)
    if isinstance(spec, Int):
        return list(range(spec.low, spec.high + 1, spec.step))
    if isinstance(spec, Float):
        if spec.step is None:
            if spec.is_single():
                return [spec.low]
            raise ValueError(
                f"GridSampler: parameter {name!r} is a continuous {spec.describe()}; give it a `step` "
                "or list its values explicitly"
            )
        n = round((spec.high - spec.low) / spec.step)
        return [spec.low + k * spec.step for k in range(n + 1)]
    if isinstance(spec, Distribution):
        raise TypeError(f"GridSampler: parameter {name!r} has unsupported kind {spec!r}")
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence):
        raise TypeError(f"GridSampler: parameter {name!r} needs a list of values or a parzen.Int/Float/Categorical, "
                        f"got {spec!r}")
    values = list(spec)
    if not values:
        raise ValueError(f"GridSampler: parameter {name!r} has no values")
    return values


class GridSampler(Sampler):
    """Runs each combination of ``search_space`` once, in order, then stops the study.

    ``search_space`` maps names to lists of values or to Int / stepped Float / Categorical.
    Workers sharing a storage take grid points through the storage's atomic claims, so no
    point runs twice even across processes.
    """

    def __init__(self, search_space: Mapping[str, Any]) -> None:
        if not isinstance(search_space, Mapping) or not search_space:
            raise ValueError(f"GridSampler: `search_space` must be a non-empty mapping, got {search_space!r}")
        self._names = [check_name(n) for n in search_space]
        self._values = [_grid_values(n, search_space[n]) for n in self._names]
        self._n_points = 1
        for v in self._values:
            self._n_points *= len(v)
        digest = hashlib.sha1(json.dumps([self._names, self._values], default=repr).encode()).hexdigest()[:12]
        self._key_prefix = f"grid:{digest}:"
        self._cursor: dict[int, int] = {}
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

    def before_trial(self, study: "Study") -> dict[str, Any]:
        with self._lock:
            i = self._cursor.get(study.study_id, 0)
            while i < self._n_points:
                taken = study.storage.claim(study.study_id, f"{self._key_prefix}{i}")
                i += 1
                if taken:
                    self._cursor[study.study_id] = i
                    return {GRID_ID_ATTR: i - 1}
            self._cursor[study.study_id] = i
        study.stop()
        raise SearchSpaceExhausted(f"all {self._n_points} grid points were taken")

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        point = self.point(trial.system_attrs[GRID_ID_ATTR])
        missing = [n for n in space if n not in point]
        if missing:
            raise ValueError(f"GridSampler: parameter(s) {missing} are not in the grid {self._names}")
        params: dict[str, Any] = {}
        for name, dist in space.items():
            if dist.when is None or dist.when.is_met(params):
                params[name] = point[name]
        return params
