"""Benchmark problems in a neutral form that every optimizer under test can be given.

A problem is a list of parameters (float, int or categorical, optionally active only when a
parent takes given values) and a function of a parameter dict to minimize. ``optimum`` is the
known minimum where there is one; real model-tuning problems leave it None.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


class EvaluationFailed(Exception):
    """Raised by a problem's function where the objective cannot be evaluated (a failing region)."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "float", "int" or "cat"
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()
    when: tuple[str, tuple[Any, ...]] | None = None


@dataclass(frozen=True)
class Problem:
    name: str
    params: tuple[Param, ...]
    fn: Callable[[dict[str, Any]], float]
    optimum: float | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def conditional(self) -> bool:
        return any(p.when is not None for p in self.params)


def _floats(n: int, low: float, high: float) -> tuple[Param, ...]:
    return tuple(Param(f"x{i}", "float", low, high) for i in range(n))


def _vec(p: dict[str, Any], n: int) -> np.ndarray:
    return np.array([p[f"x{i}"] for i in range(n)], dtype=float)


# --- continuous test functions (minima from the standard references) --------------------------------
def branin(p: dict[str, Any]) -> float:
    x1, x2 = p["x0"], p["x1"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_HARTMANN_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                        [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_HARTMANN_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                               [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(p: dict[str, Any]) -> float:
    x = _vec(p, 6)
    return float(-np.sum(_HARTMANN_ALPHA * np.exp(-np.sum(_HARTMANN_A * (x - _HARTMANN_P) ** 2, axis=1))))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def ackley(x: np.ndarray) -> float:
    d = len(x)
    return float(-20 * np.exp(-0.2 * np.sqrt(np.sum(x**2) / d)) - np.exp(np.sum(np.cos(2 * np.pi * x)) / d)
                 + 20 + math.e)


def levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    return float(np.sin(np.pi * w[0]) ** 2
                 + np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
                 + (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2))


def styblinski_tang(x: np.ndarray) -> float:
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


# --- mixed and conditional problems ---------------------------------------------------------------
_OPT_COST = {"sgd": 0.8, "adam": 0.0, "rmsprop": 0.3, "adagrad": 1.5}
_ACT_COST = {"relu": 0.0, "tanh": 0.4, "sigmoid": 1.0}


def mixed_quadratic(p: dict[str, Any]) -> float:
    """Floats, a log float, ints and two categoricals; minimum 0 at a known point."""
    return ((p["x0"] - 0.3) ** 2 + (p["x1"] + 1.2) ** 2 + (math.log10(p["lr"]) + 3.3) ** 2 / 4
            + (p["layers"] - 6) ** 2 / 8 + (p["units"] - 160) ** 2 / 8000
            + _OPT_COST[p["optimizer"]] + _ACT_COST[p["activation"]])


_MIXED_LEVY_CHOICES = (-7, -3, 1, 4, 8)


def mixed_levy(p: dict[str, Any]) -> float:
    """Levy in 8 dimensions taken as 2 floats, 4 integers and 2 categoricals of numbers; minimum 0 at 1.

    The categories are unordered to a sampler although their values are numbers, and the integer
    grid keeps Levy's ripples, so neither a smooth model nor a plain grid search fits it well.
    """
    x = [p["x0"], p["x1"], p["n0"], p["n1"], p["n2"], p["n3"], p["c0"], p["c1"]]
    return levy(np.array(x, dtype=float))


def integer_rosenbrock(p: dict[str, Any]) -> float:
    return rosenbrock(np.array([p[f"n{i}"] for i in range(4)], dtype=float))


def conditional_branches(p: dict[str, Any]) -> float:
    """Three branches with their own parameters; the best branch has minimum 0."""
    branch = p["branch"]
    if branch == "quadratic":
        return 0.5 + (p["a"] - 1.5) ** 2 + (p["b"] - 3) ** 2 / 10
    if branch == "log":
        return (math.log10(p["scale"]) + 2) ** 2 + abs(p["k"] - 4) / 4
    return 1.0 + levy(np.array([p["u"], p["v"]]))


def conditional_optimizer(p: dict[str, Any]) -> float:
    """Shared parameters plus an optimizer choice whose own parameters differ; minimum 0 (adam).

    Shaped like a training recipe: every branch is worth tuning, the best one only after its
    learning rate and momentum-like term are right, so a sampler must keep comparing branches.
    """
    shared = (p["x"] - 1.3) ** 2 / 10 + abs(p["n"] - 7) / 20
    opt = p["optimizer"]
    if opt == "sgd":
        return shared + 0.3 + (math.log10(p["sgd_lr"]) + 1.5) ** 2 + (p["momentum"] - 0.9) ** 2
    if opt == "adam":
        return shared + (math.log10(p["adam_lr"]) + 3.5) ** 2 / 2 + 4 * (p["beta1"] - 0.9) ** 2
    return shared + 0.15 + (math.log10(p["rms_lr"]) + 2.7) ** 2 + (p["decay"] - 0.95) ** 2


# --- failing regions: the objective raises in one corner (out of memory, a diverging run) -----------
def failing_quadratic_1d(p: dict[str, Any]) -> float:
    """x^2 on [-5, 5], failing for x > 3."""
    if p["x0"] > 3:
        raise EvaluationFailed("x0 > 3")
    return p["x0"] ** 2


def failing_corner_2d(p: dict[str, Any]) -> float:
    """(x - 1)^2 + (y - 1.5)^2 on [-5, 5]^2, failing where x + y > 4 (the minimum lies 0.5 from the edge)."""
    if p["x0"] + p["x1"] > 4:
        raise EvaluationFailed("x0 + x1 > 4")
    return (p["x0"] - 1) ** 2 + (p["x1"] - 1.5) ** 2


def failing_corner_5d(p: dict[str, Any]) -> float:
    """A sphere centred at 1 on [-5, 5]^5, failing where the coordinates sum above 7."""
    x = _vec(p, 5)
    if x.sum() > 7:
        raise EvaluationFailed("sum > 7")
    return float(np.sum((x - 1) ** 2))


# --- real model tuning on data sets that ship with scikit-learn -------------------------------------
@functools.cache
def _dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def svc_breast_cancer(p: dict[str, Any]) -> float:
    """3-fold cross-validated error of an RBF SVC."""
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    X, y = _dataset("breast_cancer")
    return 1.0 - float(cross_val_score(SVC(C=p["C"], gamma=p["gamma"]), X, y, cv=3).mean())


def model_choice_wine(p: dict[str, Any]) -> float:
    """3-fold error on wine of one of three model families, each with its own parameters."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    X, y = _dataset("wine")
    if p["model"] == "svc":
        model = SVC(C=p["svc_C"], gamma=p["svc_gamma"])
    elif p["model"] == "logreg":
        model = LogisticRegression(C=p["lr_C"], max_iter=300)
    else:
        model = KNeighborsClassifier(n_neighbors=p["knn_k"], weights=p["knn_weights"])
    return 1.0 - float(cross_val_score(model, X, y, cv=3).mean())


def knn_diabetes(p: dict[str, Any]) -> float:
    """Negative 3-fold R^2 of k-nearest-neighbours regression."""
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsRegressor

    X, y = _dataset("diabetes")
    model = KNeighborsRegressor(n_neighbors=p["k"], weights=p["weights"], p=p["p"], leaf_size=p["leaf"])
    return -float(cross_val_score(model, X, y, cv=3).mean())


def _vector_problem(name: str, f: Callable[[np.ndarray], float], d: int, low: float, high: float,
                    optimum: float) -> Problem:
    return Problem(name, _floats(d, low, high), lambda p: f(_vec(p, d)), optimum, ("continuous",))


def suite() -> list[Problem]:
    """Every problem of the benchmark, in report order."""
    return [
        Problem("branin-2d", (Param("x0", "float", -5, 10), Param("x1", "float", 0, 15)), branin,
                0.397887, ("continuous",)),
        Problem("hartmann-6d", _floats(6, 0, 1), hartmann6, -3.32237, ("continuous",)),
        _vector_problem("rosenbrock-5d", rosenbrock, 5, -5, 10, 0.0),
        _vector_problem("ackley-5d", ackley, 5, -32.768, 32.768, 0.0),
        _vector_problem("ackley-20d", ackley, 20, -32.768, 32.768, 0.0),
        _vector_problem("levy-10d", levy, 10, -10, 10, 0.0),
        _vector_problem("styblinski-tang-8d", styblinski_tang, 8, -5, 5, -39.16617 * 8),
        Problem("mixed-quadratic", (
            Param("x0", "float", -2, 2), Param("x1", "float", -3, 3), Param("lr", "float", 1e-5, 1e-1, log=True),
            Param("layers", "int", 1, 12), Param("units", "int", 16, 512, log=True),
            Param("optimizer", "cat", choices=tuple(_OPT_COST)), Param("activation", "cat", choices=tuple(_ACT_COST)),
        ), mixed_quadratic, 0.0, ("mixed",)),
        Problem("mixed-levy-8d", (
            Param("x0", "float", -10, 10), Param("x1", "float", -10, 10),
            *(Param(f"n{i}", "int", -10, 10) for i in range(4)),
            Param("c0", "cat", choices=_MIXED_LEVY_CHOICES), Param("c1", "cat", choices=_MIXED_LEVY_CHOICES),
        ), mixed_levy, 0.0, ("mixed", "integer-heavy")),
        Problem("integer-rosenbrock-4d", tuple(Param(f"n{i}", "int", -5, 10) for i in range(4)),
                integer_rosenbrock, 0.0, ("mixed",)),
        Problem("conditional-branches", (
            Param("branch", "cat", choices=("quadratic", "log", "levy")),
            Param("a", "float", -5, 5, when=("branch", ("quadratic",))),
            Param("b", "int", 0, 10, when=("branch", ("quadratic",))),
            Param("scale", "float", 1e-5, 1.0, log=True, when=("branch", ("log",))),
            Param("k", "int", 0, 10, when=("branch", ("log",))),
            Param("u", "float", -10, 10, when=("branch", ("levy",))),
            Param("v", "float", -10, 10, when=("branch", ("levy",))),
        ), conditional_branches, 0.0, ("conditional",)),
        Problem("conditional-optimizer", (
            Param("x", "float", -5, 5), Param("n", "int", 1, 20),
            Param("optimizer", "cat", choices=("sgd", "adam", "rmsprop")),
            Param("sgd_lr", "float", 1e-5, 1.0, log=True, when=("optimizer", ("sgd",))),
            Param("momentum", "float", 0.0, 1.0, when=("optimizer", ("sgd",))),
            Param("adam_lr", "float", 1e-5, 1.0, log=True, when=("optimizer", ("adam",))),
            Param("beta1", "float", 0.5, 0.999, when=("optimizer", ("adam",))),
            Param("rms_lr", "float", 1e-5, 1.0, log=True, when=("optimizer", ("rmsprop",))),
            Param("decay", "float", 0.0, 1.0, when=("optimizer", ("rmsprop",))),
        ), conditional_optimizer, 0.0, ("conditional",)),
        Problem("failing-quadratic-1d", _floats(1, -5, 5), failing_quadratic_1d, 0.0, ("failing",)),
        Problem("failing-corner-2d", _floats(2, -5, 5), failing_corner_2d, 0.0, ("failing",)),
        Problem("failing-corner-5d", _floats(5, -5, 5), failing_corner_5d, 0.0, ("failing",)),
        Problem("svc-breast-cancer", (Param("C", "float", 1e-3, 1e3, log=True),
                                      Param("gamma", "float", 1e-5, 1e1, log=True)),
                svc_breast_cancer, None, ("model",)),
        Problem("model-choice-wine", (
            Param("model", "cat", choices=("svc", "logreg", "knn")),
            Param("svc_C", "float", 1e-3, 1e3, log=True, when=("model", ("svc",))),
            Param("svc_gamma", "float", 1e-5, 1e1, log=True, when=("model", ("svc",))),
            Param("lr_C", "float", 1e-4, 1e2, log=True, when=("model", ("logreg",))),
            Param("knn_k", "int", 1, 50, when=("model", ("knn",))),
            Param("knn_weights", "cat", choices=("uniform", "distance"), when=("model", ("knn",))),
        ), model_choice_wine, None, ("model", "conditional")),
        Problem("knn-diabetes", (Param("k", "int", 1, 100), Param("weights", "cat", choices=("uniform", "distance")),
                                 Param("p", "int", 1, 2), Param("leaf", "int", 5, 60)),
                knn_diabetes, None, ("model", "mixed")),
    ]
