"""GPSampler: Gaussian-process Bayesian optimization fed from a study.

This module is the glue: it encodes finished trials (once per study and space), transforms their values,
fits the GP (:mod:`.fit`, warm-started from the previous fit), builds the acquisition
(:mod:`.acquisition`) and maximizes it (:mod:`.optimize_acqf`), then decodes the winner.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Mapping, cast

import numpy as np

from parzen._checks import check_int
from parzen.samplers._base import Sampler, make_rng
from parzen.samplers._history import StudyHistory, encode_trial, record_finished, running_trials, study_history
from parzen.samplers.gp.acquisition import Acquisition, Feasibility, ucb_beta
from parzen.samplers.gp.conditions import INACTIVE_NUMBER, Conditions, build_conditions
from parzen.samplers.gp.fit import GPPosterior, ThetaLayout, fit_theta, standardize, warp_outputs
from parzen.samplers.gp.kernel import KernelParams
from parzen.samplers.gp.optimize_acqf import AcquisitionFunction, SearchDims, optimize_acqf
from parzen.samplers.gp.scalarization import chebyshev_losses
from parzen.samplers.gp.subspace import SubspaceAcquisition, SubspaceMap, model_distribution
from parzen.samplers.inferred_conditions import infer_conditional_space
from parzen.samplers.random import fallback_sampler
from parzen.space import Categorical, Distribution, Int, walk_active
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

_ACQUISITIONS = ("logei", "ucb")
_MAX_GRID = 64  # grids up to this size are searched value by value; larger ones are snapped after L-BFGS
_N_ANCHORS = 5
_COLD_START_EVERY = 10  # every this many fits, also start from the prior mode, in case the warm start is stuck
_N_RANDOM_STARTS = 2
_REFIT_DIVISOR = 25  # refit once the data grew by n // 25 trials (every trial below 50, every 12th at 300)
_N_SWEEP = 1024
_N_LOCAL = 5

SpaceKey = tuple[tuple[str, Distribution], ...]


def _snapper(dist: Distribution) -> tuple[Callable[[np.ndarray], np.ndarray] | None, np.ndarray | None]:
    """How to round one numeric dimension onto its grid (None when continuous), and its values if few.

    Linear grids own equal cells in the encoding, so the centre of cell k of n is (k + 1/2) / n; log-scaled
    Ints map [low - 1/2, high + 1/2] onto [0, 1] in log space (see :mod:`parzen.space`).
    """
    n = dist.n_cells()
    if n > 0:

        def snap_linear(u: np.ndarray) -> np.ndarray:
            return (np.clip(np.floor(u * n), 0, n - 1) + 0.5) / n

        return snap_linear, (np.arange(n) + 0.5) / n if n <= _MAX_GRID else None
    if not isinstance(dist, Int) or not dist.log:
        return None, None
    low, high = dist.low, dist.high
    lo, hi = math.log(low - 0.5), math.log(high + 0.5)

    def snap_log(u: np.ndarray) -> np.ndarray:
        v = np.clip(np.round(np.exp(lo + np.clip(u, 0.0, 1.0) * (hi - lo))), low, high)
        return (np.log(v) - lo) / (hi - lo)

    values = snap_log((np.log(np.arange(low, high + 1)) - lo) / (hi - lo)) if high - low < _MAX_GRID else None
    return snap_log, values


def search_dims(numeric: list[Distribution], categorical: list[Categorical],
                conditions: Conditions | None = None) -> SearchDims:
    """The :class:`SearchDims` of the encoded space of these parameters (``conditions``: see SearchDims)."""
    snappers = [_snapper(d) for d in numeric]

    def snap(x: np.ndarray) -> np.ndarray:
        out = x.copy()
        for k, (fn, _) in enumerate(snappers):
            if fn is not None:
                out[:, k] = fn(x[:, k])
        return out

    return SearchDims(grids=tuple(v for _, v in snappers), snap=snap,
                      n_choices=tuple(len(d.choices) for d in categorical), conditions=conditions)


@dataclasses.dataclass
class _Fit:
    """The last fit of one study's GP on one space, the starting point of the next."""

    theta: np.ndarray | None = None
    n_fits: int = 0
    n_at_fit: int = 0


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def _one_blas_thread() -> ContextManager[Any]:
    """Limit BLAS to one thread while the GP fits and optimizes (when threadpoolctl is installed).

    The GP's matrices are small (one row per trial): with several BLAS threads a 60-trial study
    on 2 cores took 3.4 s instead of 1.3 s, the threads costing more than they share out.
    """
    controller = _blas_controller()
    return contextlib.nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


def _stand_in(dist: Distribution) -> float:
    """The encoded value of a conditional parameter whose condition does not hold (see :mod:`.conditions`)."""
    return float(len(dist.choices)) if isinstance(dist, Categorical) else INACTIVE_NUMBER


class _StudyState:
    """What the GP keeps per study beside the shared history: its last fits, and the joint space it infers."""

    def __init__(self) -> None:
        self.fits: dict[SpaceKey, _Fit] = {}
        self._names: set[str] = set()
        self._n_read = 0
        self._joint: dict[str, Distribution] = {}
        self._seen: dict[str, dict[Distribution, None]] = {}
        self._n_seen = 0

    def seen_definitions(self, history: StudyHistory) -> dict[str, dict[Distribution, None]]:
        """Per parameter, the distinct definitions COMPLETE trials drew it from, in the order first seen
        (for the model space)."""
        complete = history.select((TrialState.COMPLETE,))
        for trial in complete[self._n_seen:]:
            for name, dist in trial.distributions.items():
                self._seen.setdefault(name, {})[dist] = None
        self._n_seen = len(complete)
        return self._seen

    def joint_space(self, history: StudyHistory) -> dict[str, Distribution]:
        """The space to model for a define-by-run trial: what the trials share, plus inferred branches.

        When some COMPLETE trials lack parameters that others hold and every such parameter is explained
        by a parent (:func:`parzen.samplers.inferred_conditions.infer_conditional_space`), the space is
        the union with those conditions; otherwise the intersection of the trials' spaces.
        """
        complete = history.select((TrialState.COMPLETE,))
        if self._n_read != len(complete):
            for trial in complete[self._n_read:]:
                self._names.update(trial.distributions)
            shared = history.intersection((TrialState.COMPLETE,)) or {}
            joint = None
            if len(shared) < len(self._names):
                joint = infer_conditional_space(complete)
            self._n_read, self._joint = len(complete), shared if joint is None else joint
        return self._joint


def _encoded_rows(history: StudyHistory, key: SpaceKey,
                  state: TrialState = TrialState.COMPLETE) -> tuple[np.ndarray, np.ndarray]:
    """Rows (numeric first, as in ``key``) of every trial in ``state`` that holds all parameters of ``key``,
    and those trials' losses.

    A conditional parameter a trial lacks because its condition does not hold takes its stand-in
    (see :mod:`.conditions`); one it lacks although the condition holds makes the row unusable.
    """
    complete = np.flatnonzero(history.mask(state))
    if not len(complete):
        return np.empty((0, len(key))), history.losses[:0]
    columns = []
    for name, dist in key:
        column = history.column(name, dist)[complete]
        if dist.when is not None:
            for j in np.flatnonzero(np.isnan(column)):
                params = history.trials[complete[j]].params
                if name not in params and not dist.when.is_met(params):
                    column[j] = _stand_in(dist)
        columns.append(column)
    x = np.stack(columns, axis=1)
    keep = ~np.isnan(x).any(axis=1)
    return x[keep], history.losses[complete[keep]]


def _modelled(space: Mapping[str, Distribution], model: Mapping[str, Distribution],
              shared: Mapping[str, Distribution]) -> list[str]:
    """The parameters of ``space`` the GP models, in space order.

    Unconditional ones that every COMPLETE trial holds (as the same kind) and that take several values
    in ``model`` (the hull of their definitions, :mod:`.subspace`), even where ``space`` now fixes them
    at one; and conditional ones (declared with ``when``) with several values whose parent is modelled
    with several values; trials that lack a conditional parameter because its condition fails are
    encoded with a stand-in value (:mod:`.conditions`).
    """
    names: list[str] = []
    for name, dist in space.items():
        if dist.when is None:
            if name in shared and type(shared[name]) is type(dist) and not model[name].is_single():
                names.append(name)
        elif dist.when.parent in names and not space[dist.when.parent].is_single() and not dist.is_single():
            names.append(name)
    return names


class GPSampler(Sampler):
    """Gaussian-process Bayesian optimization for mixed spaces.

    After ``n_startup_trials`` random trials, each suggestion fits a GP to the COMPLETE trials and
    maximizes an acquisition function:

    - kernel: Matern-5/2 with one lengthscale per numeric dimension (ARD), optionally on inputs warped by
      a Kumaraswamy CDF per dimension; categorical parameters add a Hamming distance with their own
      lengthscale. Log-scaled, integer and stepped parameters live in the shared unit-interval encoding,
      and grid parameters are rounded to their cell centres whenever a point is scored or chosen.
    - fitting: MAP estimate of lengthscales, amplitude, noise and warping by L-BFGS-B on the log marginal
      likelihood with analytic gradients, under log-normal priors (Hvarfner et al. 2024 for lengthscales).
      Each study's last fit is the next starting point, so a fit usually takes a few iterations; past
      50 trials the fit is reused until the data grew by 4%.
    - outputs: Yeo-Johnson-transformed then standardized (``output_warping``), or only standardized.
    - acquisition: log expected improvement (Ament et al. 2023), or UCB with beta = 0.2 d log(2n).
      It is maximized by a Sobol sweep plus jittered copies of the best trials, then L-BFGS-B on the
      continuous dimensions and exhaustive coordinate moves on small grids and categories.
    - parallel trials: with ``constant_liar``, RUNNING trials join the data with the posterior mean as
      their value (the kriging believer), which collapses the variance there and spreads suggestions.

    Conditional parameters (declared with ``when``) are modelled too: where a trial lacks one, its
    dimension takes a stand-in value (the centre of the encoding, or an extra category), and proposed
    points are put in that form before they are scored. In define-by-run studies the joint space is
    the intersection of the COMPLETE trials' spaces, plus the branches of the objective when the history
    shows which parent value enables each parameter (:mod:`parzen.samplers.inferred_conditions`); other
    parameters are drawn at random. With several objectives each suggestion models a fresh random
    augmented-Chebyshev scalarization of them (ParEGO, :mod:`.scalarization`); constraints are not
    modelled. Where trials FAILED, the acquisition is multiplied by the probability that the objective
    works (:class:`.acquisition.Feasibility`). Failed and PRUNED points join the data at a pessimistic
    value (the posterior mean, at most the median), so that the GP stops proposing points in a failing
    region or next to a pruned point. No point already evaluated (COMPLETE, PRUNED or FAIL) or running is
    proposed again.

    Args:
        seed: seeds this sampler's own random generator (same seed and tells, same suggestions).
        n_startup_trials: COMPLETE trials drawn at random before the GP takes over.
        acquisition: ``"logei"`` (log expected improvement) or ``"ucb"`` (upper confidence bound).
        input_warping: fit a Kumaraswamy input warp per numeric dimension jointly with the kernel. Off by
            default: its two extra hyperparameters per dimension overfit small data (median best on
            Hartmann6 after 60 trials, 5 seeds: -3.19 with it, -3.31 without; optimum -3.32).
        output_warping: Yeo-Johnson-transform the values before standardizing them.
        constant_liar: treat RUNNING trials as observed at the posterior mean (kriging believer).
    """

    def __init__(self, seed: int | None = None, *, n_startup_trials: int = 10, acquisition: str = "logei",
                 input_warping: bool = False, output_warping: bool = True, constant_liar: bool = True) -> None:
        self._rng = make_rng(seed)
        if acquisition not in _ACQUISITIONS:
            raise ValueError(f"`acquisition` must be one of {list(_ACQUISITIONS)}, got {acquisition!r}")
        for name, value in (("input_warping", input_warping), ("output_warping", output_warping),
                            ("constant_liar", constant_liar)):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"`{name}` must be a bool, got {value!r}")
        self._n_startup_trials = check_int("n_startup_trials", n_startup_trials, minimum=0)
        self._acquisition = acquisition
        self._input_warping = bool(input_warping)
        self._output_warping = bool(output_warping)
        self._constant_liar = bool(constant_liar)
        self._random = fallback_sampler(seed, self._rng)
        self._lock = threading.Lock()
        self._states: weakref.WeakKeyDictionary[StudyHistory, _StudyState] = weakref.WeakKeyDictionary()

    # --- the Sampler interface -------------------------------------------------------------------------
    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        """The distributions shared by every COMPLETE trial, plus branches their history explains.

        A distribution with one value is left out unless earlier trials drew the parameter from a
        wider one (it is then held in the model, see :mod:`.subspace`); see
        :meth:`_StudyState.joint_space` for branches.
        """
        with self._lock:
            history = study_history(study)
            state = self._state(history)
            joint = state.joint_space(history)
            definitions = state.seen_definitions(history)
        return {name: d for name, d in joint.items()
                if not d.is_single() or not model_distribution(d, definitions.get(name, ())).is_single()}

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        if not space:
            return {}
        with self._lock, _one_blas_thread():
            joint = self._sample_joint(study, trial, space)
        if not joint:  # startup: random draws, under the random sampler's no-repeat rule on small finite spaces
            return self._random.sample(study, trial, space)
        params: dict[str, Any] = {}
        for name, dist in walk_active(space, params):
            if name in joint:
                params[name] = joint[name]
            else:
                params[name] = self._random.sample_independent(study, trial, name,
                                                               dist.with_condition(None))
        return params

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        """Parameters outside the joint space are drawn at random."""
        return self._random.sample_independent(study, trial, name, distribution.with_condition(None))

    def after_trial(self, study: "Study", trial: FrozenTrial) -> None:
        """Encode the finished trial now, so that the next ask finds the history up to date."""
        record_finished(study, trial)

    def _state(self, history: StudyHistory) -> _StudyState:
        state = self._states.get(history)
        if state is None:
            state = self._states[history] = _StudyState()
        return state

    # --- the GP step -----------------------------------------------------------------------------------
    def _sample_joint(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        """GP suggestions for the parameters of ``space`` that the GP models (see :func:`_modelled`)."""
        history = study_history(study)
        definitions = self._state(history).seen_definitions(history)
        model = {n: model_distribution(d, definitions.get(n, ())) for n, d in space.items()}
        names = _modelled(space, model, history.intersection((TrialState.COMPLETE,)) or {})
        numeric = [n for n in names if not isinstance(space[n], Categorical)]
        categorical = [n for n in names if isinstance(space[n], Categorical)]
        key: SpaceKey = tuple((n, model[n]) for n in numeric + categorical)
        if not key:
            return {}
        x, losses = _encoded_rows(history, key)
        if len(losses) < max(self._n_startup_trials, 1):
            return {}
        scores = -(losses[:, 0] if study.n_objectives == 1 else chebyshev_losses(losses, self._rng))
        x_num, x_cat = x[:, : len(numeric)], x[:, len(numeric):].astype(int)
        y = warp_outputs(scores) if self._output_warping else standardize(scores)

        layout = ThetaLayout(len(numeric), len(categorical), self._input_warping and len(numeric) > 0)
        fit = self._state(history).fits.setdefault(key, _Fit())
        kernel_params, noise = layout.unpack(self._fit(fit, layout, x_num, x_cat, y))
        posterior = GPPosterior(kernel_params, noise, x_num, x_cat, y)
        lies = self._lies(study, trial, key, len(numeric))
        failed, _ = _encoded_rows(history, key, TrialState.FAIL)
        feasibility = None
        if len(failed):  # where trials failed, the acquisition is weighed by the chance that the objective works
            feasibility = self._feasibility(kernel_params, noise, x_num, x_cat, failed)
        pruned, _ = _encoded_rows(history, key, TrialState.PRUNED)
        seen = (np.vstack([x_num, pruned[:, : len(numeric)], failed[:, : len(numeric)]]),
                np.vstack([x_cat, pruned[:, len(numeric):], failed[:, len(numeric):]]).astype(int))
        # Running trials join the data at the posterior mean (the kriging believer), pruned and failed ones at
        # that mean capped by the median value: the variance collapses there, and a region that failed, or that
        # the pruner judged worse than the median, no longer looks better than the typical trial. Without the
        # pruned ones the model never learns of them, and the acquisition's maximum stays a hair away from a
        # pruned point trial after trial. Their values do not enter the hyperparameter fit, so a failure does
        # not put a cliff into the lengthscales (imputing the worst value into the fit did, and the GP then
        # settled on worse optima of the failing-region problems in parzen.testing.problems).
        believed = [lies] if lies is not None else []
        doubted = np.vstack([pruned, failed])
        if len(doubted):
            believed.append((doubted[:, : len(numeric)], doubted[:, len(numeric):].astype(int)))
        if believed:
            b_num, b_cat = np.vstack([b[0] for b in believed]), np.vstack([b[1] for b in believed])
            b_mean, _ = posterior.predict(b_num, b_cat)
            if len(doubted):
                b_mean[len(b_mean) - len(doubted):] = np.minimum(b_mean[len(b_mean) - len(doubted):], np.median(y))
            posterior = GPPosterior(kernel_params, noise, np.vstack([x_num, b_num]), np.vstack([x_cat, b_cat]),
                                    np.concatenate([y, b_mean]))
        if lies is not None:
            seen = (np.vstack([seen[0], lies[0]]), np.vstack([seen[1], lies[1]]))
        top = np.argsort(-y, kind="stable")[:_N_ANCHORS]
        anchors_num, anchors_cat = x_num[top], x_cat[top]
        # The acquisition is maximized over the current definitions (the search space), which may be a
        # part of the model space when the space changed (see .subspace); its incumbent is then the best
        # trial inside the search space, since a better one outside it cannot be reached again.
        s_numeric = [n for n in numeric if not space[n].is_single()]
        s_categorical = [n for n in categorical if not space[n].is_single()]
        conditions = None
        if any(space[n].when is not None for n in names):
            conditions = build_conditions([(n, space[n]) for n in s_numeric],
                                          [(n, cast(Categorical, space[n])) for n in s_categorical])
        dims = search_dims([space[n] for n in s_numeric], [cast(Categorical, space[n]) for n in s_categorical],
                           conditions)
        subspace = None
        incumbent = float(np.max(y))
        if any(model[n] is not space[n] for n in names) or len(s_numeric + s_categorical) < len(names):
            subspace = SubspaceMap(space, model, s_numeric, s_categorical, numeric, categorical)
            inside = subspace.inside(x_num, x_cat)
            incumbent = float(np.max(y[inside])) if inside.any() else incumbent
            anchors_num, anchors_cat = subspace.to_search(anchors_num, anchors_cat)
        # No point already evaluated (completed, pruned or failed) or running is proposed again.
        acqf: AcquisitionFunction = Acquisition(posterior, self._acquisition, best=incumbent,
                                                beta=ucb_beta(len(key), len(y)), exclude=seen, feasibility=feasibility)
        if subspace is not None:
            acqf = SubspaceAcquisition(acqf, subspace, dims.inactive_numbers)
        best_num, best_cat, _ = optimize_acqf(acqf, dims, self._rng, n_sweep=_N_SWEEP, n_local=_N_LOCAL,
                                              anchors_num=anchors_num, anchors_cat=anchors_cat)
        act_num, act_cat = np.ones(len(s_numeric), dtype=bool), np.ones(len(s_categorical), dtype=bool)
        if conditions is not None:
            act_num, act_cat = (mask[0] for mask in conditions.active(best_num[None], best_cat[None]))
        out: dict[str, Any] = {n: space[n].to_external(float(u)) for n, u, on in zip(s_numeric, best_num, act_num)
                               if on}
        out.update({n: space[n].to_external(float(i)) for n, i, on in zip(s_categorical, best_cat, act_cat) if on})
        return out

    def _fit(self, enc: _Fit, layout: ThetaLayout, x_num: np.ndarray, x_cat: np.ndarray,
             y: np.ndarray) -> np.ndarray:
        """The hyperparameters: warm-started from this study's last fit, refitted as the data grow.

        The first fit starts from the prior mode and random draws; later ones from the last optimum (plus
        the prior mode every few fits). Once the data are large, the last fit is reused until n // 25 new
        trials have come in: one trial barely moves the optimum, and a fit is the costliest step.
        """
        n = len(y)
        if enc.theta is not None and len(enc.theta) == layout.size:
            if n - enc.n_at_fit < max(1, n // _REFIT_DIVISOR):
                return enc.theta
            extra = layout.starts(self._rng, 0) if enc.n_fits % _COLD_START_EVERY == 0 else []
            starts = [enc.theta] + extra
        else:
            starts = layout.starts(self._rng, _N_RANDOM_STARTS)
        enc.theta = fit_theta(layout, x_num, x_cat, y, starts)
        enc.n_fits, enc.n_at_fit = enc.n_fits + 1, n
        return enc.theta

    def _feasibility(self, kernel_params: KernelParams, noise: float, x_num: np.ndarray, x_cat: np.ndarray,
                     failed: np.ndarray) -> Feasibility:
        """Where the objective works: the GP with the objective's hyperparameters, fitted to 0 at completed
        points and -1 at failed ones, so that 1 + its mean is about 1 where trials worked and 0 where they failed."""
        n_num = x_num.shape[1]
        f_num = np.vstack([x_num, failed[:, :n_num]])
        f_cat = np.vstack([x_cat, failed[:, n_num:].astype(int)])
        labels = np.concatenate([np.zeros(len(x_num)), -np.ones(len(failed))])
        return Feasibility(GPPosterior(kernel_params, noise, f_num, f_cat, labels))

    def _lies(self, study: "Study", trial: "Trial", key: SpaceKey,
              n_num: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Encoded RUNNING trials (other than ``trial``) that hold every parameter of ``key``."""
        if not self._constant_liar:
            return None
        rows = [row for t in running_trials(study, trial) for row in [encode_trial(t, key, _stand_in)]
                if row is not None]
        if not rows:
            return None
        arr = np.array(rows, dtype=float)
        return arr[:, :n_num], arr[:, n_num:].astype(int)
