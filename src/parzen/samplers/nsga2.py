"""NSGA-II (Deb, Pratap, Agarwal and Meyarivan 2002): an elitist genetic algorithm for several objectives.

Trials belong to generations of ``population_size``. The parents of generation g are the elite of
generation g - 1's parents together with its finished trials: whole non-domination fronts while they
fit, the last front cut by crowding distance (Deb et al. 2002, Sec. III-B and III-C). A child is made
from two parents picked by binary tournament on (rank, crowding distance), by crossover and mutation in
the internal encoding: simulated binary crossover (SBX; Deb and Agrawal 1995) and polynomial mutation
(Deb and Goyal 1996) on numbers in [0, 1], uniform crossover and a uniformly drawn category as mutation
on categorical parameters.

Constraints (a study's ``constraints_func``) are handled by constrained domination (Deb 2002, Sec. 3 of
"An efficient constraint handling method for genetic algorithms"): a feasible trial beats an infeasible
one, and of two infeasible trials the one with the smaller total violation wins.

The generation of a trial is a system attribute written when the trial is created, so workers that
share a storage agree on generations and parents; nothing lives only in one process's memory except a
cache of the populations of generations that have fully finished.
"""

from __future__ import annotations

import math
import numbers
import threading
import weakref
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from parzen._checks import check_int
from parzen.multi_objective.constraints import violation
from parzen.multi_objective.pareto import crowding_distance, fast_non_dominated_sort, to_minimization
from parzen.samplers._base import Sampler, draw_uniform, make_rng
from parzen.samplers._finite import least_seen
from parzen.samplers._history import encoded
from parzen.samplers.random import fallback_sampler
from parzen.space import Categorical, Distribution, intersect_spaces, walk_active
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

GENERATION_ATTR = "nsga2:generation"


class _Population:
    """Parents of one generation: the trials, their constrained non-domination ranks and crowding distances."""

    def __init__(self, trials: list[FrozenTrial], ranks: np.ndarray, crowding: np.ndarray) -> None:
        self.trials = trials
        self.ranks = ranks
        self.crowding = crowding


def constrained_ranks(losses: np.ndarray, violations: np.ndarray) -> np.ndarray:
    """Fronts under constrained domination: feasible points by Pareto rank, then infeasible by violation."""
    ranks = np.zeros(len(losses), dtype=int)
    feasible = violations <= 0
    if feasible.any():
        ranks[feasible] = fast_non_dominated_sort(losses[feasible])
    if (~feasible).any():
        offset = int(ranks[feasible].max()) + 1 if feasible.any() else 0
        _, dense = np.unique(violations[~feasible], return_inverse=True)
        ranks[~feasible] = offset + dense.reshape(-1)
    return ranks


def select_elite(losses: np.ndarray, violations: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of the ``size`` survivors (Deb et al. 2002, Sec. III-C), with their ranks and crowding.

    Fronts are taken whole while they fit; the front that does not fit keeps its least crowded points.
    """
    ranks = constrained_ranks(losses, violations)
    crowding = np.zeros(len(losses))
    chosen: list[np.ndarray] = []
    room = size
    for rank in range(int(ranks.max(initial=-1)) + 1):
        if room <= 0:
            break
        members = np.flatnonzero(ranks == rank)
        crowding[members] = crowding_distance(losses[members])
        if members.size > room:
            members = members[np.argsort(-crowding[members], kind="stable")[:room]]
        chosen.append(members)
        room -= members.size
    picked = np.concatenate(chosen) if chosen else np.zeros(0, dtype=int)
    return picked, ranks[picked], crowding[picked]


def sbx(x1: float, x2: float, eta: float, rng: np.random.Generator) -> float:
    """One child of simulated binary crossover on [0, 1] (Deb and Agrawal 1995; bounded form of Deb 2001)."""
    if abs(x1 - x2) < 1e-14:
        return x1
    lo, hi = min(x1, x2), max(x1, x2)
    u = rng.random()
    spread = hi - lo

    def beta_q(beta: float) -> float:
        alpha = 2.0 - beta ** -(eta + 1.0)
        if u <= 1.0 / alpha:
            return (u * alpha) ** (1.0 / (eta + 1.0))
        return (1.0 / (2.0 - u * alpha)) ** (1.0 / (eta + 1.0))

    if rng.random() < 0.5:
        child = 0.5 * (lo + hi - beta_q(1.0 + 2.0 * lo / spread) * spread)
    else:
        child = 0.5 * (lo + hi + beta_q(1.0 + 2.0 * (1.0 - hi) / spread) * spread)
    return min(max(child, 0.0), 1.0)


def polynomial_mutation(x: float, eta: float, rng: np.random.Generator) -> float:
    """Polynomial mutation of ``x`` in [0, 1] (Deb and Goyal 1996, with the bounded variant of Deb 2001)."""
    u = rng.random()
    power = 1.0 / (eta + 1.0)
    if u < 0.5:
        val = 2.0 * u + (1.0 - 2.0 * u) * (1.0 - x) ** (eta + 1.0)
        delta = val ** power - 1.0
    else:
        val = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * x ** (eta + 1.0)
        delta = 1.0 - val ** power
    return min(max(x + delta, 0.0), 1.0)


class NSGAIISampler(Sampler):
    """NSGA-II for studies with one or more objectives, on any mix of numeric and categorical parameters.

    Args:
        seed: seeds this sampler's random generator (same seed and tells, same suggestions).
        population_size: trials per generation (and parents kept); the first generation is random.
            The default 20 suits budgets of a few hundred trials; larger populations need more trials.
        crossover_prob: probability that a child is a crossover of two parents rather than a copy of one.
        mutation_prob: probability that each parameter of a child mutates; None for 1 / n_parameters.
        eta_crossover: distribution index of SBX (larger keeps children closer to their parents).
        eta_mutation: distribution index of polynomial mutation (larger makes smaller steps).

    On a small finite space a child already seen more often than another point is bred again (up to
    32 times), then replaced by a least-seen point (the rule of :class:`RandomSampler`).
    """

    def __init__(self, seed: int | None = None, *, population_size: int = 20, crossover_prob: float = 0.9,
                 mutation_prob: float | None = None, eta_crossover: float = 20.0,
                 eta_mutation: float = 20.0) -> None:
        self._population_size = check_int("population_size", population_size, minimum=2)
        self._crossover_prob = _check_probability("crossover_prob", crossover_prob)
        self._mutation_prob = None if mutation_prob is None else _check_probability("mutation_prob", mutation_prob)
        self._eta_crossover = _check_positive("eta_crossover", eta_crossover)
        self._eta_mutation = _check_positive("eta_mutation", eta_mutation)
        self._rng = make_rng(seed)
        self._random = fallback_sampler(seed, self._rng)
        self._lock = threading.Lock()
        self._cache: weakref.WeakKeyDictionary[Any, dict[tuple[int, int], _Population]] = (
            weakref.WeakKeyDictionary())

    @property
    def population_size(self) -> int:
        return self._population_size

    # --- the Sampler interface -------------------------------------------------------------------------
    def before_trial(self, study: "Study", fixed_params: Mapping[str, Any]) -> dict[str, Any]:
        """Claim the trial for the latest generation, or open the next one when that one is full."""
        generations = [t.system_attrs[GENERATION_ATTR] for t in study.get_trials()
                       if GENERATION_ATTR in t.system_attrs and t.state != TrialState.FAIL]
        if not generations:
            return {GENERATION_ATTR: 0}
        last = max(generations)
        return {GENERATION_ATTR: last if generations.count(last) < self._population_size else last + 1}

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        """The distributions every parent holds (single-valued ones left out)."""
        population = self._population_for(study, trial)
        if population is None:
            return {}
        common: dict[str, Distribution] | None = None
        for t in population.trials:
            common = intersect_spaces(common, t.distributions)
        return {n: d for n, d in (common or {}).items() if not d.is_single()}

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        population = self._population_for(study, trial)
        if population is None or not space:
            return self._random.sample(study, trial, space)
        with self._lock:
            def offspring() -> dict[str, Any]:
                first, second = self._tournament(population), self._tournament(population)
                return self._child(first, second, space)

            return least_seen(study, trial, space, offspring(), offspring, self._rng, until_covered=True)

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        return self._random.sample_independent(study, trial, name, distribution)

    # --- generations -----------------------------------------------------------------------------------
    def _population_for(self, study: "Study", trial: "Trial") -> _Population | None:
        generation = trial.system_attrs.get(GENERATION_ATTR)
        if not isinstance(generation, int) or generation < 1:
            return None
        population = self._population(study, generation)
        return population if len(population.trials) >= 2 else None

    def _population(self, study: "Study", generation: int) -> _Population:
        """Parents of ``generation``, built forward from the last cached (fully finished) generation."""
        by_generation: dict[int, list[FrozenTrial]] = {}
        unfinished: set[int] = set()
        for t in study.get_trials():
            g = t.system_attrs.get(GENERATION_ATTR)
            if not isinstance(g, int) or g >= generation:
                continue
            if t.state == TrialState.COMPLETE:
                by_generation.setdefault(g, []).append(t)
            elif not t.state.is_finished():
                unfinished.add(g)
        cache = self._cache_for(study)
        start, population = 0, _Population([], np.zeros(0, dtype=int), np.zeros(0))
        for g in range(generation, 0, -1):
            cached = cache.get((study.study_id, g))
            if cached is not None:
                start, population = g, cached
                break
        for g in range(start + 1, generation + 1):
            population = self._select(study, population.trials + by_generation.get(g - 1, []))
            if not any(u < g for u in unfinished):  # built from finished trials only: it will not change
                cache[(study.study_id, g)] = population
        return population

    def _cache_for(self, study: "Study") -> dict[tuple[int, int], _Population]:
        with self._lock:
            try:
                return self._cache.setdefault(study.storage, {})
            except TypeError:  # a storage that cannot be weakly referenced: rebuild every time
                return {}

    def _select(self, study: "Study", trials: list[FrozenTrial]) -> _Population:
        if not trials:
            return _Population([], np.zeros(0, dtype=int), np.zeros(0))
        trials = sorted(trials, key=lambda t: t.number)
        losses = to_minimization(np.array([t.values for t in trials], dtype=float), study.directions)
        violations = np.array([violation(t) for t in trials])
        picked, ranks, crowding = select_elite(losses, violations, self._population_size)
        return _Population([trials[i] for i in picked], ranks, crowding)

    # --- variation -------------------------------------------------------------------------------------
    def _tournament(self, population: _Population) -> FrozenTrial:
        """Binary tournament: the lower rank wins, then the larger crowding distance (Deb et al. 2002)."""
        i, j = self._rng.choice(len(population.trials), size=2, replace=False)
        key_i = (population.ranks[i], -population.crowding[i])
        key_j = (population.ranks[j], -population.crowding[j])
        return population.trials[i if key_i <= key_j else j]

    def _child(self, first: FrozenTrial, second: FrozenTrial, space: Mapping[str, Distribution]) -> dict[str, Any]:
        crossover = self._rng.random() < self._crossover_prob
        active = [n for n, d in space.items() if not d.is_single()]
        mutation_prob = self._mutation_prob if self._mutation_prob is not None else 1.0 / max(len(active), 1)
        params: dict[str, Any] = {}
        for name, dist in walk_active(space, params):
            a, b = encoded(first.params, name, dist), encoded(second.params, name, dist)
            if math.isnan(a):
                a, b = b, math.nan
            if math.isnan(a):
                params[name] = draw_uniform(dist, self._rng)
                continue
            cross = crossover and not math.isnan(b)
            if isinstance(dist, Categorical):
                index = int(b) if cross and self._rng.random() < 0.5 else int(a)  # uniform crossover
                if self._rng.random() < mutation_prob:
                    index = int(self._rng.integers(len(dist.choices)))
                params[name] = dist.choices[index]
            else:
                x = sbx(a, b, self._eta_crossover, self._rng) if cross else a
                if self._rng.random() < mutation_prob:
                    x = polynomial_mutation(x, self._eta_mutation, self._rng)
                params[name] = dist.to_external(x)
        return self._not_a_copy(params, (first, second), space)

    def _not_a_copy(self, params: dict[str, Any], parents: tuple[FrozenTrial, FrozenTrial],
                    space: Mapping[str, Distribution]) -> dict[str, Any]:
        """``params``, with one continuous parameter mutated when the child repeats a parent's point.

        Without crossover and mutation a child is its parent, a point already evaluated; evaluating it again
        teaches nothing (and repeats a failure). Only a continuous parameter is sure to move.
        """
        def same(parent: FrozenTrial) -> bool:  # equal in the encoding: decoding may move a value by an ulp
            return all(abs(encoded(parent.params, n, space[n]) - space[n].encode(v)) <= 1e-12 for n, v in params.items())

        if not any(same(p) for p in parents):
            return params
        continuous = [n for n in params if space[n].n_cells() == 0 and not space[n].is_single()
                      and not isinstance(space[n], Categorical)]
        if not continuous:
            return params
        name = continuous[int(self._rng.integers(len(continuous)))]
        dist = space[name]
        x = dist.encode(params[name])
        for _ in range(10):  # a mutation that rounds back to the same value is drawn again
            moved = dist.to_external(polynomial_mutation(x, self._eta_mutation, self._rng))
            if moved != params[name]:
                return {**params, name: moved}
        return params


def _check_probability(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"`{name}` must be a probability in [0, 1], got {value!r}")
    return float(value)


def _check_positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value) > 0:
        raise ValueError(f"`{name}` must be a number > 0, got {value!r}")
    return float(value)

