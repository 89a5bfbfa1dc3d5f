"""Tree-structured Parzen estimator: the sampler and its Parzen-estimator numerics."""

from parzen.samplers.tpe.sampler import TPESampler, default_gamma

__all__ = ["TPESampler", "default_gamma"]
