"""Small SQLite studies for the tests of the ``parzen`` command and of the dashboard.

``make_storage(path)`` writes two studies through the public API and returns what a test checks
against: the study "quad" (one objective, minimize; COMPLETE, PRUNED, FAIL and RUNNING trials,
a float, an int, a log-scaled float and a categorical parameter, user attributes and
intermediate values) and the study "front" (two objectives).
"""

from __future__ import annotations

from pathlib import Path

import parzen
from parzen import Categorical, Float, Int, TrialState

QUAD_SPACE = {"x": Float(-4.0, 4.0), "n": Int(1, 8), "lr": Float(1e-4, 1e-1, log=True),
              "kind": Categorical(["adam", "sgd"])}
N_QUAD_COMPLETE = 12


def quad_value(params: dict) -> float:
    return (params["x"] - 1.0) ** 2 + params["n"] / 10 + (params["kind"] == "sgd")


def make_storage(path: Path) -> str:
    """Write the studies "quad" and "front" into the SQLite file ``path``; returns its URL."""
    url = f"sqlite:///{path}"
    quad = parzen.create_study(storage=url, study_name="quad", sampler=parzen.RandomSampler(seed=1))
    for i in range(N_QUAD_COMPLETE):
        trial = quad.ask(QUAD_SPACE)
        trial.set_user_attr("fold", i % 3)
        for step in range(3):
            trial.report(quad_value(trial.params) + 1.0 / (step + 1), step)
        quad.tell(trial, quad_value(trial.params))
    pruned = quad.ask(QUAD_SPACE)
    pruned.report(50.0, 0)
    quad.tell(pruned, state=TrialState.PRUNED)
    quad.tell(quad.ask(QUAD_SPACE), state=TrialState.FAIL, fail_reason="diverged")
    quad.ask(QUAD_SPACE)  # left RUNNING
    front = parzen.create_study(storage=url, study_name="front", directions=["minimize", "minimize"],
                                sampler=parzen.RandomSampler(seed=2))
    for _ in range(8):
        trial = front.ask({"a": Float(0.0, 1.0)})
        front.tell(trial, [trial.params["a"], 1.0 - trial.params["a"] ** 0.5])
    return url

