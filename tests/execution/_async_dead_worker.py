"""An ``optimize_async`` worker for the dead-process test: ``python _async_dead_worker.py URL MARK``.

Trial 0 finishes; trial 1 reports once, touches MARK (its first heartbeat is already stored) and
then waits for the test to ``kill -9`` this process.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys

import parzen


async def objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.report(x, 0)
    trial.set_user_attr("pid", os.getpid())
    if trial.number == 1:
        pathlib.Path(sys.argv[2]).touch()
        await asyncio.sleep(600)
    return x


if __name__ == "__main__":
    study = parzen.load_study("shared", storage=sys.argv[1], sampler=parzen.RandomSampler(seed=1))
    asyncio.run(study.optimize_async(objective, n_trials=5, heartbeat_interval=0.2))
