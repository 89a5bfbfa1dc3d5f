"""The finished trials of a study in the order TPE splits them, kept up to date as trials finish.

TPE cuts a single-objective study at every ask: the ``gamma(n)`` feasible COMPLETE trials with the
smallest loss are good, ties broken by the smaller trial number. Sorting the whole history at every ask
made the cost of an ask grow with the study. A history only grows (finished trials never change and each
is appended once), so :class:`Ranking` inserts each new row into the order once (a binary search) and an
ask reads the first ``gamma(n) + 1`` entries. It also keeps which rows FAILED, for the rule that a trial
which failed half-way does not split the groups of a multivariate TPE.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from parzen.samplers._history import StudyHistory
from parzen.trial import TrialState


class Ranking:
    """Feasible COMPLETE rows of one history by (first loss, trial number), and a FAIL flag per row.

    The order is the one ``np.lexsort((numbers, losses))`` gives, NaN losses last; only the first
    objective is ranked (TPE splits several objectives by non-domination instead).
    """

    def __init__(self) -> None:
        self.rows = 0  # history rows taken in
        self.n_complete = 0  # COMPLETE rows among them, feasible or not
        self._ranked: list[tuple[bool, float, int, int]] = []  # (loss is NaN, loss, number, row)
        self._failed = np.zeros(64, dtype=bool)

    def update(self, history: StudyHistory) -> int:
        """Take in the rows ``history`` gained since the last call; return its number of rows now."""
        n = history.n
        if n <= self.rows:
            return n
        if n > len(self._failed):
            self._failed = np.resize(self._failed, max(2 * len(self._failed), n))
        start = self.rows
        losses, violations, numbers = history.losses[start:n, 0], history.violations[start:n], history.numbers[start:n]
        new = []
        for i, row in enumerate(range(start, n)):
            state = history.trials[row].state
            self._failed[row] = state == TrialState.FAIL
            if state != TrialState.COMPLETE:
                continue
            self.n_complete += 1
            if violations[i] <= 0:
                loss = float(losses[i])
                new.append((math.isnan(loss), 0.0 if math.isnan(loss) else loss, int(numbers[i]), row))
        if len(new) > 8:  # a batch (a study read for the first time): one sort
            self._ranked.extend(new)
            self._ranked.sort()
        else:
            for key in new:
                bisect.insort(self._ranked, key)
        self.rows = n
        return n

    @property
    def n_feasible(self) -> int:
        """How many feasible COMPLETE rows are ranked."""
        return len(self._ranked)

    def best(self, k: int) -> np.ndarray:
        """Rows of the ``k`` first ranked trials, best first."""
        return np.array([key[3] for key in self._ranked[:k]], dtype=np.int64)

    def failed(self, n: int) -> np.ndarray:
        """Which of the first ``n`` rows FAILED (a view; do not modify)."""
        return self._failed[:n]
