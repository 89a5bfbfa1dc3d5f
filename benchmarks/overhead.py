"""Per-trial overhead of parzen against optuna, measured in one run on one machine.

(a) ask+tell milliseconds per trial with random sampling in memory, near trial 1,000 and 10,000;
(b) finished trials per second with SQLite storage and a no-op objective, over the first 1,000
    trials and over trials 9,000-10,000 of one study;
(c) ask+tell milliseconds per trial of each model-based sampler (TPE, CMA-ES, GP, the default)
    in a 10-D float space at 100, 300, 1,000 and 10,000 trials (the GP to 1,000, the default to
    20,000), beside optuna's counterpart (``--peer-max`` stops optuna's samplers earlier).
    ``--space mixed`` replaces the float space by a mixed one of the same size (floats, a log-scaled
    float, integers, a log-scaled integer, a stepped float, a categorical), ``--space conditional`` by
    one whose parameters hang on a categorical choice (optuna is not run on it: its ``ask`` takes no
    conditions); the default sends both to TPE after its GP phase. ``--checkpoints`` replaces the
    trial counts, e.g. ``--checkpoints 1000 10000 20000``. ``--objectives 2`` (or 3) makes the study
    minimize that many objectives, one distance to a centre each (the centres differ, so the trade-off
    front is long): TPE then runs as MOTPE.

Each figure is the median over ``--repeats`` runs. ``--clock cpu`` times the process's CPU time instead
of the wall clock, which keeps figures comparable on a machine shared with other work. Usage:

    python benchmarks/overhead.py --repeats 3
    python benchmarks/overhead.py --only memory --repeats 5
    python benchmarks/overhead.py --only samplers --samplers tpe gp --repeats 1
    python benchmarks/overhead.py --only samplers --dims 5 --clock cpu --peer-max 1000 --repeats 1
    python benchmarks/overhead.py --only samplers --samplers tpe --space mixed --checkpoints 1000 10000 20000 \
        --clock cpu --peer-max 1000 --repeats 1
    python benchmarks/overhead.py --only samplers --samplers tpe --objectives 2 --checkpoints 1000 10000 20000 \
        --dims 5 --clock cpu --peer-max 1000 --repeats 1
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import statistics
import tempfile
import time
from typing import Callable

import numpy as np

import parzen

WINDOW = 100
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = CLOCKS["wall"]


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


def time_ask_tell(study, space: dict, n_trials: int, objective: Callable[[dict], float]) -> np.ndarray:
    """Seconds of each ask+tell pair over ``n_trials`` trials (parzen and optuna share this API)."""
    times = np.empty(n_trials)
    clock = _clock
    for i in range(n_trials):
        t0 = clock()
        trial = study.ask(space)
        study.tell(trial, objective(trial.params))
        times[i] = clock() - t0
    return times


def _mixed_value(params: dict) -> float:
    return params["x"] ** 2 + params["n"]


def ask_tell_times(library: str, n_trials: int, seed: int) -> np.ndarray:
    """Random sampling in memory on the 4-parameter mixed space."""
    if library == "parzen":
        study = parzen.create_study(sampler=parzen.RandomSampler(seed=seed))
        return time_ask_tell(study, _parzen_space(), n_trials, _mixed_value)
    import optuna

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    return time_ask_tell(study, _optuna_space(), n_trials, _mixed_value)


def _sphere(params: dict) -> float:
    return float(sum((v - 1.0) ** 2 for v in params.values()))


def _float_spaces(dims: int) -> tuple[dict, Callable[[], dict], Callable[[dict], float]]:
    """A ``dims``-D float sphere: parzen's space, a maker of optuna's, the objective."""
    def optuna_space() -> dict:
        return {f"x{i}": _optuna().distributions.FloatDistribution(-5, 5) for i in range(dims)}

    return {f"x{i}": parzen.Float(-5, 5) for i in range(dims)}, optuna_space, _sphere


_MIXED_KINDS = 5  # the parameters of the mixed space that are not plain floats


def _mixed_spaces(dims: int) -> tuple[dict, Callable[[], dict], Callable[[dict], float]]:
    """``dims`` parameters (at least 6): plain floats, then a log-scaled float, an int, a log-scaled int,
    a stepped float and a categorical of four choices."""
    n_float = max(dims - _MIXED_KINDS, 1)
    space = {f"x{i}": parzen.Float(-5, 5) for i in range(n_float)}
    space.update({"lr": parzen.Float(1e-5, 1e-1, log=True), "n": parzen.Int(1, 10), "k": parzen.Int(2, 256, log=True),
                  "s": parzen.Float(0.0, 1.0, step=0.1), "act": parzen.Categorical(["relu", "gelu", "tanh", "silu"])})

    def optuna_space() -> dict:
        d = _optuna().distributions
        out = {f"x{i}": d.FloatDistribution(-5, 5) for i in range(n_float)}
        out.update({"lr": d.FloatDistribution(1e-5, 1e-1, log=True), "n": d.IntDistribution(1, 10),
                    "k": d.IntDistribution(2, 256, log=True), "s": d.FloatDistribution(0.0, 1.0, step=0.1),
                    "act": d.CategoricalDistribution(["relu", "gelu", "tanh", "silu"])})
        return out

    def objective(p: dict) -> float:
        return (sum((p[f"x{i}"] - 1.0) ** 2 for i in range(n_float)) + (math.log10(p["lr"]) + 3) ** 2
                + abs(p["n"] - 4) + abs(math.log2(p["k"]) - 5) + p["s"] + (p["act"] != "gelu"))

    return space, optuna_space, objective


def _conditional_space(dims: int) -> tuple[dict, None, Callable[[dict], float]]:
    """``dims`` parameters (at least 8): a model choice, two parameters for each model, a log-scaled
    learning rate, and plain floats shared by every model."""
    space = {
        "model": parzen.Categorical(["linear", "tree", "net"]),
        "alpha": parzen.Float(1e-4, 1.0, log=True, when=("model", "linear")),
        "l1": parzen.Float(0.0, 1.0, when=("model", "linear")),
        "depth": parzen.Int(1, 12, when=("model", "tree")),
        "leaf": parzen.Float(0.0, 1.0, when=("model", "tree")),
        "width": parzen.Int(16, 512, log=True, when=("model", "net")),
        "dropout": parzen.Float(0.0, 0.5, when=("model", "net")),
        "lr": parzen.Float(1e-4, 1e-1, log=True),
    }
    n_float = max(dims - len(space), 0)
    space.update({f"x{i}": parzen.Float(-5, 5) for i in range(n_float)})

    def objective(p: dict) -> float:
        shared = sum((p[f"x{i}"] - 1.0) ** 2 for i in range(n_float)) + (math.log10(p["lr"]) + 2.5) ** 2
        if p["model"] == "linear":
            return shared + 1.0 + (math.log10(p["alpha"]) + 2) ** 2 + p["l1"]
        if p["model"] == "tree":
            return shared + abs(p["depth"] - 5) / 3 + (p["leaf"] - 0.2) ** 2
        return shared + 0.5 + abs(math.log2(p["width"]) - 7) / 2 + p["dropout"]

    return space, None, objective


SPACES = {"float": _float_spaces, "mixed": _mixed_spaces, "conditional": _conditional_space}


def _several_objectives(objective: Callable[[dict], float], n_objectives: int) -> Callable[[dict], object]:
    """``objective`` itself for one objective; else a tuple: per objective k, its value with the plain
    floats (``x0``, ``x1``, ...) shifted by +1 (k = 0), -1 (k = 1) or +1/-1 alternating (k = 2)."""
    if n_objectives == 1:
        return objective

    def shifted(params: dict, k: int) -> dict:
        out = dict(params)
        for name, value in params.items():
            if name[0] == "x" and name[1:].isdigit():
                out[name] = value + (1.0, -1.0, (-1.0) ** int(name[1:]))[k]
        return out

    return lambda params: tuple(objective(shifted(params, k)) for k in range(n_objectives))


# Each sampler family: parzen's sampler, optuna's counterpart, the checkpoints (trial counts), and the
# largest checkpoint optuna is run to (None: all, or ``--peer-max``). Optuna's GP is stopped at 300
# trials: at ~0.3 s per trial near 300 and cubic growth, reaching 1,000 would take about an hour per run.
SAMPLER_PAIRS: dict[str, tuple[Callable[[int], object], Callable[[int], object], tuple[int, ...], int | None]] = {
    "tpe": (lambda s: parzen.TPESampler(seed=s),
            lambda s: _optuna().samplers.TPESampler(seed=s), (100, 300, 1_000, 10_000), None),
    "cmaes": (lambda s: parzen.CmaEsSampler(seed=s),
              lambda s: _optuna().samplers.CmaEsSampler(seed=s), (100, 300, 1_000, 10_000), None),
    "gp": (lambda s: parzen.GPSampler(seed=s),
           lambda s: _optuna().samplers.GPSampler(seed=s), (100, 300, 1_000), 300),
    "default": (lambda s: parzen.samplers.AutoSampler(seed=s),
                lambda s: _optuna().samplers.TPESampler(seed=s), (100, 300, 1_000, 10_000, 20_000), 10_000),
}


def _optuna():
    import optuna

    return optuna


def sampler_table(family: str, repeats: int, dims: int, peer_limit: int | None = None, space_kind: str = "float",
                  checkpoints: tuple[int, ...] | None = None, n_objectives: int = 1) -> None:
    """ask+tell ms per trial of one sampler family in a ``dims``-D space of ``space_kind`` with ``n_objectives``
    objectives, parzen beside optuna."""
    make_parzen, make_optuna, family_checkpoints, peer_max = SAMPLER_PAIRS[family]
    checkpoints = checkpoints or family_checkpoints
    if peer_limit is not None:
        peer_max = min(peer_max or peer_limit, peer_limit)
    space, make_optuna_space, single = SPACES[space_kind](dims)
    objective = _several_objectives(single, n_objectives)
    directions = ["minimize"] * n_objectives
    libraries = ("parzen", "optuna") if make_optuna_space is not None else ("parzen",)
    results: dict[str, dict[int, list[float]]] = {lib: {c: [] for c in checkpoints} for lib in ("parzen", "optuna")}
    for r in range(repeats):
        for lib in libraries:
            if lib == "parzen":
                study, lib_space = parzen.create_study(sampler=make_parzen(r), directions=directions), space
            else:
                assert make_optuna_space is not None
                study = _optuna().create_study(sampler=make_optuna(r), directions=directions)
                lib_space = make_optuna_space()
            reached = [c for c in checkpoints if lib == "parzen" or peer_max is None or c <= peer_max]
            if not reached:
                continue
            times = time_ask_tell(study, lib_space, reached[-1], objective)
            for c in reached:
                window = min(WINDOW, c // 2)
                results[lib][c].append(float(np.median(times[c - window:c])) * 1e3)
    print(f"(c) {family}: ask+tell ms per trial ({_clock.__name__}), {len(space)}-D {space_kind} space, "
          f"{n_objectives} objective(s), in memory "
          f"(median of the trials just before each checkpoint; median over {repeats} runs)")
    _print_rows(results, list(checkpoints), "ms/trial", lower_is_better=True)


def default_short_table(repeats: int, n_trials: int = 100) -> None:
    """(d) The default sampler's median ask+tell cost over a whole short study, 2- to 10-D, beside optuna's TPE."""
    optuna = _optuna()
    dims_list = (2, 5, 10)
    results: dict[str, dict[int, list[float]]] = {lib: {d: [] for d in dims_list} for lib in ("parzen", "optuna")}
    for r in range(repeats):
        for d in dims_list:
            study = parzen.create_study(seed=r)
            space = {f"x{i}": parzen.Float(-5, 5) for i in range(d)}
            results["parzen"][d].append(float(np.median(time_ask_tell(study, space, n_trials, _sphere))) * 1e3)
            peer = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=r))
            peer_space = {f"x{i}": optuna.distributions.FloatDistribution(-5, 5) for i in range(d)}
            results["optuna"][d].append(float(np.median(time_ask_tell(peer, peer_space, n_trials, _sphere))) * 1e3)
    print(f"(d) default sampler (optuna: its default TPE): median ask+tell ms ({_clock.__name__}) over trials "
          f"1-{n_trials} of a float sphere, by dimension (median over {repeats} runs)")
    header = "| library | " + " | ".join(f"{d}-D" for d in dims_list) + " |"
    print(header)
    print("|" + "---|" * (len(dims_list) + 1))
    for lib in ("parzen", "optuna"):
        print(f"| {lib} | " + " | ".join(f"{_median_over(results[lib][d]):.2f}" for d in dims_list) + " |")
    print()


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
    """Median of the runs' figures; NaN where a library was not run to that checkpoint."""
    if not runs:
        return float("nan")
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
        cells = [f"{_median_over(results[lib][c]):.3f}" if results[lib][c] else "not run" for c in checkpoints]
        print(f"| {lib} | " + " | ".join(cells) + " |")
    ratios = []
    for c in checkpoints:
        p, o = _median_over(results["parzen"][c]), _median_over(results["optuna"][c])
        ratios.append("-" if np.isnan(o) else f"{(o / p if lower_is_better else p / o):.1f}x")
    print("| parzen advantage | " + " | ".join(ratios) + " |")
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--only", choices=["memory", "sqlite", "samplers", "default-short"], default=None)
    parser.add_argument("--samplers", nargs="+", choices=list(SAMPLER_PAIRS), default=list(SAMPLER_PAIRS))
    parser.add_argument("--dims", type=int, default=10)
    parser.add_argument("--space", choices=list(SPACES), default="float",
                        help="the space of the sampler tables: float sphere, mixed kinds, or conditional")
    parser.add_argument("--checkpoints", type=int, nargs="+", default=None,
                        help="trial counts of the sampler tables (each family's own by default)")
    parser.add_argument("--objectives", type=int, choices=(1, 2, 3), default=1,
                        help="objectives of the sampler tables (2 or 3: distances to different centres)")
    parser.add_argument("--clock", choices=list(CLOCKS), default="wall")
    parser.add_argument("--peer-max", type=int, default=None, help="run optuna's samplers to at most this many trials")
    args = parser.parse_args(argv)
    global _clock
    _clock = CLOCKS[args.clock]
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
    if args.only in (None, "default-short"):
        default_short_table(args.repeats)
    if args.only in (None, "samplers"):
        for family in args.samplers:
            sampler_table(family, args.repeats, args.dims, args.peer_max, args.space,
                          tuple(sorted(args.checkpoints)) if args.checkpoints else None, args.objectives)


if __name__ == "__main__":
    main()
