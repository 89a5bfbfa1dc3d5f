"""``check_sampler``: what every parzen sampler guarantees, as a kit any sampler can run.

A sampler author passes a function that builds a sampler from a seed; each check builds fresh ones
and runs small studies in memory through the public ask-and-tell interface, both with a space given
to ``study.ask`` and define-by-run (``trial.suggest``). A failed check raises AssertionError naming
the check; an exception the sampler raises is reported the same way.

The checks:

- ``reproducible``: two samplers with the same seed, told the same results (PRUNED and FAIL trials
  included), suggest the same values.
- ``valid values``: every value lies in its distribution (range, log scale, step, type: ``int`` for
  Int, ``float`` for Float, one of the choices for Categorical), and a trial holds exactly the
  parameters whose conditions hold.
- ``small spaces``: a one-parameter space, a single-choice Categorical, and degenerate ranges
  (``low == high``).
- ``enqueued trials``: an enqueued trial runs with the values it was enqueued with.
- ``parallel workers``: threads asking and telling at once raise nothing and get valid values, and a
  batch of trials asked before any is told holds no point twice (the constant liar, or any other
  way of spreading parallel trials).
- ``changed space``: after a range is widened, narrowed or shifted, or a choice added or dropped,
  every suggestion is valid in the new space.
- ``failed trials``: in a continuous space, no suggestion repeats a point already evaluated, and in
  particular one that failed.

The checks use plain ``assert`` statements: do not run them under ``python -O``.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any, Callable, Mapping, Sequence

from parzen._checks import check_int
from parzen.exceptions import SearchSpaceExhausted
from parzen.samplers._base import Sampler
from parzen.space import Categorical, Condition, Distribution, Float, Int, active_names, validate_space, walk_active
from parzen.trial import TrialState

__all__ = ["check_sampler", "sampler_checks"]

Space = Mapping[str, Distribution]
MakeSampler = Callable[..., Sampler]

MIXED: dict[str, Distribution] = {
    "x": Float(-2.0, 3.0),
    "lr": Float(1e-4, 1.0, log=True),
    "frac": Float(0.0, 1.0, step=0.125),
    "n": Int(1, 9),
    "width": Int(2, 256, log=True),
    "even": Int(0, 10, step=2),
    "kind": Categorical(["a", None, 1, 2.5, True]),
}
CONDITIONAL: dict[str, Distribution] = {
    "model": Categorical(["linear", "tree", "none"]),
    "alpha": Float(1e-3, 10.0, log=True, when=Condition("model", ("linear",))),
    "depth": Int(1, 6, when=Condition("model", ("tree",))),
    "split": Categorical(["gini", "entropy"], when=Condition("depth", (3, 4, 5, 6))),
    "lr": Float(0.0, 1.0),
}
CONTINUOUS: dict[str, Distribution] = {"x": Float(-5.0, 5.0), "y": Float(-5.0, 5.0)}
SMALL: tuple[dict[str, Distribution], ...] = (
    {"x": Float(0.0, 1.0)},
    {"only": Categorical(["just this"]), "x": Float(0.0, 1.0)},
    {"f": Float(2.5, 2.5), "i": Int(3, 3), "l": Float(0.1, 0.1, log=True), "c": Categorical([None])},
    {"k": Int(0, 1)},
)
# Each change: the space of a study's first trials, the space of its later trials (a range widened,
# narrowed or shifted, a log flag and a step changed, a choice added or dropped), and the values valid
# in both (what a sampler built for one space, such as a grid, is given).
CHANGES: tuple[tuple[dict[str, Distribution], dict[str, Distribution], dict[str, Distribution]], ...] = (
    ({"x": Float(0.0, 10.0), "n": Int(0, 10)}, {"x": Float(-10.0, 20.0), "n": Int(-5, 30)},
     {"x": Float(0.0, 10.0), "n": Int(0, 10)}),
    ({"x": Float(0.0, 10.0), "n": Int(0, 10)}, {"x": Float(2.0, 3.0), "n": Int(4, 6)},
     {"x": Float(2.0, 3.0), "n": Int(4, 6)}),
    ({"x": Float(0.0, 10.0), "n": Int(0, 10)}, {"x": Float(5.0, 15.0), "n": Int(8, 18)},
     {"x": Float(5.0, 10.0), "n": Int(8, 10)}),
    ({"x": Float(0.1, 10.0), "n": Int(0, 10)}, {"x": Float(0.1, 10.0, log=True), "n": Int(0, 10, step=5)},
     {"x": Float(0.1, 10.0), "n": Int(0, 10, step=5)}),
    ({"c": Categorical(["a", "b"]), "x": Float(0.0, 1.0)}, {"c": Categorical(["a", "b", "c"]), "x": Float(0.0, 1.0)},
     {"c": Categorical(["a", "b"]), "x": Float(0.0, 1.0)}),
    ({"c": Categorical(["a", "b", "c"]), "x": Float(0.0, 1.0)}, {"c": Categorical(["c", "a"]), "x": Float(0.0, 1.0)},
     {"c": Categorical(["c", "a"]), "x": Float(0.0, 1.0)}),
)


class _Maker:
    """Calls the author's ``make_sampler`` as ``make(seed)`` or, when it takes two arguments, ``make(seed, space)``."""

    def __init__(self, make_sampler: MakeSampler) -> None:
        self._make = make_sampler
        try:
            n_params = len([p for p in inspect.signature(make_sampler).parameters.values()
                            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
        except (TypeError, ValueError):  # a builtin without a signature: give it the seed only
            n_params = 1
        self._with_space = n_params >= 2

    def __call__(self, seed: int, space: Space) -> Sampler:
        sampler = self._make(seed, dict(space)) if self._with_space else self._make(seed)
        assert isinstance(sampler, Sampler), f"make_sampler returned {sampler!r}, not a parzen.Sampler"
        return sampler


def _objective(params: Mapping[str, Any], space: Space) -> float:
    """A deterministic value: squared distance of the encoded point to 0.3 in every dimension."""
    total = 0.0
    for name, value in params.items():
        dist = space[name]
        u = dist.encode(value)
        total += (u / max(dist.n_cells(), 1) if isinstance(dist, Categorical) else u - 0.3) ** 2
    return total


def _check_values(params: Mapping[str, Any], space: Space, where: str) -> None:
    """Every value lies in its distribution with the right type, and exactly the active parameters are present."""
    expected = active_names(space, params)
    assert sorted(params) == sorted(expected), (
        f"{where}: the trial holds {sorted(params)} but the parameters whose conditions hold are {sorted(expected)}")
    for name, value in params.items():
        dist = space[name]
        assert dist.contains(value), f"{where}: {name}={value!r} is not a value of {dist.describe()}"
        if isinstance(dist, Int):
            assert type(value) is int, f"{where}: {name}={value!r} of {dist.describe()} is a {type(value).__name__}"
        elif isinstance(dist, Float):
            assert type(value) is float, f"{where}: {name}={value!r} of {dist.describe()} is a {type(value).__name__}"


def _suggest_all(trial: Any, space: Space) -> dict[str, Any]:
    """Define-by-run: suggest each active parameter of ``space`` in order, conditions dropped (as a user would)."""
    params: dict[str, Any] = {}
    for name, dist in walk_active(space, params):
        params[name] = trial.suggest(name, dist.with_condition(None))
    return params


Objective = Callable[[Mapping[str, Any], Space], float]


def _run(sampler: Sampler, space: Space, n_trials: int, **kwargs: Any) -> list[dict[str, Any]]:
    """Ask and tell ``n_trials`` trials in a new study (see :func:`_continue`); the params of each."""
    import parzen

    return _continue(parzen.create_study(sampler=sampler), validate_space(space), n_trials, **kwargs)


def _continue(study: Any, space: Space, n_trials: int, *, define_by_run: bool = False,
              fails: Callable[[Mapping[str, Any]], bool] | None = None, objective: Objective = _objective,
              where: str = "") -> list[dict[str, Any]]:
    """Ask and tell ``n_trials`` trials: FAIL where ``fails`` says so, otherwise every fourth PRUNED."""
    out = []
    for i in range(n_trials):
        try:
            trial = study.ask() if define_by_run else study.ask(space)
        except SearchSpaceExhausted:
            break
        params = _suggest_all(trial, space) if define_by_run else trial.params
        _check_values(params, space, f"{where}trial {trial.number}")
        out.append(params)
        if fails is not None and fails(params):
            study.tell(trial, state=TrialState.FAIL)
        elif i % 4 == 3:
            study.tell(trial, objective(params, space), state=TrialState.PRUNED)
        else:
            study.tell(trial, objective(params, space))
    return out


# --- the checks ------------------------------------------------------------------------------------------
def check_reproducible(make: _Maker, n_trials: int) -> None:
    for space_name, space in (("mixed", MIXED), ("conditional", CONDITIONAL)):
        for define_by_run in (False, True):
            def fails(p: Mapping[str, Any]) -> bool:
                return p.get("lr", 0.0) > 0.8

            runs = [_run(make(seed, space), space, n_trials, define_by_run=define_by_run, fails=fails)
                    for seed in (3, 3)]
            how = "define-by-run" if define_by_run else "study.ask(space)"
            for number, (a, b) in enumerate(zip(*runs)):
                assert {k: repr(v) for k, v in a.items()} == {k: repr(v) for k, v in b.items()}, (
                    f"{space_name} space, {how}: two samplers with seed 3 told the same results differ at trial "
                    f"{number}: {a} vs {b}")
            assert len(runs[0]) == len(runs[1]), f"{space_name} space, {how}: the runs have different lengths"


def check_valid_values(make: _Maker, n_trials: int) -> None:
    for space_name, space in (("mixed", MIXED), ("conditional", CONDITIONAL)):
        for define_by_run in (False, True):
            how = "define-by-run" if define_by_run else "study.ask(space)"
            _run(make(0, space), space, 2 * n_trials, define_by_run=define_by_run, where=f"{space_name} space, {how}, ")


def check_small_spaces(make: _Maker, n_trials: int) -> None:
    for space in SMALL:
        for define_by_run in (False, True):
            _run(make(1, space), space, n_trials, define_by_run=define_by_run, where=f"space {_describe(space)}, ")


def check_enqueued_trials(make: _Maker, n_trials: int) -> None:
    import parzen

    space = validate_space(MIXED)
    study = parzen.create_study(sampler=make(2, space))
    earlier = _continue(study, space, max(n_trials // 2, 3))
    # A whole earlier point again (a re-run), then one value of an earlier point with the rest left to the sampler.
    for fixed in (earlier[0], {"x": earlier[1]["x"]}):
        study.enqueue_trial(fixed)
        trial = study.ask(space)
        for name, value in fixed.items():
            assert repr(trial.params[name]) == repr(value), (
                f"an enqueued trial has {name}={trial.params[name]!r}, enqueued with {value!r}")
        _check_values(trial.params, space, "the enqueued trial")
        study.tell(trial, 1.0)
    study.enqueue_trial({"x": earlier[2]["x"]})
    trial = study.ask()
    got = _suggest_all(trial, space)
    assert got["x"] == earlier[2]["x"], (
        f"define-by-run: an enqueued trial has x={got['x']!r}, enqueued with {earlier[2]['x']!r}")
    _check_values(got, space, "the enqueued define-by-run trial")


def check_parallel_workers(make: _Maker, n_trials: int) -> None:
    import parzen

    space = validate_space(CONTINUOUS)
    study = parzen.create_study(sampler=make(4, space))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            _continue(study, space, max(n_trials // 2, 2), where="a worker thread's ")
        except BaseException as exc:  # re-raised below: a thread cannot fail the check itself
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    batch = []
    for _ in range(4):
        try:
            batch.append(study.ask(space))
        except SearchSpaceExhausted:
            break
    points = [tuple(t.params.values()) for t in batch]
    assert len(set(points)) == len(points), f"a batch of trials asked before any was told repeats a point: {points}"


def check_changed_space(make: _Maker, n_trials: int) -> None:
    import parzen

    for before, after, common in CHANGES:
        for define_by_run in (False, True):
            study = parzen.create_study(sampler=make(5, common))
            where = f"after {_describe(before)} became {_describe(after)}, "
            _continue(study, validate_space(before), n_trials, define_by_run=define_by_run)
            _continue(study, validate_space(after), n_trials, define_by_run=define_by_run, where=where)


def check_failed_trials(make: _Maker, n_trials: int) -> None:
    space = validate_space(CONTINUOUS)
    for define_by_run in (False, True):
        def fails(p: Mapping[str, Any]) -> bool:
            return p["x"] + p["y"] > 2.0

        def downhill(p: Mapping[str, Any], space: Space) -> float:  # best towards the failing corner
            return -(p["x"] + p["y"])

        seen: dict[tuple[float, ...], int] = {}
        history = _run(make(6, space), space, 2 * n_trials, define_by_run=define_by_run, fails=fails,
                       objective=downhill)
        for number, params in enumerate(history):
            point = (params["x"], params["y"])
            state = "failed" if fails(params) else "was evaluated"
            assert point not in seen, (
                f"trial {number} repeats the point {point} that {state} in trial {seen[point]}")
            seen[point] = number


_CHECKS: dict[str, Callable[[_Maker, int], None]] = {
    "reproducible": check_reproducible,
    "valid values": check_valid_values,
    "small spaces": check_small_spaces,
    "enqueued trials": check_enqueued_trials,
    "parallel workers": check_parallel_workers,
    "changed space": check_changed_space,
    "failed trials": check_failed_trials,
}


def sampler_checks() -> list[str]:
    """The names of the checks, in the order :func:`check_sampler` runs them."""
    return list(_CHECKS)


def check_sampler(make_sampler: MakeSampler, *, n_trials: int = 12, checks: Sequence[str] | None = None) -> None:
    """Run the conformance checks on the samplers ``make_sampler`` builds; AssertionError names a failed check.

    Args:
        make_sampler: ``make_sampler(seed)`` returns a new sampler seeded with ``seed``; a function of
            two arguments is called as ``make_sampler(seed, space)`` with the space the check samples,
            or where the space changes, the values valid before and after the change (for samplers
            built for one space, such as a grid).
        n_trials: trials per study of each check (at least 4). Give a model-based sampler few startup
            trials so that its model acts within them.
        checks: names of the checks to run (see :func:`sampler_checks`); None runs all.
    """
    if not callable(make_sampler):
        raise TypeError(f"`make_sampler` must be a function seed -> Sampler, got {make_sampler!r}")
    n_trials = check_int("n_trials", n_trials, 4)
    names = sampler_checks() if checks is None else list(checks)
    unknown = [n for n in names if n not in _CHECKS]
    if unknown:
        raise ValueError(f"`checks`: unknown check(s) {unknown}; the checks are {sampler_checks()}")
    make = _Maker(make_sampler)
    for name in names:
        try:
            _CHECKS[name](make, n_trials)
        except AssertionError as exc:
            raise AssertionError(f"check_sampler: {name}: {exc}") from None
        except Exception as exc:
            raise AssertionError(f"check_sampler: {name}: the sampler raised {type(exc).__name__}: {exc}") from exc


def _describe(space: Space) -> str:
    return "{" + ", ".join(f"{n}: {d.describe()}" for n, d in space.items()) + "}"
