"""Seed 003's "worst possible score": an objective that returns ``float('-inf')`` when maximizing (or
``float('inf')`` when minimizing) says that its trial failed.

The core records any infinite value as a FAIL trial with its reason, which is what the seed means:
the trial counts as a failure for the samplers (they learn to avoid the point), ``max_failures`` and
``retry_failed_trials``, and never as the best. The core also warns once per such trial, because an
infinity is usually an accident; here it is the seed's documented pattern, so during an adaptive
run the warning for the worst infinity of the study's direction is not shown. The other infinity
(``inf`` when maximizing: a "best possible" score is a bug), NaN and every other bad value still warn.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from typing import Iterator, Sequence

WORST = {"maximize": "-inf", "minimize": "inf"}


@contextlib.contextmanager
def worst_scores_fail_quietly(directions: Sequence[str]) -> Iterator[None]:
    """Within the block, a trial failed by the worst infinity of ``directions`` does not warn.

    With several objectives this holds only when they all go the same way: the core's reason does
    not say which objective was infinite. The filter lives in :mod:`warnings`' process-wide list
    (``catch_warnings``) for the whole ``optimize`` call, so the worker threads that finish trials see it.
    """
    worst = {WORST[d] for d in directions}
    if len(worst) != 1:
        yield
        return
    (value,) = worst
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning,
                                message=rf"trial \d+ failed: the value is {re.escape(value)}, not a finite number\Z")
        yield
