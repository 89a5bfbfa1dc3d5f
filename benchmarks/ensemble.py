"""Per-ask cost of EnsembleSampler after a long study: choosing the member, and a whole ask + tell.

Three RandomSamplers with weights 5:3:2 (so the member choice is all the ensemble adds), a study
prefilled with ``--trials`` trials, then ``--measure`` asks timed in CPU time, in memory and on SQLite.

    python benchmarks/ensemble.py --trials 5000 --measure 100
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import parzen  # noqa: E402
from parzen.samplers import EnsembleSampler, RandomSampler  # noqa: E402


def per_ask(storage: str | None, n_trials: int, n_measure: int) -> tuple[float, float]:
    """CPU seconds per member choice and per ask + tell, after ``n_trials`` trials."""
    sampler = EnsembleSampler([RandomSampler(seed=i) for i in range(3)], [5, 3, 2])
    study = parzen.create_study(storage=storage, sampler=sampler)
    space = {"x": parzen.Float(0, 1)}
    for _ in range(n_trials):
        trial = study.ask(space)
        study.tell(trial, trial.params["x"])
    start = time.process_time()
    for _ in range(n_measure):
        sampler.before_trial(study, {})
    choose = (time.process_time() - start) / n_measure
    start = time.process_time()
    for _ in range(n_measure):
        trial = study.ask(space)
        study.tell(trial, trial.params["x"])
    return choose, (time.process_time() - start) / n_measure


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5000)
    parser.add_argument("--measure", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        for name, storage in (("memory", None), ("sqlite", f"sqlite:///{folder}/ensemble.db")):
            choose, ask = per_ask(storage, args.trials, args.measure)
            print(f"{name}: after {args.trials} trials, choosing the member {choose * 1e3:.3f} ms, "
                  f"ask + tell {ask * 1e3:.2f} ms (CPU)")


if __name__ == "__main__":
    main()
