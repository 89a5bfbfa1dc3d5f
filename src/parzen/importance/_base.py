"""The interface of an importance evaluator: scores for the columns of a complete matrix."""

from __future__ import annotations

import abc
from typing import Sequence

import numpy as np


class ImportanceEvaluator(abc.ABC):
    """Scores how much each parameter matters to a loss, from finished trials.

    :func:`parzen.importance.get_param_importances` calls :meth:`evaluate` once per group of trials
    that hold the same parameters (once in a study without conditional parameters), with every
    parameter already on the unit encoding of :mod:`parzen.importance._table`.
    """

    name = "importance"
    """How plots and reports name the method."""

    @abc.abstractmethod
    def evaluate(self, x: np.ndarray, n_cells: Sequence[int], categorical: Sequence[bool], loss: np.ndarray,
                 columns: Sequence[int]) -> np.ndarray:
        """Non-negative raw importance of each column of ``x`` listed in ``columns``.

        ``x`` is (n_trials, n_params) on [0, 1]; ``n_cells[j]`` is the number of equal cells of
        column ``j`` (its grid values or choices at the cell centres; 0 for a continuous column) and
        ``categorical[j]`` says whether those cells are unordered choices;
        ``loss`` holds one finite value per row, smaller is better. Other columns may inform the
        model but get no score.
        """
