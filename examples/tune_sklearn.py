"""Tune a scikit-learn classifier on the breast-cancer data set that ships with scikit-learn.

The study lives in a local SQLite file, so running this script again continues the same study
(each run adds ``--trials`` trials) and prints the best parameters found so far.

    python examples/tune_sklearn.py --trials 30 --storage sqlite:///parzen_demo.db
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import parzen

X, y = load_breast_cancer(return_X_y=True)


def objective(trial: parzen.Trial) -> float:
    """Mean 3-fold cross-validated accuracy of the classifier the trial describes."""
    model = trial.suggest_categorical("model", ["logistic_regression", "random_forest"])
    if model == "logistic_regression":
        c = trial.suggest_float("C", 1e-4, 1e2, log=True)
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=500))
    else:
        clf = RandomForestClassifier(
            n_estimators=trial.suggest_int("n_estimators", 10, 100, step=10),
            max_depth=trial.suggest_int("max_depth", 2, 16, log=True),
            max_features=trial.suggest_categorical("max_features", ["sqrt", "log2", None]),
            random_state=0,
            n_jobs=1,
        )
    return float(cross_val_score(clf, X, y, cv=3, scoring="accuracy").mean())


def main(argv: list[str] | None = None) -> parzen.Study:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30, help="trials to add in this run")
    parser.add_argument("--storage", default="sqlite:///parzen_demo.db", help="where the study is kept")
    parser.add_argument("--study-name", default="breast-cancer")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)

    study = parzen.create_study(direction="maximize", storage=args.storage, study_name=args.study_name,
                                load_if_exists=True)
    before = len(study.trials)
    study.optimize(objective, n_trials=args.trials, show_progress_bar=not args.no_progress)
    print(f"study {study.study_name!r} in {args.storage}: {before} trials before this run, "
          f"{len(study.trials)} now")
    print(f"best accuracy: {study.best_value:.4f} (trial {study.best_trial.number})")
    print(f"best parameters: {study.best_params}")
    return study


if __name__ == "__main__":
    main()
