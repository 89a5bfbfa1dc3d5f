"""Prune scikit-learn classifiers trained epoch by epoch with ``partial_fit``.

Each trial trains an ``SGDClassifier`` (or, with ``--model mlp``, an ``MLPClassifier``) on the
digits data set that ships with scikit-learn, one epoch per ``partial_fit`` call, and reports the
validation accuracy after every epoch. The pruner stops trials that fall behind, so the study
spends far fewer epochs than training every trial to the end.

    python examples/prune_sgd.py --model sgd --pruner asha --trials 40 --epochs 30
"""

from __future__ import annotations

import argparse
from typing import Callable

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import parzen
from parzen.pruners import HyperbandPruner, MedianPruner, Pruner, SuccessiveHalvingPruner

X, y = load_digits(return_X_y=True)
X_TRAIN, X_VALID, Y_TRAIN, Y_VALID = train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)
CLASSES = np.unique(y)

PRUNERS: dict[str, Callable[[int], Pruner]] = {
    "median": lambda epochs: MedianPruner(n_startup_trials=5, n_warmup_steps=2),
    "asha": lambda epochs: SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, max_resource=epochs),
    "hyperband": lambda epochs: HyperbandPruner(min_resource=1, max_resource=epochs, reduction_factor=3),
}


def make_model(trial: parzen.Trial, model: str) -> SGDClassifier | MLPClassifier:
    """The classifier the trial describes."""
    if model == "sgd":
        return SGDClassifier(
            loss=trial.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"]),
            alpha=trial.suggest_float("alpha", 1e-6, 1e-1, log=True),
            learning_rate="constant",
            eta0=trial.suggest_float("eta0", 1e-5, 1.0, log=True),
            random_state=0,
        )
    return MLPClassifier(
        hidden_layer_sizes=(trial.suggest_int("hidden", 8, 64, log=True),),
        alpha=trial.suggest_float("alpha", 1e-6, 1e-1, log=True),
        learning_rate_init=trial.suggest_float("learning_rate_init", 1e-4, 1e-1, log=True),
        random_state=0,
    )


def make_objective(model: str, epochs: int) -> Callable[[parzen.Trial], float]:
    """An objective that trains ``epochs`` epochs, reporting validation accuracy after each."""

    def objective(trial: parzen.Trial) -> float:
        clf = make_model(trial, model)
        accuracy = 0.0
        for epoch in range(epochs):
            clf.partial_fit(X_TRAIN, Y_TRAIN, classes=CLASSES)
            accuracy = float(clf.score(X_VALID, Y_VALID))
            trial.report(accuracy, epoch)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return accuracy

    return objective


def epochs_trained(study: parzen.Study) -> int:
    """Epochs spent on all trials: one per reported step."""
    return sum(len(t.intermediate_values) for t in study.trials)


def main(argv: list[str] | None = None) -> parzen.Study:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["sgd", "mlp"], default="sgd")
    parser.add_argument("--pruner", choices=sorted(PRUNERS), default="asha")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=30, help="epochs of a trial that is never pruned")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    study = parzen.create_study(direction="maximize", pruner=PRUNERS[args.pruner](args.epochs), seed=args.seed)
    study.optimize(make_objective(args.model, args.epochs), n_trials=args.trials)
    n_pruned = len(study.get_trials((parzen.TrialState.PRUNED,)))
    print(f"{args.model} with {args.pruner}: {n_pruned} of {args.trials} trials pruned, "
          f"{epochs_trained(study)} epochs trained instead of {args.trials * args.epochs}")
    print(f"best validation accuracy: {study.best_value:.4f} with {study.best_params}")
    return study


if __name__ == "__main__":
    main()
