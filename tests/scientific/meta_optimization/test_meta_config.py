"""MetaOptimizerConfig: defaults of the seed's library, and every bad value fails naming its field."""

from __future__ import annotations

import dataclasses

import jax  # noqa: F401  (the scientific extra)
import pytest

from parzen.scientific.meta_optimization import MetaOptimizerConfig  # noqa: E402


def test_defaults_and_frozen() -> None:
    config = MetaOptimizerConfig()
    assert (config.meta_algorithm, config.base_optimizer, config.warm_start_strategy) == ("l2o", "adam",
                                                                                        "previous_params")
    assert config.meta_learning_rate == 1e-4 and config.adaptation_steps == 10
    assert config.performance_tracking and config.memory_efficient
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.adaptation_steps = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("meta_algorithm", "maml", ValueError),
        ("meta_algorithm", 1, TypeError),
        ("base_optimizer", "lbfgs", ValueError),
        ("warm_start_strategy", "previous", ValueError),
        ("learning_rate", 0.0, ValueError),
        ("learning_rate", "1e-3", TypeError),
        ("meta_learning_rate", -1e-4, ValueError),
        ("adaptation_steps", 0, ValueError),
        ("adaptation_steps", 2.0, TypeError),
        ("performance_tracking", 1, TypeError),
        ("memory_efficient", None, TypeError),
        ("hidden_size", 0, ValueError),
        ("chunk_size", 0, ValueError),
    ],
)
def test_bad_values_name_the_field(field: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=field):
        MetaOptimizerConfig(**{field: value})  # type: ignore[arg-type]
