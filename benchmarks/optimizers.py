"""The optimizers compared in the sample-efficiency benchmark, each behind one function.

``run(optimizer, problem, budget, seed)`` evaluates ``budget`` trials and returns the objective
value of each trial in order. parzen gets the space declared up front (``study.ask(space)``, with
``when`` conditions), except ``parzen-default-dbr``, which runs the same define-by-run objective as
optuna, its conditions undeclared. Peers get the problem in their own idiom: optuna define-by-run,
hyperopt nested ``hp.choice`` for conditions, scikit-optimize and Nevergrad a flat space (inactive parameters
are sampled but ignored by the objective, since it has no conditions).
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any, Callable

import numpy as np

import parzen
from benchmarks.problems import EvaluationFailed, Param, Problem

FAILED = float("inf")


class _Penalty:
    """For peers without a failed state: a failed evaluation is told as the worst value seen so far."""

    def __init__(self) -> None:
        self.worst = -math.inf

    def __call__(self, problem: Problem, params: dict[str, Any]) -> tuple[float, float]:
        """(value to tell, value to record): the recorded value of a failure is ``FAILED``."""
        try:
            value = problem.fn(params)
        except EvaluationFailed:
            return (self.worst if math.isfinite(self.worst) else 1e6), FAILED
        self.worst = max(self.worst, value)
        return value, value


def _active(params: tuple[Param, ...], values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in params:
        if p.when is None or (p.when[0] in out and out[p.when[0]] in p.when[1]):
            out[p.name] = values[p.name]
    return out


# --- parzen -----------------------------------------------------------------------------------------
def _parzen_space(problem: Problem) -> dict[str, parzen.space.Distribution]:
    space: dict[str, Any] = {}
    for p in problem.params:
        when = None if p.when is None else (p.when[0], p.when[1])
        if p.kind == "float":
            space[p.name] = parzen.Float(p.low, p.high, log=p.log, when=when)
        elif p.kind == "int":
            space[p.name] = parzen.Int(int(p.low), int(p.high), log=p.log, when=when)
        else:
            space[p.name] = parzen.Categorical(list(p.choices), when=when)
    return space


def _run_parzen(make_sampler: Callable[[int], Any] | None) -> Callable[[Problem, int, int], list[float]]:
    def run(problem: Problem, budget: int, seed: int) -> list[float]:
        if make_sampler is None:
            study = parzen.create_study(seed=seed)
        else:
            study = parzen.create_study(sampler=make_sampler(seed))
        space = _parzen_space(problem)
        values = []
        for _ in range(budget):
            trial = study.ask(space)
            try:
                value = problem.fn(trial.params)
            except EvaluationFailed:
                study.tell(trial, state=parzen.TrialState.FAIL)
                values.append(FAILED)
                continue
            study.tell(trial, value)
            values.append(value)
        return values

    return run


def _parzen_sampler(name: str, **kwargs: Any) -> Callable[[int], Any]:
    def make(seed: int) -> Any:
        return getattr(parzen.samplers, name)(seed=seed, **kwargs)

    return make


def _run_parzen_define_by_run(problem: Problem, budget: int, seed: int) -> list[float]:
    """The default sampler on the objective written define-by-run, conditions left undeclared."""
    study = parzen.create_study(seed=seed)
    study.optimize(_define_by_run_objective(problem), n_trials=budget, catch=EvaluationFailed)
    return [t.value if t.state == parzen.TrialState.COMPLETE else FAILED for t in study.trials]


# --- define-by-run objectives (optuna, and parzen's define-by-run runner) ------------------------------
def _define_by_run_objective(problem: Problem) -> Callable[[Any], float]:
    def objective(trial: Any) -> float:
        values: dict[str, Any] = {}
        for p in problem.params:
            if p.when is not None and not (p.when[0] in values and values[p.when[0]] in p.when[1]):
                continue
            if p.kind == "float":
                values[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log)
            elif p.kind == "int":
                values[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
            else:
                values[p.name] = trial.suggest_categorical(p.name, list(p.choices))
        return problem.fn(values)

    return objective


# --- optuna -----------------------------------------------------------------------------------------
def _run_optuna(make_sampler: Callable[[Any, int], Any]) -> Callable[[Problem, int, int], list[float]]:
    def run(problem: Problem, budget: int, seed: int) -> list[float]:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        study = optuna.create_study(sampler=make_sampler(optuna, seed))
        study.optimize(_define_by_run_objective(problem), n_trials=budget, catch=(EvaluationFailed,))
        return [t.value if t.value is not None else FAILED for t in study.trials]

    return run


# --- hyperopt ---------------------------------------------------------------------------------------
def _hyperopt_leaf(hp: Any, p: Param) -> Any:
    if p.kind == "float":
        if p.log:
            return hp.loguniform(p.name, math.log(p.low), math.log(p.high))
        return hp.uniform(p.name, p.low, p.high)
    if p.kind == "int":
        if p.log:
            return hp.qloguniform(p.name, math.log(p.low), math.log(p.high + 0.5), 1)
        return hp.uniformint(p.name, p.low, p.high)
    return hp.choice(p.name, list(p.choices))


def _hyperopt_space(hp: Any, problem: Problem) -> dict[str, Any]:
    children: dict[str, list[Param]] = {}
    for p in problem.params:
        if p.when is not None:
            children.setdefault(p.when[0], []).append(p)
    space: dict[str, Any] = {}
    for p in problem.params:
        if p.when is not None:
            continue
        if p.name in children:
            options = []
            for choice in p.choices:
                branch = {c.name: _hyperopt_leaf(hp, c) for c in children[p.name] if choice in c.when[1]}
                options.append({p.name: choice, **branch})
            space[f"{p.name}__branch"] = hp.choice(p.name, options)
        else:
            space[p.name] = _hyperopt_leaf(hp, p)
    return space


def _flatten(sample: dict[str, Any], problem: Problem) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in sample.items():
        if key.endswith("__branch"):
            flat.update(value)
        else:
            flat[key] = value
    for p in problem.params:
        if p.kind == "int" and p.name in flat:
            flat[p.name] = int(min(max(round(flat[p.name]), p.low), p.high))
    return flat


def _run_hyperopt(problem: Problem, budget: int, seed: int) -> list[float]:
    from hyperopt import STATUS_FAIL, STATUS_OK, Trials, fmin, hp, tpe

    def objective(sample: dict[str, Any]) -> dict[str, Any]:
        try:
            return {"loss": problem.fn(_flatten(sample, problem)), "status": STATUS_OK}
        except EvaluationFailed:
            return {"status": STATUS_FAIL}

    logging.getLogger("hyperopt").setLevel(logging.ERROR)
    trials = Trials()
    fmin(objective, _hyperopt_space(hp, problem), algo=tpe.suggest, max_evals=budget, trials=trials,
         rstate=np.random.default_rng(seed), show_progressbar=False)
    return [r.get("loss", FAILED) for r in trials.results]


# --- scikit-optimize --------------------------------------------------------------------------------
def _run_skopt(problem: Problem, budget: int, seed: int) -> list[float]:
    from skopt import Optimizer
    from skopt.space import Categorical, Integer, Real

    dims = []
    for p in problem.params:
        prior = "log-uniform" if p.log else "uniform"
        if p.kind == "float":
            dims.append(Real(p.low, p.high, prior=prior, name=p.name))
        elif p.kind == "int":
            dims.append(Integer(int(p.low), int(p.high), prior=prior, name=p.name))
        else:
            dims.append(Categorical(list(p.choices), name=p.name))
    opt = Optimizer(dims, base_estimator="GP", n_initial_points=10, random_state=seed)
    values = []
    evaluate = _Penalty()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(budget):
            x = opt.ask()
            raw = {p.name: (v.item() if hasattr(v, "item") else v) for p, v in zip(problem.params, x)}
            told, value = evaluate(problem, _active(problem.params, raw))
            opt.tell(x, told)
            values.append(value)
    return values


# --- Nevergrad --------------------------------------------------------------------------------------
def _run_ngopt(problem: Problem, budget: int, seed: int) -> list[float]:
    """Nevergrad's NGOpt wizard, told the budget; a flat space, as for scikit-optimize."""
    import nevergrad as ng

    leaves: dict[str, Any] = {}
    for p in problem.params:
        if p.kind == "cat":
            leaves[p.name] = ng.p.Choice(list(p.choices))
            continue
        leaf = ng.p.Log(lower=p.low, upper=p.high) if p.log else ng.p.Scalar(lower=p.low, upper=p.high)
        leaves[p.name] = leaf.set_integer_casting() if p.kind == "int" else leaf
    parametrization = ng.p.Dict(**leaves)
    parametrization.random_state = np.random.RandomState(seed)
    opt = ng.optimizers.NGOpt(parametrization=parametrization, budget=budget, num_workers=1)
    values = []
    evaluate = _Penalty()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(budget):
            try:
                candidate = opt.ask()
            except TypeError:  # nevergrad 1.0.12's MetaModel calls float() on a 1-element array, an error in numpy 2
                values.extend([FAILED] * (budget - len(values)))  # the run ends with what it had found
                break
            raw = {k: (v.item() if hasattr(v, "item") else v) for k, v in candidate.value.items()}
            told, value = evaluate(problem, _active(problem.params, raw))
            opt.tell(candidate, told)
            values.append(value)
    return values


OPTIMIZERS: dict[str, Callable[[Problem, int, int], list[float]]] = {
    "parzen-default": _run_parzen(None),
    "parzen-default-dbr": _run_parzen_define_by_run,
    "parzen-tpe": _run_parzen(_parzen_sampler("TPESampler")),
    "parzen-gp": _run_parzen(_parzen_sampler("GPSampler")),
    "parzen-cmaes": _run_parzen(_parzen_sampler("CmaEsSampler")),
    "random": _run_parzen(_parzen_sampler("RandomSampler")),
    "optuna-tpe": _run_optuna(lambda o, s: o.samplers.TPESampler(seed=s)),
    "optuna-tpe-mv": _run_optuna(lambda o, s: o.samplers.TPESampler(seed=s, multivariate=True, group=True)),
    "optuna-gp": _run_optuna(lambda o, s: o.samplers.GPSampler(seed=s)),
    "optuna-cmaes": _run_optuna(lambda o, s: o.samplers.CmaEsSampler(seed=s, warn_independent_sampling=False)),
    "hyperopt-tpe": _run_hyperopt,
    "skopt-gp": _run_skopt,
    "ngopt": _run_ngopt,
}
