"""The seed of a run that starts from earlier trials (a cache, a storage, a saved study).

A seeded sampler draws its first points from its seed alone, whatever history it is given: the
random startup of the GP, TPE, Hyperopt or Optuna samplers takes the same draws again. A second
run with the same ``random_state`` over a warm cache would then propose exactly the points of the
first run, all answered by the cache, and make no progress. So a run that starts from finished
trials seeds its sampler with ``random_state`` mixed with those trials: the same history and the
same ``random_state`` give the same suggestions, and a longer history gives new ones.
"""

from __future__ import annotations

import hashlib
import json
from typing import Sequence

from parzen.trial import FrozenTrial


def history_seed(random_state: int | None, trials: Sequence[FrozenTrial]) -> int | None:
    """``random_state`` itself when no trial is finished (None stays None), else a seed drawn from both.

    The finished trials count by their parameters, values and states, in any order, so the seed
    does not depend on the order in which a cache or a storage lists them.
    """
    finished = [t for t in trials if t.state.is_finished()]
    if random_state is None or not finished:
        return random_state
    records = sorted(json.dumps([t.params, t.values, t.state.name], sort_keys=True, default=repr) for t in finished)
    digest = hashlib.sha256(json.dumps([random_state, records]).encode()).digest()
    return int.from_bytes(digest[:4], "little") >> 1  # a non-negative int32, which every back end takes
