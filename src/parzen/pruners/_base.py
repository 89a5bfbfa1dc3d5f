"""The pruner interface: decide from a running trial's reports whether to stop it."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial


class Pruner(abc.ABC):
    @abc.abstractmethod
    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        """True when ``trial`` should stop now, judged from its intermediate values."""


class NopPruner(Pruner):
    """Never prunes; the default."""

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        return False
