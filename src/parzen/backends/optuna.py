"""optuna's samplers behind parzen's Sampler interface.

Each parzen study gets a mirror: an in-memory optuna study with the same directions, driven by the
optuna sampler. A parzen trial is one optuna trial, asked when the trial's first parameter is
needed; its parameters are suggested on it in the space's order (so conditional parameters exist
only when their parent enables them, and define-by-run objectives work), and it is told the
trial's outcome in ``after_trial``. Finished trials the mirror did not ask (enqueued ones, other
workers', trials from before this sampler) are added to it as finished optuna trials before each
new one is asked, so optuna models the whole study whichever process ran what.

optuna is an optional extra (``pip install 'parzen[backends]'``), imported when a sampler is built.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any, Mapping

from parzen.samplers._base import Sampler
from parzen.space import Categorical, Distribution, Float, Int, walk_active
from parzen.trial import TrialState

if TYPE_CHECKING:
    import optuna

    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

def import_optuna() -> Any:
    """The optuna module, or an ImportError that says how to install it."""
    try:
        import optuna
    except ImportError as exc:
        raise ImportError("the optuna back end needs optuna: pip install 'parzen[backends]'") from exc
    return optuna


def to_optuna_distribution(dist: Distribution) -> Any:
    """The optuna distribution of a parzen one (both allow the same kinds of categorical choices)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if isinstance(dist, Categorical):
        return CategoricalDistribution(dist.choices)
    if isinstance(dist, Int):
        return IntDistribution(int(dist.low), int(dist.high), log=dist.log, step=dist.step)
    if isinstance(dist, Float):
        return FloatDistribution(dist.low, dist.high, log=dist.log, step=dist.step)
    raise TypeError(f"the optuna back end cannot sample {dist!r}")


_STATES = {TrialState.COMPLETE: "COMPLETE", TrialState.PRUNED: "PRUNED", TrialState.FAIL: "FAIL"}


class _Mirror:
    """The optuna study that shadows one parzen study, and which parzen trials it already holds."""

    def __init__(self, study: "Study", sampler: Any) -> None:
        optuna = import_optuna()
        self.optuna = optuna
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # the mirror is internal: no "new study" line
        try:
            self.study = optuna.create_study(directions=list(study.directions), sampler=sampler)
        finally:
            optuna.logging.set_verbosity(verbosity)
        self.known: set[int] = set()  # numbers of parzen trials finished in the mirror
        self.live: dict[int, Any] = {}  # parzen trial id -> optuna trial asked for it

    def catch_up(self, study: "Study") -> None:
        """Add the finished parzen trials the mirror has not seen, as finished optuna trials."""
        for t in study.get_trials([TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL]):
            if t.number not in self.known:
                self.finish(t)

    def finish(self, t: "FrozenTrial") -> None:
        """Record a finished parzen trial: tell its optuna trial, or add it as a new finished one."""
        if t.number in self.known:
            return
        self.known.add(t.number)
        state = getattr(self.optuna.trial.TrialState, _STATES[t.state])
        values = list(t.values) if t.values is not None and t.state == TrialState.COMPLETE else None
        live = self.live.pop(t.trial_id, None)
        if live is not None:
            for step, value in sorted(t.intermediate_values.items()):
                live.report(value, step)
            self.study.tell(live, values, state=state)
            return
        params = {n: t.params[n] for n in t.distributions if n in t.params}
        dists = {n: to_optuna_distribution(d) for n, d in t.distributions.items() if n in t.params}
        self.study.add_trial(self.optuna.trial.create_trial(
            state=state, values=values, params=params, distributions=dists,
            intermediate_values=dict(t.intermediate_values)))

    def trial_for(self, trial: "Trial") -> Any:
        """The optuna trial of a running parzen trial, asked on first use."""
        live = self.live.get(trial.trial_id)
        if live is None:
            live = self.live[trial.trial_id] = self.study.ask()
        return live

    @staticmethod
    def suggest(live: Any, name: str, dist: Distribution) -> Any:
        """``dist``'s value for ``name``, suggested on the optuna trial ``live``."""
        if isinstance(dist, Categorical):
            return live.suggest_categorical(name, dist.choices)
        if isinstance(dist, Int):
            return int(live.suggest_int(name, int(dist.low), int(dist.high), step=dist.step, log=dist.log))
        assert isinstance(dist, Float), dist
        return float(live.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log))


class OptunaSampler(Sampler):
    """Proposes parameters with an optuna sampler (``optuna.samplers.TPESampler(seed=seed)`` by default).

    ``sampler`` is any optuna sampler instance (TPE, CMA-ES, GP, NSGA-II, QMC, random); give the
    seed to it when you build it yourself. Works with several objectives when the optuna sampler
    does, with conditional spaces, define-by-run objectives, enqueued trials and several workers
    (each process mirrors the finished trials of the shared storage).
    """

    def __init__(self, sampler: "optuna.samplers.BaseSampler | None" = None, *, seed: int | None = None) -> None:
        optuna = import_optuna()
        if sampler is None:
            sampler = optuna.samplers.TPESampler(seed=seed)
        elif not isinstance(sampler, optuna.samplers.BaseSampler):
            raise TypeError(f"`sampler` must be an optuna sampler, got {sampler!r}")
        elif seed is not None:
            raise ValueError("`seed` seeds the default TPE sampler; give it to your optuna sampler instead")
        self._sampler = sampler
        self._mirrors: weakref.WeakKeyDictionary[Any, _Mirror] = weakref.WeakKeyDictionary()
        self._lock = threading.RLock()

    @property
    def optuna_sampler(self) -> "optuna.samplers.BaseSampler":
        return self._sampler

    def _mirror(self, study: "Study") -> _Mirror:
        mirror = self._mirrors.get(study)
        if mirror is None:
            mirror = self._mirrors[study] = _Mirror(study, self._sampler)
        return mirror

    def _live(self, study: "Study", trial: "Trial") -> tuple[_Mirror, Any]:
        mirror = self._mirror(study)
        if trial.trial_id not in mirror.live:
            mirror.catch_up(study)
        return mirror, mirror.trial_for(trial)

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        with self._lock:
            mirror, live = self._live(study, trial)
            params: dict[str, Any] = {}
            for name, dist in walk_active(space, params):
                params[name] = mirror.suggest(live, name, dist)
            return params

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        with self._lock:
            mirror, live = self._live(study, trial)
            return mirror.suggest(live, name, distribution)

    def after_trial(self, study: "Study", trial: "FrozenTrial") -> None:
        with self._lock:
            mirror = self._mirrors.get(study)
            if mirror is not None and trial.trial_id in mirror.live:
                mirror.finish(trial)
