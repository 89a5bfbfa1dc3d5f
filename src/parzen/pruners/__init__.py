"""Pruners: stop unpromising trials early."""

from parzen.pruners._base import NopPruner, Pruner

__all__ = ["NopPruner", "Pruner"]
