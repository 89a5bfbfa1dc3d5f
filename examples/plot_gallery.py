"""Write every plot of three small studies into a folder: a gallery of ``parzen.visualization``.

The studies are synthetic, so the script runs in seconds and needs only matplotlib and plotly:

- ``training``: one objective over a log-scaled learning rate, an integer, a categorical choice and a
  parameter that exists only for one choice; trials report learning curves, some are pruned, some
  fail, and two threads run them at once (visible on the timeline);
- ``trade_off``: two objectives (error against cost) with a constraint;
- ``three_objectives``: three objectives on a curved front.

    python examples/plot_gallery.py --out gallery --trials 120
    python examples/plot_gallery.py --out gallery --backend plotly   # offline HTML files

Importance (and the pair of the contour plot) comes from fANOVA on a random forest by default here
(``--importance ped-anova`` for parzen's default): in a short study that the sampler steered, the good
trials share values of parameters that do nothing, which PED-ANOVA, reading only the good trials'
values, counts; a model of the whole function does not.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import time

import parzen
from parzen.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator
from parzen.pruners import MedianPruner
from parzen.visualization import save_plots


def training(trial: parzen.Trial) -> float:
    """A stand-in for training a model: the loss falls per epoch at a speed set by the parameters."""
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("n_layers", 1, 6)
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"])
    momentum = trial.suggest_float("momentum", 0.0, 0.99) if optimizer == "sgd" else 0.9
    trial.suggest_float("dropout", 0.0, 0.5)  # does nothing: its importance should be near zero
    if lr > 0.05 and optimizer == "sgd":
        raise RuntimeError("training diverged")
    floor = 0.1 + 0.3 * (math.log10(lr) + 3) ** 2 + 0.05 * abs(layers - 3) + (0.15 if optimizer == "rmsprop" else 0)
    speed = 0.3 + momentum
    loss = floor
    for epoch in range(10):
        loss = floor + 2.0 * math.exp(-speed * (epoch + 1))
        trial.report(loss, epoch)
        time.sleep(0.001)  # lets the two threads overlap
        if trial.should_prune():
            raise parzen.TrialPruned()
    return loss


def trade_off(trial: parzen.Trial) -> tuple[float, float]:
    width = trial.suggest_int("width", 8, 512, log=True)
    depth = trial.suggest_int("depth", 1, 8)
    error = 1.0 / math.sqrt(width * depth) + 0.02 * trial.suggest_float("noise", 0.0, 1.0)
    cost = width * depth / 4096
    return error, cost


def three_objectives(trial: parzen.Trial) -> tuple[float, float, float]:
    a = trial.suggest_float("a", 0.0, math.pi / 2)
    b = trial.suggest_float("b", 0.0, math.pi / 2)
    r = 1.0 + trial.suggest_float("r", 0.0, 1.0)  # r = 0 puts the point on the front
    return r * math.cos(a) * math.cos(b), r * math.cos(a) * math.sin(b), r * math.sin(a)


def build_study(name: str, n_trials: int, seed: int = 0) -> parzen.Study:
    """One study of the gallery (see the module docstring), in memory, optimized with ``n_trials`` trials."""
    if name == "training":
        study = parzen.create_study(study_name=name, direction="minimize", seed=seed,
                                    pruner=MedianPruner(n_startup_trials=10, n_warmup_steps=6))
        study.optimize(training, n_trials=n_trials, n_jobs=2, catch=(RuntimeError,))
    elif name == "trade_off":
        study = parzen.create_study(study_name=name, directions=["minimize", "minimize"], seed=seed,
                                    constraints_func=lambda t: [t.values[1] - 0.8])
        study.optimize(trade_off, n_trials=n_trials)
    else:
        study = parzen.create_study(study_name=name, directions=["minimize"] * 3, seed=seed)
        study.optimize(three_objectives, n_trials=n_trials)
    return study


STUDIES = ("training", "trade_off", "three_objectives")


def main(argv: list[str] | None = None) -> list[pathlib.Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="gallery", help="folder to write into (one subfolder per study)")
    parser.add_argument("--trials", type=int, default=120, help="trials per study")
    parser.add_argument("--backend", choices=["matplotlib", "plotly", "both"], default="both")
    parser.add_argument("--studies", nargs="+", choices=STUDIES, default=list(STUDIES))
    parser.add_argument("--importance", choices=["fanova", "ped-anova"], default="fanova")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    backends = ["matplotlib", "plotly"] if args.backend == "both" else [args.backend]
    evaluator = (FanovaImportanceEvaluator(seed=args.seed) if args.importance == "fanova"
                 else PedAnovaImportanceEvaluator(seed=args.seed))
    written: list[pathlib.Path] = []
    for name in args.studies:
        study = build_study(name, args.trials, args.seed)
        for backend in backends:
            files = save_plots(study, pathlib.Path(args.out) / study.study_name, backend=backend,
                               evaluator=evaluator)
            written += files
            print(f"{study.study_name}: {len(files)} {backend} plots in {pathlib.Path(args.out) / study.study_name}")
    return written


if __name__ == "__main__":
    main()
