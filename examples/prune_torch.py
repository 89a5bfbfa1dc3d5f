"""Prune a plain PyTorch training loop.

Each trial trains a small multilayer perceptron on the digits data set that ships with
scikit-learn, reports the validation loss after every epoch, and stops when the pruner says so.
Needs ``torch`` (a CPU build is enough).

    python examples/prune_torch.py --pruner median --trials 30 --epochs 20
"""

from __future__ import annotations

import argparse
from typing import Callable

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

import parzen
from parzen.pruners import MedianPruner, Pruner, SuccessiveHalvingPruner

X, y = load_digits(return_X_y=True)
_X_TRAIN, _X_VALID, _Y_TRAIN, _Y_VALID = train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)
X_TRAIN, X_VALID = (torch.tensor(a, dtype=torch.float32) for a in (_X_TRAIN, _X_VALID))
Y_TRAIN, Y_VALID = (torch.tensor(a, dtype=torch.long) for a in (_Y_TRAIN, _Y_VALID))

PRUNERS: dict[str, Callable[[int], Pruner]] = {
    "median": lambda epochs: MedianPruner(n_startup_trials=4, n_warmup_steps=2),
    "asha": lambda epochs: SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, max_resource=epochs),
}


def make_network(trial: parzen.Trial) -> nn.Module:
    """A one-hidden-layer perceptron with the trial's width and dropout."""
    hidden = trial.suggest_int("hidden", 8, 128, log=True)
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Dropout(trial.suggest_float("dropout", 0.0, 0.5)),
                         nn.Linear(hidden, 10))


def make_objective(epochs: int, batch_size: int = 64) -> Callable[[parzen.Trial], float]:
    """An objective that trains ``epochs`` epochs of mini-batch SGD, reporting the validation loss."""

    def objective(trial: parzen.Trial) -> float:
        generator = torch.Generator().manual_seed(trial.number)
        torch.manual_seed(trial.number)
        network = make_network(trial)
        optimizer = torch.optim.SGD(network.parameters(), lr=trial.suggest_float("lr", 1e-3, 1.0, log=True),
                                    momentum=trial.suggest_float("momentum", 0.0, 0.95))
        loss_fn = nn.CrossEntropyLoss()
        loss = float("inf")
        for epoch in range(epochs):
            network.train()
            for batch in torch.randperm(len(X_TRAIN), generator=generator).split(batch_size):
                optimizer.zero_grad()
                loss_fn(network(X_TRAIN[batch]), Y_TRAIN[batch]).backward()
                optimizer.step()
            network.eval()
            with torch.no_grad():
                loss = float(loss_fn(network(X_VALID), Y_VALID))
            trial.report(loss, epoch)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return loss

    return objective


def main(argv: list[str] | None = None) -> parzen.Study:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pruner", choices=sorted(PRUNERS), default="median")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=20, help="epochs of a trial that is never pruned")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.set_num_threads(1)  # tiny networks: threads cost more than they give
    study = parzen.create_study(direction="minimize", pruner=PRUNERS[args.pruner](args.epochs), seed=args.seed)
    study.optimize(make_objective(args.epochs), n_trials=args.trials)
    n_pruned = len(study.get_trials((parzen.TrialState.PRUNED,)))
    epochs = sum(len(t.intermediate_values) for t in study.trials)
    print(f"torch with {args.pruner}: {n_pruned} of {args.trials} trials pruned, "
          f"{epochs} epochs trained instead of {args.trials * args.epochs}")
    print(f"best validation loss: {study.best_value:.4f} with {study.best_params}")
    return study


if __name__ == "__main__":
    main()
