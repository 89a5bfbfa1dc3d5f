"""``MetaOptimizerConfig``: the settings of :class:`LearnToOptimize`, each read by a named part of it.

Every field changes behaviour (the tests show each one):

- ``meta_algorithm``: the update rule ``optimize`` applies. ``"l2o"``: the learned per-coordinate rule
  (the base optimizer's direction, scaled and corrected per coordinate by a small MLP);
  ``"adaptive_lr"``: the base optimizer with a step size adapted online by hypergradient descent;
  ``"warm_start"``: the base optimizer at a fixed step size, the learning being in the starting point.
- ``base_optimizer``: the direction every rule starts from: ``adam``, ``sgd``, ``rmsprop`` or ``adamw``
  (optax's ``scale_by_adam``, the raw gradient, ``scale_by_rms``, Adam plus decoupled weight decay).
- ``learning_rate``: the initial step size of the rule (a meta-parameter that ``meta_train`` tunes).
- ``meta_learning_rate``: the step size of every meta-level update: Adam's step on the rule's
  meta-parameters in ``meta_train`` and ``meta_initialize``, and the hypergradient step on the log of
  the step size in ``"adaptive_lr"`` mode.
- ``adaptation_steps``: the number of inner optimization steps unrolled per meta-update (the
  truncation length of ``meta_train``, the inner loop of ``meta_initialize``).
- ``warm_start_strategy``: where ``optimize`` starts. ``"previous_params"``: from the last solution
  ``optimize`` returned, when it has the structure and shapes of ``params`` (a related problem);
  ``"meta_init"``: from the initialization learned by ``meta_initialize`` (MAML or Reptile);
  ``"none"``: always from ``params``.
- ``performance_tracking``: keep the per-step loss of each ``optimize`` call and its wall time
  (``history_``); off, nothing is recorded and the loss is not returned from the compiled loop.
- ``memory_efficient``: apply the learned rule's MLP to the coordinates in chunks of
  ``chunk_size`` (``lax.map``) so that its activations take ``chunk_size x hidden`` memory instead of
  ``n_parameters x hidden``; off, all coordinates go through the MLP at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from parzen._checks import check_bool, check_int, check_real

META_ALGORITHMS = ("l2o", "adaptive_lr", "warm_start")
BASE_OPTIMIZERS = ("adam", "sgd", "rmsprop", "adamw")
WARM_START_STRATEGIES = ("previous_params", "meta_init", "none")


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a str, one of {choices}, got {value!r}")
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}, got {value!r}")
    return value


@dataclass(frozen=True)
class MetaOptimizerConfig:
    """Settings of :class:`~parzen.scientific.meta_optimization.LearnToOptimize`, validated here."""

    meta_algorithm: str = "l2o"
    base_optimizer: str = "adam"
    learning_rate: float = 1e-2
    meta_learning_rate: float = 1e-4
    adaptation_steps: int = 10
    warm_start_strategy: str = "previous_params"
    performance_tracking: bool = True
    memory_efficient: bool = True
    hidden_size: int = 16
    chunk_size: int = 8192

    def __post_init__(self) -> None:
        _check_choice("meta_algorithm", self.meta_algorithm, META_ALGORITHMS)
        _check_choice("base_optimizer", self.base_optimizer, BASE_OPTIMIZERS)
        _check_choice("warm_start_strategy", self.warm_start_strategy, WARM_START_STRATEGIES)
        if check_real("learning_rate", self.learning_rate, 0.0) == 0.0:
            raise ValueError("`learning_rate` must be > 0, got 0.0")
        if check_real("meta_learning_rate", self.meta_learning_rate, 0.0) == 0.0:
            raise ValueError("`meta_learning_rate` must be > 0, got 0.0")
        check_int("adaptation_steps", self.adaptation_steps, 1)
        check_bool("performance_tracking", self.performance_tracking)
        check_bool("memory_efficient", self.memory_efficient)
        check_int("hidden_size", self.hidden_size, 1)
        check_int("chunk_size", self.chunk_size, 1)
