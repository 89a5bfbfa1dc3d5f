"""Per-trial overhead of parzen against optuna, measured in one run on one machine.

(a) ask+tell milliseconds per trial with random sampling in memory, near trial 1,000 and 10,000;
(b) finished trials per second with SQLite storage and a no-op objective, over the first 1,000
    trials and over trials 9,000-10,000 of one study.

Each figure is the median over ``--repeats`` runs. Usage:

    python benchmarks/overhead.py --repeats 3
    python benchmarks/overhead.py --only memory --repeats 5
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time

import numpy as np

import parzen

WINDOW = 100


def _parzen_space() -> dict:
    return {
        "x": parzen.Float(-5, 10),
        "lr": parzen.Float(1e-5, 1e-1, log=True),
        "n": parzen.Int(1, 10),
        "act": parzen.Categorical(["relu", "gelu", "tanh"]),
    }


def _optuna_space() -> dict:
    import optuna

    return {
        "x": optuna.distributions.FloatDistribution(-5, 10),
        "lr": optuna.distributions.FloatDistribution(1e-5, 1e-1, log=True),
        "n": optuna.distributions.IntDistribution(1, 10),
        "act": optuna.distributions.CategoricalDistribution(["relu", "gelu", "tanh"]),
    }


def ask_tell_times(library: str, n_trials: int, seed: int) -> np.ndarray:
    """Seconds of each ask+tell pair over ``n_trials`` trials of one in-memory study."""
    times = np.empty(n_trials)
    if library == "parzen":
        study = parzen.create_study(sampler=parzen.RandomSampler(seed=seed))
        space = _parzen_space()
        ask, tell = (lambda: study.ask(space)), study.tell
    else:
        import optuna

        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
        space = _optuna_space()
        ask, tell = (lambda: study.ask(space)), study.tell
    clock = time.perf_counter
    for i in range(n_trials):
        t0 = clock()
        trial = ask()
        tell(trial, float(i % 7))
        times[i] = clock() - t0
    return times


def _noop_parzen(trial: parzen.Trial) -> float:
    trial.suggest_float("x", -5, 10)
    trial.suggest_int("n", 1, 10)
    return 0.0


def _noop_optuna(trial) -> float:
    trial.suggest_float("x", -5, 10)
    trial.suggest_int("n", 1, 10)
    return 0.0


def sqlite_finish_times(library: str, n_trials: int, seed: int, folder: str) -> np.ndarray:
    """Wall-clock second at which each trial finished, for a no-op objective on SQLite."""
    url = f"sqlite:///{os.path.join(folder, f'{library}-{seed}-{n_trials}.db')}"
    stamps: list[float] = []
    start = time.perf_counter()

    def record(study, trial) -> None:
        stamps.append(time.perf_counter() - start)

    if library == "parzen":
        study = parzen.create_study(storage=url, sampler=parzen.RandomSampler(seed=seed))
        start = time.perf_counter()
        study.optimize(_noop_parzen, n_trials=n_trials, callbacks=[record])
    else:
        import optuna

        study = optuna.create_study(storage=url, sampler=optuna.samplers.RandomSampler(seed=seed))
        start = time.perf_counter()
        study.optimize(_noop_optuna, n_trials=n_trials, callbacks=[record])
    return np.array(stamps)


def _median_over(runs: list[float]) -> float:
    return float(statistics.median(runs))


def memory_table(repeats: int, n_trials: int, checkpoints: list[int]) -> None:
    print(f"(a) ask+tell ms per trial, RandomSampler, in memory, 4 mixed parameters "
          f"(median of the {WINDOW} trials before each checkpoint; median over {repeats} runs)")
    results: dict[str, dict[int, list[float]]] = {lib: {c: [] for c in checkpoints} for lib in ("parzen", "optuna")}
    for r in range(repeats):
        for lib in ("parzen", "optuna"):
            times = ask_tell_times(lib, n_trials, seed=r)
            for c in checkpoints:
                results[lib][c].append(float(np.median(times[c - WINDOW:c])) * 1e3)
    _print_rows(results, checkpoints, "ms/trial", lower_is_better=True)


def sqlite_table(repeats: int, n_trials: int, checkpoints: list[int], folder: str) -> None:
    print(f"(b) finished trials per second, SQLite, no-op objective with 2 parameters "
          f"(over the 1,000 trials before each checkpoint; median over {repeats} runs)")
    results: dict[str, dict[int, list[float]]] = {lib: {c: [] for c in checkpoints} for lib in ("parzen", "optuna")}
    for r in range(repeats):
        for lib in ("parzen", "optuna"):
            stamps = sqlite_finish_times(lib, n_trials, seed=r, folder=folder)
            for c in checkpoints:
                lo = stamps[c - 1001] if c > 1000 else 0.0
                results[lib][c].append(1000.0 / (stamps[c - 1] - lo))
    _print_rows(results, checkpoints, "trials/s", lower_is_better=False)


def _print_rows(results: dict[str, dict[int, list[float]]], checkpoints: list[int], unit: str,
                lower_is_better: bool) -> None:
    header = "| library | " + " | ".join(f"{unit} @ {c:,}" for c in checkpoints) + " |"
    print(header)
    print("|" + "---|" * (len(checkpoints) + 1))
    for lib in ("parzen", "optuna"):
        cells = [f"{_median_over(results[lib][c]):.3f}" for c in checkpoints]
        print(f"| {lib} | " + " | ".join(cells) + " |")
    ratios = []
    for c in checkpoints:
        p, o = _median_over(results["parzen"][c]), _median_over(results["optuna"][c])
        ratios.append(f"{(o / p if lower_is_better else p / o):.1f}x")
    print("| parzen advantage | " + " | ".join(ratios) + " |")
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--only", choices=["memory", "sqlite"], default=None)
    args = parser.parse_args(argv)
    logging.getLogger("optuna").setLevel(logging.WARNING)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    checkpoints = [c for c in (1_000, 10_000) if c <= args.trials]
    print(f"parzen {parzen.__version__}, optuna {optuna.__version__}, {os.cpu_count()} CPUs")
    if args.only in (None, "memory"):
        memory_table(args.repeats, args.trials, checkpoints)
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            sqlite_table(args.repeats, args.trials, checkpoints, folder)


if __name__ == "__main__":
    main()
