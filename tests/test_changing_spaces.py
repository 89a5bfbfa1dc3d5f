"""Search spaces that change between the trials of one study: ranges, log flags, steps and choices.

Each trial keeps the distribution it was sampled from; the samplers read earlier values in the new
distribution where it can take them. A parameter may not change its kind.
"""

from __future__ import annotations

import collections
import statistics
import subprocess
import sys
import textwrap
import warnings

import pytest

import parzen
from parzen import Categorical, Float, Int
from parzen.samplers import AutoSampler, GPSampler, TPESampler

CHANGES = {"widen": Float(-20.0, 20.0), "narrow": Float(-2.0, 4.0), "shift": Float(0.0, 15.0)}


def _before_and_after(sampler: parzen.Sampler, after: Float, n_before: int, n_after: int) -> list[float]:
    """Minimize (x - 1)^2 define-by-run with x in [-10, 10], then with x in ``after``; the x of the later trials."""
    study = parzen.create_study(sampler=sampler)
    for _ in range(n_before):
        trial = study.ask()
        x = trial.suggest_float("x", -10.0, 10.0)
        study.tell(trial, (x - 1.0) ** 2)
    later = []
    for _ in range(n_after):
        trial = study.ask()
        x = trial.suggest("x", after)
        study.tell(trial, (x - 1.0) ** 2)
        later.append(x)
    return later


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("make", [GPSampler, AutoSampler], ids=["gp", "auto"])
def test_the_gp_and_the_default_converge_right_after_a_range_changes(make, change) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(2):
            later = _before_and_after(make(seed=seed), CHANGES[change], 20, 8)
            assert all(CHANGES[change].contains(x) for x in later)
            # The 20 earlier trials count: random search in the new range gets this close in 8 trials
            # with a chance of 1% to 8%.
            assert min(abs(x - 1.0) for x in later) < 0.05, (seed, later)


@pytest.mark.parametrize("change", ["narrow", "shift"])
def test_tpe_keeps_to_the_good_region_after_a_range_changes(change) -> None:
    medians = [statistics.median(abs(x - 1.0) for x in _before_and_after(TPESampler(seed=s), CHANGES[change], 30, 10))
               for s in range(3)]
    uniform_median = {"narrow": 1.5, "shift": 4.25}[change]  # median |x - 1| of x uniform in the new range
    assert statistics.median(medians) < uniform_median / 2, medians


def _categorical_run(sampler: parzen.Sampler, choices_after: list[str]) -> collections.Counter:
    costs = {"a": 1.0, "b": 0.0, "c": 2.0, "d": 0.5}
    study = parzen.create_study(sampler=sampler)
    for choices, n in ((["a", "b", "c"], 20), (choices_after, 12)):
        for _ in range(n):
            trial = study.ask({"c": Categorical(choices), "x": Float(0.0, 1.0)})
            study.tell(trial, costs[trial.params["c"]] + trial.params["x"])
    return collections.Counter(t.params["c"] for t in study.trials[20:])


@pytest.mark.parametrize("choices_after", [["a", "b", "c", "d"], ["c", "b"]], ids=["add", "drop"])
@pytest.mark.parametrize("make", [TPESampler, GPSampler], ids=["tpe", "gp"])
def test_after_choices_change_the_best_choice_still_offered_keeps_winning(make, choices_after) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        counts = _categorical_run(make(seed=0), choices_after)
    assert set(counts) <= set(choices_after)
    assert counts["b"] >= 6, counts


def test_each_trial_keeps_the_distribution_it_was_sampled_from() -> None:
    study = parzen.create_study(sampler=TPESampler(seed=1, n_startup_trials=2))
    spaces = [{"x": Float(0.0, 1.0), "n": Int(0, 4), "c": Categorical(["a", "b"])},
              {"x": Float(1e-3, 2.0, log=True), "n": Int(0, 8, step=2), "c": Categorical(["b", "c"])}]
    for space in spaces * 3:
        trial = study.ask(space)
        study.tell(trial, trial.params["x"])
    for trial, space in zip(study.trials, spaces * 3):
        assert trial.distributions == space
        assert all(space[n].contains(v) for n, v in trial.params.items())


def test_changing_a_parameters_kind_is_an_error_naming_it() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    trial = study.ask({"lr": Float(0.0, 1.0)})
    study.tell(trial, 1.0)
    with pytest.raises(ValueError, match="parameter 'lr' .* not its kind"):
        study.ask({"lr": Categorical(["fast", "slow"])})
    trial = study.ask()
    with pytest.raises(ValueError, match="parameter 'lr' .* not its kind"):
        trial.suggest_int("lr", 0, 3)
    assert trial.suggest_float("lr", 0.5, 2.0) >= 0.5  # a new range of the same kind is fine


_WORKER = textwrap.dedent("""
    import sys, warnings
    import parzen
    from parzen import Categorical, Float, Int
    warnings.simplefilter("ignore")
    study = parzen.load_study("changing", storage=sys.argv[1], sampler=parzen.samplers.TPESampler(seed=2))
    if sys.argv[2] == "kind":
        try:
            study.ask({"x": Int(0, 3)})
        except ValueError as exc:
            print(exc)
        sys.exit(0)
    for _ in range(8):
        trial = study.ask()
        x = trial.suggest_float("x", -5.0, 5.0)
        n = trial.suggest_int("n", 0, 20)
        c = trial.suggest_categorical("c", ["a", "b", "c"])
        study.tell(trial, (x - 1.0) ** 2 + n + (c == "c"))
""")


def test_two_processes_on_sqlite_share_a_study_whose_space_changes(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'changing.db'}"
    before = {"x": Float(0.0, 10.0), "n": Int(0, 10), "c": Categorical(["a", "b"])}
    study = parzen.create_study(study_name="changing", storage=url, sampler=TPESampler(seed=1, n_startup_trials=4))
    for _ in range(8):
        trial = study.ask(before)
        study.tell(trial, (trial.params["x"] - 1.0) ** 2 + trial.params["n"])
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    subprocess.run([sys.executable, str(script), url, "run"], check=True, timeout=120)
    kind = subprocess.run([sys.executable, str(script), url, "kind"], check=True, timeout=120,
                          capture_output=True, text=True)
    assert "parameter 'x'" in kind.stdout and "not its kind" in kind.stdout
    narrowed = {"x": Float(0.5, 1.5), "n": Int(0, 2), "c": Categorical(["b"])}
    for _ in range(8):  # back in this process, a third space, with the other process's trials in the history
        trial = study.ask(narrowed)
        study.tell(trial, (trial.params["x"] - 1.0) ** 2 + trial.params["n"])
    trials = parzen.load_study("changing", storage=url).trials
    assert len(trials) == 24
    assert [t.distributions["x"] for t in trials[::8]] == [Float(0.0, 10.0), Float(-5.0, 5.0), Float(0.5, 1.5)]
    assert all(d.contains(t.params[n]) for t in trials for n, d in t.distributions.items())


def test_the_latest_stored_definition_of_a_parameter_is_the_one_a_study_object_knows(tmp_path) -> None:
    """A range widened during the study: a fresh Study object on the same storage, and one that only read
    the storage, check an enqueued value against the latest definition, as the object that widened it does."""
    url = f"sqlite:///{tmp_path / 'latest.db'}"
    study = parzen.create_study(study_name="latest", storage=url, sampler=parzen.RandomSampler(seed=0))
    reader = parzen.load_study("latest", storage=url)
    for space in ({"x": Float(0.0, 1.0)}, {"x": Float(0.0, 10.0)}):
        study.tell(study.ask(space), 1.0)
        reader.enqueue_trial({"x": 0.5})  # learns x from the storage: first [0, 1], then [0, 10]
    for other in (parzen.load_study("latest", storage=url), reader):
        other.enqueue_trial({"x": 5.0})  # inside the latest range, outside the first one
        with pytest.raises(ValueError, match="'x'.*outside"):
            other.enqueue_trial({"x": 50.0})
    study.enqueue_trial({"x": 5.0})
    for _ in range(4):  # the queue: 0.5 (enqueued by the reader after the widening), then three times 5.0
        trial = study.ask({"x": Float(0.0, 10.0)})
        study.tell(trial, trial.params["x"])
    assert [t.params["x"] for t in study.trials[1:]] == [0.5, 0.5, 5.0, 5.0, 5.0]
    with pytest.raises(ValueError, match="parameter 'x' .* not its kind"):
        parzen.load_study("latest", storage=url).ask({"x": Categorical([0.5, 5.0])})
