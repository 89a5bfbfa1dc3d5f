"""``sampler_config`` and ``pruner_config`` to real samplers and pruners, for each back end.

Every option maps onto an option the back end really has; an option it lacks is an error that
says which back ends have it, raised before any trial runs.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Mapping

from parzen.pruners._base import Pruner
from parzen.samplers._base import Sampler

BACKENDS = ("parzen", "optuna", "hyperopt", "skopt")

# sampler_type -> the back ends that offer it
SAMPLER_TYPES: dict[str, tuple[str, ...]] = {
    "auto": ("parzen",),
    "tpe": ("parzen", "optuna", "hyperopt"),
    "gp": ("parzen", "optuna", "skopt"),
    "cmaes": ("parzen", "optuna"),
    "random": ("parzen", "optuna", "hyperopt"),
    "qmc": ("parzen", "optuna"),
    "nsga2": ("parzen", "optuna"),
    "rf": ("skopt",),
    "et": ("skopt",),
    "gbrt": ("skopt",),
}
_DEFAULT_TYPE = {"parzen": "auto", "optuna": "tpe", "hyperopt": "tpe", "skopt": "gp"}

# option -> the back ends (and their sampler types) that take it
SAMPLER_OPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "multivariate": {"parzen": ("tpe",), "optuna": ("tpe",)},
    "n_startup_trials": {"parzen": ("tpe", "gp"), "optuna": ("tpe", "gp"), "hyperopt": ("tpe",),
                         "skopt": ("gp", "rf", "et", "gbrt")},
    "n_ei_candidates": {"parzen": ("tpe",), "optuna": ("tpe",), "hyperopt": ("tpe",)},
    "gamma": {"parzen": ("tpe",), "optuna": ("tpe",), "hyperopt": ("tpe",)},
    "weights": {"optuna": ("tpe",)},
    "prior_weight": {"parzen": ("tpe",), "optuna": ("tpe",), "hyperopt": ("tpe",)},
    "late_cmaes_trials": {"parzen": ("auto",)},
    "gp_max_trials": {"parzen": ("auto",)},
    "cmaes_max_trials": {"parzen": ("auto",)},
    "acq_func": {"skopt": ("gp", "rf", "et", "gbrt")},
    "acq_optimizer": {"skopt": ("gp", "rf", "et", "gbrt")},
}


def _who_has(option: str) -> str:
    return ", ".join(f"{backend} ({'/'.join(types)})" for backend, types in SAMPLER_OPTIONS[option].items())


def check_sampler_config(backend: str, config: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """The sampler type and options of ``config`` for ``backend``; ValueError naming what does not fit."""
    if backend not in BACKENDS:
        raise ValueError(f"`backend` must be one of {BACKENDS}, got {backend!r}")
    if config is None:
        return _DEFAULT_TYPE[backend], {}
    if not isinstance(config, Mapping):
        raise TypeError(f"`sampler_config` must be a dict, got {config!r}")
    options = dict(config)
    kind = options.pop("sampler_type", _DEFAULT_TYPE[backend])
    if kind not in SAMPLER_TYPES:
        raise ValueError(f"`sampler_config['sampler_type']`: unknown {kind!r}; expected one of {list(SAMPLER_TYPES)}")
    if backend not in SAMPLER_TYPES[kind]:
        raise ValueError(f"`sampler_config['sampler_type']` {kind!r} is not offered by the {backend!r} back end; "
                         f"back ends with it: {', '.join(SAMPLER_TYPES[kind])}")
    for option in options:
        if option not in SAMPLER_OPTIONS:
            raise ValueError(f"`sampler_config`: unknown option {option!r}; known: {sorted(SAMPLER_OPTIONS)}")
        if kind not in SAMPLER_OPTIONS[option].get(backend, ()):
            raise ValueError(f"`sampler_config[{option!r}]` is not an option of the {backend!r} back end's "
                             f"{kind!r} sampler; it is taken by: {_who_has(option)}")
    return kind, options


def _gamma_function(gamma: Any) -> Callable[[int], int]:
    """optuna's ``gamma`` is a function of the number of trials; a float is the share of good ones
    (at most 25, as in optuna's default)."""
    if callable(gamma):
        return gamma
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0 < gamma < 1:
        raise ValueError(f"`sampler_config['gamma']` must be a share in (0, 1) or a function, got {gamma!r}")
    return lambda n: min(math.ceil(gamma * n), 25)


def _weights_function(weights: Any) -> Callable[[int], Any]:
    """optuna's ``weights(n)`` gives the weights of the n observations, oldest first. A function that
    returns one number k instead (seed 003 writes ``lambda x: min(x, 25)``) means: the k newest
    observations weigh 1 and the older ones ramp linearly up to 1, as optuna's default does with k = 25.
    The function is tried once here, so a wrong one is an error before any trial runs."""
    import numpy as np

    if not callable(weights):
        raise TypeError(f"`sampler_config['weights']` must be a function of the number of trials, got {weights!r}")

    def full(n: int) -> Any:
        out = weights(n)
        if isinstance(out, numbers.Real) and not isinstance(out, bool):
            k = min(n, max(0, int(float(out))))
            return np.concatenate([np.linspace(1.0 / max(n, 1), 1.0, num=n - k), np.ones(k)])
        return out

    try:
        shape = np.shape(full(30))
    except Exception as exc:
        raise ValueError(f"`sampler_config['weights']` failed on 30 trials: {exc!r}") from None
    if shape != (30,):
        raise ValueError(f"`sampler_config['weights']`(30) must give one number or 30 weights, got shape {shape}")
    return full


def make_sampler(backend: str, config: Mapping[str, Any] | None, seed: int | None, n_objectives: int) -> Sampler:
    """The sampler ``backend`` runs with ``config``, seeded by ``seed``."""
    kind, options = check_sampler_config(backend, config)
    if backend == "parzen":
        return _parzen_sampler(kind, options, seed)
    if backend == "optuna":
        return _optuna_sampler(kind, options, seed, n_objectives)
    if n_objectives != 1:
        raise ValueError(f"`backend` {backend!r} optimizes one objective; use 'parzen' or 'optuna' for several")
    if backend == "hyperopt":
        from parzen.backends import HyperoptSampler

        renamed = {"n_startup_trials": "n_startup_jobs", "n_ei_candidates": "n_EI_candidates"}
        return HyperoptSampler(kind, seed=seed, **{renamed.get(k, k): v for k, v in options.items()})
    from parzen.backends import SkoptSampler

    if "n_startup_trials" in options:
        options["n_initial_points"] = options.pop("n_startup_trials")
    return SkoptSampler(kind.upper(), seed=seed, **options)


def _parzen_sampler(kind: str, options: dict[str, Any], seed: int | None) -> Sampler:
    from parzen import samplers

    if kind == "tpe":
        return samplers.TPESampler(seed=seed, **options)
    if kind == "gp":
        return samplers.GPSampler(seed=seed, **options)
    if kind == "auto":
        return samplers.AutoSampler(seed=seed, **options)
    classes = {"cmaes": "CmaEsSampler", "random": "RandomSampler", "qmc": "QMCSampler", "nsga2": "NSGAIISampler"}
    return getattr(samplers, classes[kind])(seed=seed)


def _optuna_sampler(kind: str, options: dict[str, Any], seed: int | None, n_objectives: int) -> Sampler:
    from parzen.backends.optuna import OptunaSampler, import_optuna

    optuna = import_optuna()
    if kind == "tpe":
        if "gamma" in options:
            options["gamma"] = _gamma_function(options["gamma"])
        if "weights" in options:
            options["weights"] = _weights_function(options["weights"])
        inner = optuna.samplers.TPESampler(seed=seed, **options)
    elif kind == "gp":
        inner = optuna.samplers.GPSampler(seed=seed, **options)
    else:
        classes = {"cmaes": "CmaEsSampler", "random": "RandomSampler", "qmc": "QMCSampler",
                   "nsga2": "NSGAIISampler"}
        inner = getattr(optuna.samplers, classes[kind])(seed=seed)
    return OptunaSampler(inner)


PRUNER_TYPES = ("median", "percentile", "hyperband", "successive_halving", "patience", "threshold", "none")


def make_pruner(config: Mapping[str, Any] | None, enable_pruning: bool, pruning_patience: int) -> Pruner | None:
    """The pruner of ``pruner_config`` (a median rule when it is None), or None without pruning.

    ``pruning_patience`` is the number of steps a trial reports before the default median rule
    judges it. Hyperband takes ``max_resource='auto'`` itself (sized by the first complete trial).
    """
    from parzen import pruners

    if not enable_pruning:
        if config:
            raise ValueError("`pruner_config` is given but `enable_pruning` is False; drop one of them")
        return None
    if config is None:
        return pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=pruning_patience)
    if not isinstance(config, Mapping):
        raise TypeError(f"`pruner_config` must be a dict, got {config!r}")
    options = dict(config)
    kind = options.pop("pruner_type", "median")
    if kind not in PRUNER_TYPES:
        raise ValueError(f"`pruner_config['pruner_type']`: unknown {kind!r}; expected one of {PRUNER_TYPES}")
    if kind == "none":
        return None
    classes = {"median": "MedianPruner", "percentile": "PercentilePruner", "hyperband": "HyperbandPruner",
               "successive_halving": "SuccessiveHalvingPruner", "patience": "PatiencePruner",
               "threshold": "ThresholdPruner"}
    return _build(kind, getattr(pruners, classes[kind]), options)


def _build(kind: str, cls: type[Pruner], options: dict[str, Any]) -> Pruner:
    try:
        return cls(**options)
    except TypeError as exc:
        raise ValueError(f"`pruner_config` for {kind!r}: {exc}") from None
