"""A long queue of enqueued trials does not make each ask slower: asking and telling the head of a queue
of thousands costs about what it costs at the head of a short one, in memory and on SQLite.

CPU time of this process, compared within one run with a generous factor, so a loaded machine does
not make the test flaky; before the fix the long queue cost 6-30x more per trial.
"""

from __future__ import annotations

import time

import pytest

import parzen


def _cost_of_asks(storage: str | None, queued: int, asks: int) -> float:
    """CPU seconds of ``asks`` ask/suggest/tell rounds at the head of a queue of ``queued`` enqueued trials."""
    study = parzen.create_study(storage=storage, seed=0)  # the default sampler reads the history at each ask
    for i in range(queued):
        study.enqueue_trial({"x": (i % 97) / 97, "n": i % 7})
    start = time.process_time()
    for _ in range(asks):
        trial = study.ask()
        study.tell(trial, trial.suggest_float("x", 0, 1) + trial.suggest_int("n", 0, 10))
    return time.process_time() - start


@pytest.mark.parametrize(("backend", "long_queue", "asks"), [("memory", 8000, 300), ("sqlite", 1000, 100)])
def test_ask_cost_does_not_grow_with_the_queue(tmp_path, backend, long_queue, asks):
    storage = None if backend == "memory" else f"sqlite:///{tmp_path / 'queue.db'}"
    _cost_of_asks(storage, asks, asks // 2)  # warm up imports and caches
    short = _cost_of_asks(storage, asks, asks)
    storage = None if backend == "memory" else f"sqlite:///{tmp_path / 'long_queue.db'}"
    long = _cost_of_asks(storage, long_queue, asks)
    assert long < 3 * short + 0.05, f"{asks} asks cost {long:.3f} s behind {long_queue} queued, {short:.3f} s behind {asks}"


def test_enqueued_trial_fixing_every_parameter_does_not_run_the_sampler():
    """ask(space) on an enqueued trial that fixes the whole space takes its values without sampling."""

    class Counting(parzen.samplers.RandomSampler):
        calls = 0

        def sample(self, study, trial, space):
            Counting.calls += 1
            return super().sample(study, trial, space)

    study = parzen.create_study(sampler=Counting(seed=0))
    space = {"x": parzen.Float(0, 1), "n": parzen.Int(0, 5)}
    study.enqueue_trial({"x": 0.25, "n": 3})
    trial = study.ask(space)
    assert trial.params == {"x": 0.25, "n": 3} and Counting.calls == 0
    study.tell(trial, 1.0)
    study.enqueue_trial({"x": 0.5})  # n is left to the sampler
    trial = study.ask(space)
    assert trial.params["x"] == 0.5 and Counting.calls == 1


def test_enqueue_cost_does_not_grow_with_the_queue():
    """Enqueueing a parameter no trial has asked for yet looks the study up; it looks only at what changed."""
    study = parzen.create_study(seed=0)
    costs = []
    for _ in range(8):
        start = time.process_time()
        for i in range(1000):
            study.enqueue_trial({"x": (i % 97) / 97, "n": i % 7})
        costs.append(time.process_time() - start)
    assert costs[-1] < 3 * costs[0] + 0.05, f"1,000 enqueues cost {costs[0]:.3f} s first, {costs[-1]:.3f} s last"
