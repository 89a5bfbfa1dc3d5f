"""What a persistent storage object remembers between reads: the trials of each study, parsed distributions."""

from __future__ import annotations

import functools
import json

from parzen.space import Distribution, distribution_from_dict
from parzen.trial import FrozenTrial


@functools.lru_cache(maxsize=4096)
def parse_distribution(text: str) -> Distribution:
    """Distributions repeat across trials; parsing each JSON text once keeps bulk loads fast."""
    return distribution_from_dict(json.loads(text))


class StudyCache:
    """The trials of one study as this process last read them, indexed by number.

    Numbers are committed in order, so ``trials`` always holds numbers ``0..len-1`` without
    gaps. ``open_numbers`` are those not finished when read; they are read again next time.
    """

    __slots__ = ("trials", "open_numbers")

    def __init__(self) -> None:
        self.trials: list[FrozenTrial] = []
        self.open_numbers: set[int] = set()

    def merge(self, fresh: list[FrozenTrial]) -> None:
        """Take in newly read trials; a finished trial is never replaced by an older snapshot."""
        for trial in sorted(fresh, key=lambda t: t.number):
            n = trial.number
            if n == len(self.trials):
                self.trials.append(trial)
            elif n < len(self.trials):
                if n not in self.open_numbers:
                    continue
                self.trials[n] = trial
            else:
                # A gap means a read older than the cache; the rest is read again next time.
                break
            if trial.state.is_finished():
                self.open_numbers.discard(n)
            else:
                self.open_numbers.add(n)
