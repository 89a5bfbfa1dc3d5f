"""Pruners: stop unpromising trials early."""

from parzen.pruners._base import NopPruner, Pruner
from parzen.pruners.hyperband import HyperbandPruner
from parzen.pruners.patience import PatiencePruner
from parzen.pruners.percentile import MedianPruner, PercentilePruner
from parzen.pruners.successive_halving import SuccessiveHalvingPruner
from parzen.pruners.threshold import ThresholdPruner

__all__ = [
    "HyperbandPruner", "MedianPruner", "NopPruner", "PatiencePruner", "PercentilePruner", "Pruner",
    "SuccessiveHalvingPruner", "ThresholdPruner",
]
