"""TPESampler: the tree-structured Parzen estimator (Bergstra et al. 2011) fed from a study.

This module is the glue: it encodes finished trials once, splits them into good and bad by the study's
direction(s) and constraints, and hands arrays to :mod:`parzen.samplers.tpe.parzen_estimator`, which
holds the numerics. Several objectives are split as MOTPE does (:mod:`parzen.samplers.tpe.multi_objective`).

The cost of an ask must not grow with the study: a single objective's ranking is kept as trials finish
(:mod:`parzen.samplers.tpe.ranking`), the rows a parameter lacks come from the shared history, and of the
bad trials only the rows the estimator's kernel cap keeps are read. What is read and how it is handed on
is what a whole-history read would give, so the suggestions do not depend on this bookkeeping.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from parzen._checks import check_bool, check_int
from parzen.samplers._base import Sampler, draw_uniform, make_rng
from parzen.samplers._history import StudyHistory, encode_trial, record_finished, running_trials, study_history
from parzen.samplers.random import fallback_sampler
from parzen.samplers.tpe.parzen_estimator import (
    EstimatorConfig,
    ParzenEstimator,
    fit_parzen_estimator,
    thin_observations,
)
from parzen.samplers.tpe.ranking import Ranking
from parzen.space import Categorical, Distribution
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

GammaFunc = Callable[[int], int]

_MAX_GOOD = 25
_DEFAULT_BETA = 0.15
_WEIGHTINGS = ("ei", "uniform")
_OBSERVED = (TrialState.COMPLETE, TrialState.PRUNED)
_UNSEEN_DRAWS = 256  # uniform draws searched for a point not yet seen when every candidate was


def default_gamma(n: int) -> int:
    """Size of the good set for ``n`` complete trials: ceil(0.15 n), at most 25.

    Watanabe 2023 (Sec. 3, splitting algorithm) finds the "linear" split |D_l| = ceil(beta N) with
    beta = 0.15 robust; the cap of 25 (as in Hyperopt and Optuna) keeps l(x) focused in long studies.
    """
    return min(math.ceil(_DEFAULT_BETA * n), _MAX_GOOD)


def _linear_gamma(beta: float) -> GammaFunc:
    def gamma(n: int) -> int:
        return min(math.ceil(beta * n), _MAX_GOOD)

    return gamma


def ei_weights(losses: np.ndarray, threshold: float) -> np.ndarray:
    """Weights of the good observations under the "EI" weighting (Watanabe 2023, Sec. 3).

    Each good observation counts in proportion to its improvement over the split value y*,
    w_i = y* - y_i, so that l(x) leans towards the best points; equal losses give equal weights.
    """
    w = threshold - losses
    if not np.all(np.isfinite(w)) or w.max(initial=0.0) <= 0:
        return np.ones_like(losses)
    return np.maximum(w, 1e-12 * w.max())


@dataclasses.dataclass
class _Context:
    """What one sampling call needs: the finished trials TPE learns from, their split, and the running ones.

    TPE learns from every row of ``history`` (COMPLETE, PRUNED and FAIL trials), the first ``n`` of them
    (rows a trial finishing during this call adds are not read). ``good`` holds the rows of the good set,
    ascending, and ``good_weights`` their weights; every other row is bad. ``failed`` flags FAIL rows.
    """

    history: StudyHistory
    n: int
    failed: np.ndarray  # bool (n,)
    good: np.ndarray  # int (n_good,), ascending
    good_weights: np.ndarray  # float (n_good,)
    running: list[FrozenTrial]
    _read: dict[str, tuple[Distribution, np.ndarray, np.ndarray]] = dataclasses.field(default_factory=dict)

    def column(self, name: str, dist: Distribution) -> tuple[np.ndarray, np.ndarray]:
        """Internal values of ``name`` in ``dist`` per row (NaN where a trial lacks a valid one), and the rows,
        ascending, where they are NaN; read once per call."""
        read = self._read.get(name)
        if read is None or read[0] is not dist:
            values, missing = self.history.column_and_missing(name, dist)
            read = self._read[name] = (dist, values[: self.n], missing[: np.searchsorted(missing, self.n)])
        return read[1], read[2]


class TPESampler(Sampler):
    """Tree-structured Parzen estimator (Bergstra et al. 2011), configured after Watanabe 2023.

    After ``n_startup_trials`` random trials, finished trials are split into the ``gamma(n)`` best
    (good) and the rest (bad); a Parzen estimator is fitted to each, l(x) and g(x). TPE then draws
    ``n_ei_candidates`` points from l(x) and suggests the one maximising log l(x) - log g(x), which
    maximises expected improvement (Bergstra et al. 2011, Sec. 4.1: EI is proportional to
    (gamma + (1 - gamma) g(x) / l(x))^-1).

    The defaults are the components Watanabe 2023 (Sec. 3 and 4) studies, each set to the choice that
    did best there and in ``benchmarks/tpe_quick.py``: a multivariate kernel, the linear split with
    beta = 0.15, EI weighting of l(x), a prior of weight 1, Scott's bandwidth with magic clipping and a
    floor of 0.03, and a categorical bandwidth that shrinks with the number of observations.

    Args:
        seed: seeds this sampler's own random generator (same seed and tells, same suggestions).
        n_startup_trials: COMPLETE and FAIL trials drawn at random before TPE takes over (at least one COMPLETE).
        n_ei_candidates: points drawn from l(x) per suggestion.
        gamma: size of the good set for n complete trials: a function n -> int, a float beta in (0, 1]
            meaning min(ceil(beta n), 25), or None for :func:`default_gamma` (beta = 0.15).
        prior_weight: weight of the prior kernel relative to an average observation.
        multivariate: fit product kernels over the joint space (Watanabe 2023 recommends it) instead of
            one estimator per parameter. Conditional parameters are grouped by the trials that hold them
            and each group is fitted on those trials.
        constant_liar: count RUNNING trials as bad observations, so that parallel workers spread out.
        weighting: ``"ei"`` weights good observations by their improvement over the split value
            (Watanabe 2023's recommendation); ``"uniform"`` weights all alike.
        bandwidth: ``"scott"`` (Scott's rule per dimension) or ``"hyperopt"`` (distance to neighbours).
        consider_endpoints: with ``bandwidth="hyperopt"``, let the ends of a range count as neighbours.
        min_bandwidth_factor: smallest kernel bandwidth as a fraction of a range (the paper's Delta = 0.03).
        magic_clip: raise the bandwidth floor to 1 / (n + 1) while a density has few observations.
        categorical_bandwidth: the Aitchison-Aitken ``b`` (each categorical kernel keeps 1 - b on its own
            category), or None for b = (C - 1) / (n + C) with n observations and C categories, which
            shrinks as a density gets more observations.

    With several objectives the sampler is MOTPE (Ozaki et al. 2020; 2022): trials are split by
    non-domination rank with hypervolume subset selection on the boundary front, and good trials are
    weighted by their hypervolume contribution (``weighting`` then has no effect). Trials that violate
    the study's constraints always count as bad; while no trial is feasible, the least violating ones
    are the good set. PRUNED and FAIL trials count as bad observations, so that l(x) / g(x) is small
    where trials failed and TPE stops proposing points there.
    """

    def __init__(self, seed: int | None = None, *, n_startup_trials: int = 10, n_ei_candidates: int = 24,
                 gamma: GammaFunc | float | None = None, prior_weight: float = 1.0, multivariate: bool = True,
                 constant_liar: bool = True, weighting: str = "ei", bandwidth: str = "scott",
                 consider_endpoints: bool = True, min_bandwidth_factor: float = 0.03, magic_clip: bool = True,
                 categorical_bandwidth: float | None = None) -> None:
        self._rng = make_rng(seed)
        self._n_startup_trials = check_int("n_startup_trials", n_startup_trials, minimum=0)
        self._n_ei_candidates = check_int("n_ei_candidates", n_ei_candidates, minimum=1)
        self._gamma = _check_gamma(gamma)
        self._multivariate = check_bool("multivariate", multivariate)
        self._constant_liar = check_bool("constant_liar", constant_liar)
        if weighting not in _WEIGHTINGS:
            raise ValueError(f"`weighting` must be one of {list(_WEIGHTINGS)}, got {weighting!r}")
        self._weighting = weighting
        self._config = EstimatorConfig(
            prior_weight=prior_weight, bandwidth=bandwidth, consider_endpoints=consider_endpoints,
            min_bandwidth_factor=min_bandwidth_factor, magic_clip=magic_clip,
            categorical_bandwidth=categorical_bandwidth,
        )
        self._random = fallback_sampler(seed, self._rng)
        self._rankings: weakref.WeakKeyDictionary[StudyHistory, Ranking] = weakref.WeakKeyDictionary()
        self._points: weakref.WeakKeyDictionary[StudyHistory, dict[tuple, tuple[int, set[bytes]]]] = \
            weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    # --- the Sampler interface -------------------------------------------------------------------------
    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        """The distributions shared by every finished trial (single-valued ones left out)."""
        if not self._multivariate:
            return {}
        with self._lock:
            intersection = study_history(study).intersection(_OBSERVED) or {}
            return {name: d for name, d in intersection.items() if not d.is_single()}

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        if not space:
            return {}
        with self._lock:
            context = self._context(study, trial)
            if context is not None:
                return self._sample_space(context, space, trial.system_attrs.get("fixed_params") or {})
        return self._random.sample(study, trial, space)

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        dist = distribution.with_condition(None)
        if not dist.is_single():
            with self._lock:
                context = self._context(study, trial)
                if context is not None:
                    return self._sample_space(context, {name: dist}, {})[name]
        return self._random.sample_independent(study, trial, name, dist)

    def after_trial(self, study: "Study", trial: FrozenTrial) -> None:
        """Encode the finished trial now, so that the next ask finds the history up to date."""
        record_finished(study, trial)

    # --- history ---------------------------------------------------------------------------------------
    def _context(self, study: "Study", trial: "Trial") -> _Context | None:
        """The split history, or None while sampling should be random (startup)."""
        history = study_history(study)
        n_complete = history.count(TrialState.COMPLETE)  # failed trials count towards the startup: they teach too
        if n_complete == 0 or n_complete + history.count(TrialState.FAIL) < self._n_startup_trials:
            return None
        ranking = self._rankings.get(history)
        if ranking is None:
            ranking = self._rankings[history] = Ranking()
        n = ranking.update(history)
        n_good = self._n_good(ranking.n_complete)  # of the same rows as the split (a trial may have finished since)
        if ranking.n_feasible and study.n_objectives == 1:
            ranked = ranking.best(n_good + 1)
            good_rows = ranked[:n_good]
            weights = np.ones(len(good_rows))
            if self._weighting == "ei" and n_good < len(ranked):
                losses = history.losses[:, 0]
                weights = ei_weights(losses[good_rows], losses[ranked[n_good]])
        else:
            good_rows, weights = self._split_all(history, n, n_good, ranking)
        order = np.argsort(good_rows)
        running = running_trials(study, trial) if self._constant_liar else []
        return _Context(history, n, ranking.failed(n), good_rows[order], weights[order], running)

    @staticmethod
    def _split_all(history: StudyHistory, n: int, n_good: int, ranking: Ranking) -> tuple[np.ndarray, np.ndarray]:
        """The good rows and their weights where no incremental order applies: no feasible trial yet (the
        least violating lead the way), or several objectives (MOTPE's split)."""
        violations = history.violations[:n]
        complete = np.flatnonzero(history.mask(TrialState.COMPLETE)[:n])
        feasible = complete[violations[complete] <= 0]
        if feasible.size == 0:
            trial_numbers = history.numbers[:n]
            good_rows = complete[np.lexsort((trial_numbers[complete], violations[complete]))][:n_good]
            return good_rows, np.ones(len(good_rows))
        return ranking.split_objectives(min(n_good, feasible.size))

    def _n_good(self, n: int) -> int:
        n_good = self._gamma(n)
        if isinstance(n_good, bool) or not isinstance(n_good, numbers.Integral):
            raise TypeError(f"`gamma` must return an int, got {n_good!r} for n={n}")
        return min(max(int(n_good), 0), n)

    # --- sampling --------------------------------------------------------------------------------------
    def _sample_space(self, context: _Context, space: Mapping[str, Distribution],
                      fixed: Mapping[str, Any]) -> dict[str, Any]:
        """Values for the active parameters of ``space``, one group of parameters at a time.

        A round takes the parameters whose conditions hold for the values chosen so far; their
        children become active in a later round. Within a round, parameters held by the same trials
        form a group sampled jointly (one group per parameter when not multivariate).
        """
        params: dict[str, Any] = {}
        pending = dict(space)
        while True:
            active = [n for n, d in pending.items() if d.when is None or d.when.is_met(params)]
            if not active:
                return params
            to_sample: dict[str, Distribution] = {}
            for name in active:
                dist = pending.pop(name)
                if name in fixed:
                    params[name] = fixed[name]
                elif dist.is_single():
                    params[name] = dist.to_external(0.5)
                else:
                    to_sample[name] = dist
            groups = self._groups(context, to_sample)
            # One group holding every parameter of the space: its point is the trial's whole point.
            whole = len(groups) == 1 and not pending and len(to_sample) + len(params) == len(space) and not fixed
            for group in groups:
                params.update(self._sample_group(context, group, avoid_seen=whole))

    def _groups(self, context: _Context, dists: dict[str, Distribution]) -> list[dict[str, Distribution]]:
        if not self._multivariate:
            return [{name: dist} for name, dist in dists.items()]
        groups: list[tuple[np.ndarray, dict[str, Distribution]]] = []  # the rows a group lacks, and the group
        any_failed = bool(context.failed.any())
        for name, dist in dists.items():  # a failed trial may stop half-way: it does not split groups
            _, missing = context.column(name, dist)
            lacking = missing[~context.failed[missing]] if any_failed else missing
            for rows, group in groups:
                if np.array_equal(rows, lacking):
                    group[name] = dist
                    break
            else:
                groups.append((lacking, {name: dist}))
        return [group for _, group in groups]

    def _sample_group(self, context: _Context, group: dict[str, Distribution],
                      avoid_seen: bool = False) -> dict[str, Any]:
        """Joint TPE draw for parameters that are present in the same finished trials.

        With ``avoid_seen`` (the group is the whole space) and a finite space (grids and choices only),
        a point already evaluated or running is not proposed while the space holds another one.
        """
        names = list(group)
        columns = [context.column(name, dist) for name, dist in group.items()]
        absent = _union([missing for _, missing in columns])
        if absent.size == context.n:
            return self._draw_at_random(group)
        categorical = {n: d for n, d in group.items() if isinstance(d, Categorical)}
        num_idx = [i for i, n in enumerate(names) if n not in categorical]
        cat_idx = [i for i, n in enumerate(names) if n in categorical]
        good = ~_contains(absent, context.good)
        good_rows, good_weights = context.good[good], context.good_weights[good]
        # Bad: every row that is neither good nor absent, in row order, then the running trials' lies.
        not_bad = _insert_sorted(absent, good_rows)
        n_bad = context.n - not_bad.size
        lies = self._lies(context.running, group)
        n_cells = np.array([group[names[i]].n_cells() for i in num_idx], dtype=int)
        n_choices = [len(d.choices) for d in categorical.values()]

        def fit(n_rows: int, row_at: Callable[[np.ndarray], np.ndarray], lie_rows: np.ndarray,
                weights: np.ndarray) -> ParzenEstimator:
            """The estimator of ``n_rows`` observations (row ``row_at(i)`` of the history is the i-th), then
            ``lie_rows``: only those the kernel cap keeps are read, and passed as :func:`fit_parzen_estimator`
            would have thinned all of them itself."""
            n_obs = n_rows + len(lie_rows)
            max_kernels = self._config.max_kernels
            kept, counts = thin_observations(n_obs, max_kernels if max_kernels is not None else n_obs)
            rows = row_at(kept[kept < n_rows])
            values = np.empty((len(kept), len(names)))
            for j, (column, _) in enumerate(columns):
                values[: len(rows), j] = column[rows]
            values[len(rows):] = lie_rows[kept[len(rows):] - n_rows]
            numeric = values[:, num_idx]
            if len(kept) < n_obs:  # thinned: the layout thinning gives (it decides the order of the sums)
                numeric = np.ascontiguousarray(numeric)
                weights = weights[kept] * counts
            return fit_parzen_estimator(numeric, values[:, cat_idx].astype(int), weights, n_cells, n_choices,
                                        self._config)

        below = fit(len(good_rows), good_rows.__getitem__, lies[:0], good_weights)  # l(x)
        above = fit(n_bad, lambda i: _skip(not_bad, i), lies, np.ones(n_bad + lies.shape[0]))  # g(x)
        cand_num, cand_cat = below.sample(self._rng, self._n_ei_candidates)
        score = below.log_pdf(cand_num, cand_cat) - above.log_pdf(cand_num, cand_cat)
        if avoid_seen and np.all(n_cells > 0):
            finished = self._finished_points(context, group, [column for column, _ in columns], absent, num_idx,
                                             cat_idx, n_cells)
            running = set(_cell_keys(lies[:, num_idx], lies[:, cat_idx], n_cells))
            cand_num, cand_cat, score = self._unseen(cand_num, cand_cat, score, n_cells, n_choices,
                                                     lambda key: key in finished or key in running)
        best = int(np.argmax(score))
        out: dict[str, Any] = {}
        for j, i in enumerate(num_idx):
            out[names[i]] = group[names[i]].to_external(float(cand_num[best, j]))
        for j, (name, dist) in enumerate(categorical.items()):
            out[name] = dist.choices[int(cand_cat[best, j])]
        return out

    def _finished_points(self, context: _Context, group: dict[str, Distribution], columns: list[np.ndarray],
                         absent: np.ndarray, num_idx: list[int], cat_idx: list[int], n_cells: np.ndarray) -> set[bytes]:
        """The points (grid cells and choices, as :func:`_cell_keys` writes them) of the finished trials that
        hold every parameter of ``group``; kept per history and group, each row read once."""
        per_history = self._points.get(context.history)
        if per_history is None:
            per_history = self._points[context.history] = {}
        signature = tuple((name, dist.describe()) for name, dist in group.items())
        done, points = per_history.get(signature, (0, set()))
        if done < context.n:
            rows = np.arange(done, context.n)
            rows = rows[~_contains(absent, rows)]
            values = np.stack([column[rows] for column in columns], axis=1)
            points.update(_cell_keys(values[:, num_idx], values[:, cat_idx], n_cells))
            per_history[signature] = (context.n, points)
        return points

    def _unseen(self, cand_num: np.ndarray, cand_cat: np.ndarray, score: np.ndarray, n_cells: np.ndarray,
                n_choices: list[int], seen: Callable[[bytes], bool]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The candidates at points ``seen`` scored -inf; when every candidate was seen, uniform draws that
        were not (all candidates as they were when the draws find none: the space is spent)."""
        fresh = np.array([not seen(key) for key in _cell_keys(cand_num, cand_cat, n_cells)])
        if fresh.any():
            return cand_num, cand_cat, np.where(fresh, score, -np.inf)
        draws_num = self._rng.random((_UNSEEN_DRAWS, len(n_cells)))
        draws_cat = np.stack([self._rng.integers(k, size=_UNSEEN_DRAWS) for k in n_choices], axis=1) if n_choices \
            else np.zeros((_UNSEEN_DRAWS, 0), dtype=int)
        fresh = np.array([not seen(key) for key in _cell_keys(draws_num, draws_cat, n_cells)])
        if not fresh.any():
            return cand_num, cand_cat, score
        return draws_num[fresh][:1], draws_cat[fresh][:1], np.zeros(1)

    @staticmethod
    def _lies(running: Sequence[FrozenTrial], group: dict[str, Distribution]) -> np.ndarray:
        """The constant liar: running trials that already hold every parameter of ``group``, encoded."""
        rows = [row for t in running for row in [encode_trial(t, group.items())] if row is not None]
        return np.array(rows, dtype=float).reshape(len(rows), len(group))

    def _draw_at_random(self, group: dict[str, Distribution]) -> dict[str, Any]:
        """Uniform draw (in the encoding) for parameters no finished trial holds yet."""
        return {name: draw_uniform(dist, self._rng) for name, dist in group.items()}


def _union(sorted_rows: list[np.ndarray]) -> np.ndarray:
    """The union, ascending, of ascending row arrays (in a group they are mostly one and the same)."""
    out = np.empty(0, dtype=np.int64)
    for rows in sorted_rows:
        if rows.size and not np.array_equal(rows, out):
            out = np.union1d(out, rows) if out.size else rows
    return out


def _contains(sorted_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` are in the ascending array ``sorted_rows``."""
    at = np.searchsorted(sorted_rows, rows)
    return (at < sorted_rows.size) & (sorted_rows[np.minimum(at, max(sorted_rows.size - 1, 0))] == rows) \
        if sorted_rows.size else np.zeros(rows.shape, dtype=bool)


def _insert_sorted(sorted_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The ascending array of ``sorted_rows`` and ``rows`` (ascending, none of them in ``sorted_rows``)."""
    return np.insert(sorted_rows, np.searchsorted(sorted_rows, rows), rows)


def _skip(excluded: np.ndarray, i: np.ndarray) -> np.ndarray:
    """The ``i``-th rows (0, 1, 2, ... counted) that are not in the ascending array ``excluded``.

    ``excluded[j] - j`` rows are left before the j-th excluded row, so the i-th row left is ``i`` plus the
    number of excluded rows with ``excluded[j] - j <= i``.
    """
    if not excluded.size:
        return i
    return i + np.searchsorted(excluded - np.arange(excluded.size), i, side="right")


def _cell_keys(num: np.ndarray, cat: np.ndarray, n_cells: np.ndarray) -> list[bytes]:
    """Each encoded row's grid cell (numeric) and choice (categorical), as a hashable key."""
    cells = np.minimum(np.floor(num * n_cells), n_cells - 1).astype(np.int64)
    return [row.tobytes() for row in np.hstack([cells, cat.astype(np.int64)])]


def _check_gamma(gamma: GammaFunc | float | None) -> GammaFunc:
    if gamma is None:
        return default_gamma
    if callable(gamma):
        return gamma
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise TypeError(f"`gamma` must be None, a float in (0, 1] or a function n -> int, got {gamma!r}")
    if not 0 < gamma <= 1:
        raise ValueError(f"`gamma` as a float must be in (0, 1], got {gamma!r}")
    return _linear_gamma(float(gamma))
