"""The finished trials of a study in the order TPE splits them, kept up to date as trials finish.

TPE cuts a single-objective study at every ask: the ``gamma(n)`` feasible COMPLETE trials with the
smallest loss are good, ties broken by the smaller trial number. Sorting the whole history at every ask
made the cost of an ask grow with the study. A history only grows (finished trials never change and each
is appended once), so :class:`Ranking` inserts each new row into the order once (a binary search) and an
ask reads the first ``gamma(n) + 1`` entries. With several objectives it also keeps the feasible rows'
dominator counts (:class:`~parzen.samplers.tpe.multi_objective.ParetoCandidates`), from which MOTPE's split
sorts only the rows that can be good. It also keeps which rows FAILED, for the rule that a trial which
failed half-way does not split the groups of a multivariate TPE.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from parzen.samplers._history import StudyHistory
from parzen.samplers.tpe.multi_objective import ParetoCandidates
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
        self._feasible: list[int] = []  # feasible COMPLETE rows in history order (several objectives only)
        self._pareto: ParetoCandidates | None = None

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
        several = history.losses.shape[1] > 1
        for i, row in enumerate(range(start, n)):
            state = history.trials[row].state
            self._failed[row] = state == TrialState.FAIL
            if state != TrialState.COMPLETE:
                continue
            self.n_complete += 1
            if violations[i] <= 0:
                loss = float(losses[i])
                new.append((math.isnan(loss), 0.0 if math.isnan(loss) else loss, int(numbers[i]), row))
                if several:
                    self._feasible.append(row)
        if len(new) > 8:  # a batch (a study read for the first time): one sort
            self._ranked.extend(new)
            self._ranked.sort()
        else:
            for key in new:
                bisect.insort(self._ranked, key)
        if several:
            if self._pareto is None:
                self._pareto = ParetoCandidates(history.losses.shape[1])
            self._pareto.add(history.losses[self._feasible[self._pareto.n:]])
        self.rows = n
        return n

    @property
    def n_feasible(self) -> int:
        """How many feasible COMPLETE rows are ranked."""
        return len(self._ranked)

    def best(self, k: int) -> np.ndarray:
        """Rows of the ``k`` first ranked trials, best first."""
        return np.array([key[3] for key in self._ranked[:k]], dtype=np.int64)

    def split_objectives(self, n_good: int) -> tuple[np.ndarray, np.ndarray]:
        """MOTPE's good rows among the feasible ones (see :func:`~parzen.samplers.tpe.multi_objective.split_good`)
        and their weights; several objectives only."""
        if self._pareto is None:
            raise ValueError("a split by non-domination needs a history of several objectives")
        chosen, weights = self._pareto.split(n_good)
        return np.array([self._feasible[i] for i in chosen], dtype=np.int64), weights

    def failed(self, n: int) -> np.ndarray:
        """Which of the first ``n`` rows FAILED (a view; do not modify)."""
        return self._failed[:n]
