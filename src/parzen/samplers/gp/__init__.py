"""Gaussian-process Bayesian optimization: kernel, fitting, acquisition and its optimizer, and the sampler."""

from parzen.samplers.gp.sampler import GPSampler

__all__ = ["GPSampler"]
