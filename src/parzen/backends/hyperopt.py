"""hyperopt's TPE (or its random search) behind parzen's Sampler interface.

hyperopt samples a search-space expression. parzen's space becomes one: a log parameter a
``loguniform`` node, a stepped one a ``quniform``/``qloguniform`` node, a categorical one a
``choice`` of its indices. A parameter conditioned on a categorical parent sits inside the branch of
the parent's ``choice`` that enables it, so hyperopt's tree-structured estimator models it only
on the trials that hold it, as hyperopt's own conditional spaces do. Before each proposal the
study's finished trials are written into a fresh ``hyperopt.Trials`` (a maximized value as a
negated loss, failed and pruned trials as failures), and ``suggest`` proposes the next point.

hyperopt is an optional extra (``pip install 'parzen[backends]'``), imported when a sampler is built.
"""

from __future__ import annotations

import functools
import math
import threading
from typing import TYPE_CHECKING, Any, Mapping

from parzen.samplers._base import Sampler, draw_uniform, make_rng
from parzen.space import Categorical, Distribution, Float, Int, walk_active
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

_ALGORITHMS = ("tpe", "random")


def import_hyperopt() -> Any:
    try:
        import hyperopt
    except ImportError as exc:
        raise ImportError("the hyperopt back end needs hyperopt: pip install 'parzen[backends]'") from exc
    return hyperopt


def _node(name: str, dist: Distribution) -> Any:
    """The hyperopt expression of one non-categorical parameter."""
    from hyperopt import hp

    assert isinstance(dist, (Float, Int)), dist
    step = dist.step  # an Int's is at least 1; a Float may have none
    if dist.log:
        low, high = math.log(dist.low), math.log(dist.high)
        return hp.qloguniform(name, low, high, step) if step else hp.loguniform(name, low, high)
    if step:  # widened by half a step so that the end points are as likely as the others
        return hp.quniform(name, dist.low - step / 2, dist.high + step / 2, step)
    return hp.uniform(name, dist.low, dist.high)


def _expression(space: Mapping[str, Distribution], names: list[str]) -> dict[str, Any]:
    """The expression for ``names`` (parents before children): a dict of nodes, each categorical
    parent a ``choice`` among one dict per choice holding the children that choice enables."""
    from hyperopt import hp

    out: dict[str, Any] = {}
    for name in names:
        dist = space[name]
        if not isinstance(dist, Categorical):
            out[name] = _node(name, dist)
            continue
        branches = []
        for index, choice in enumerate(dist.choices):
            children = [n for n, d in space.items() if d.when is not None and d.when.parent == name
                        and d.when.is_met({name: choice})]
            branches.append({"__index__": index, **_expression(space, children)})
        out[name] = hp.choice(name, branches)
    return out


def _raw_value(dist: Distribution, value: Any) -> Any:
    """A parzen value as hyperopt records it in a trial's ``vals``."""
    return dist.index(value) if isinstance(dist, Categorical) else float(value)


def _from_raw(dist: Distribution, raw: Any) -> Any:
    if isinstance(dist, Categorical):
        return dist.choices[int(raw)]
    if isinstance(dist, Int):
        return min(max(int(round(raw)), dist.low), dist.high)
    assert isinstance(dist, Float), dist
    if dist.step is not None:
        k = round((raw - dist.low) / dist.step)
        return float(dist.grid_value(min(max(k, 0), int(round((dist.high - dist.low) / dist.step)))))
    return min(max(float(raw), dist.low), dist.high)


class HyperoptSampler(Sampler):
    """Proposes parameters with hyperopt (``algorithm`` "tpe" or "random").

    TPE options are hyperopt's own: ``n_startup_jobs`` random trials first, ``gamma`` the share of
    trials counted as good, ``n_EI_candidates`` draws scored per proposal, ``prior_weight``. One
    objective only. Parameters conditioned on a categorical parent are modelled in their branch;
    a condition on another kind of parent is applied after sampling.
    """

    def __init__(self, algorithm: str = "tpe", *, n_startup_jobs: int = 20, gamma: float = 0.25,
                 n_EI_candidates: int = 24, prior_weight: float = 1.0,  # noqa: N803 - hyperopt's name
                 seed: int | None = None) -> None:
        hyperopt = import_hyperopt()
        if algorithm not in _ALGORITHMS:
            raise ValueError(f"`algorithm` must be one of {_ALGORITHMS}, got {algorithm!r}")
        for name, value in (("n_startup_jobs", n_startup_jobs), ("n_EI_candidates", n_EI_candidates)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be an int >= 1, got {value!r}")
        if not 0.0 < gamma < 1.0:
            raise ValueError(f"`gamma` must lie in (0, 1), got {gamma!r}")
        if not prior_weight > 0.0:
            raise ValueError(f"`prior_weight` must be > 0, got {prior_weight!r}")
        self._suggest = (hyperopt.rand.suggest if algorithm == "random" else functools.partial(
            hyperopt.tpe.suggest, n_startup_jobs=n_startup_jobs, gamma=gamma, n_EI_candidates=n_EI_candidates,
            prior_weight=prior_weight, verbose=False))
        self._rng = make_rng(seed)
        self._lock = threading.Lock()

    def _trials(self, hyperopt: Any, domain: Any, study: "Study", space: Mapping[str, Distribution]) -> Any:
        """The study's finished trials as a hyperopt ``Trials`` over ``space``."""
        sign = -1.0 if study.directions[0] == "maximize" else 1.0
        trials = hyperopt.Trials()
        docs = []
        for tid, t in enumerate(study.get_trials([TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL])):
            vals = {name: ([_raw_value(dist, t.params[name])]
                           if name in t.params and dist.contains(t.params[name]) else [])
                    for name, dist in space.items()}
            ok = t.state == TrialState.COMPLETE and t.values is not None
            result = {"status": "ok", "loss": sign * t.values[0]} if ok and t.values else {"status": "fail"}
            misc = {"tid": tid, "cmd": domain.cmd, "workdir": None,
                    "idxs": {n: [tid] if v else [] for n, v in vals.items()}, "vals": vals}
            (doc,) = trials.new_trial_docs([tid], [None], [result], [misc])
            doc["state"] = hyperopt.JOB_STATE_DONE
            docs.append(doc)
        trials.insert_trial_docs(docs)
        trials.refresh()
        return trials

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        """Every parameter finished trials hold, with its latest distribution (define-by-run)."""
        space: dict[str, Distribution] = {}
        for t in study.get_trials([TrialState.COMPLETE]):
            space.update(t.distributions)
        return space

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        if study.n_objectives != 1:
            raise ValueError("the hyperopt back end optimizes one objective; this study has "
                             f"{study.n_objectives} (use the optuna back end or parzen's samplers)")
        hyperopt = import_hyperopt()
        roots = [n for n, d in space.items()
                 if d.when is None or not isinstance(space.get(d.when.parent), Categorical)]
        domain = hyperopt.Domain(lambda _: 0.0, _expression(space, roots))
        with self._lock:
            trials = self._trials(hyperopt, domain, study, space)
            seed = int(self._rng.integers(2**31))
        (doc,) = self._suggest([len(trials.trials)], domain, trials, seed)
        raw = {name: values[0] for name, values in doc["misc"]["vals"].items() if values}
        params: dict[str, Any] = {}
        for name, dist in walk_active(space, params):
            params[name] = _from_raw(dist, raw[name]) if name in raw else draw_uniform(dist, self._rng)
        return params

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        with self._lock:
            return draw_uniform(distribution, self._rng)
