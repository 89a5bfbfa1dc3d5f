"""parzen sweep: runs an HPO sweep with parzen.hpo (the hpo_sweep of entrenar).

    parzen sweep --trials 50 --space search_space.yaml --objective module:function
    parzen sweep --resume hpo_checkpoint.json

The objective is module:function (a module importable from the current directory) or
path/to/file.py:function; it takes a dict of parameter values and returns a number, which is
maximized unless --direction minimize is given. The checkpoint is written after every trial and
holds the objective too, so an interrupted sweep resumes where it stopped with --resume alone.
"""

from __future__ import annotations

import argparse
import os

from parzen.cli._common import CLIError, UsageError, load_objective
from parzen.hpo import BayesianOptimizer, SearchSpace, TrialState

__all__ = ["register", "run"]

DEFAULT_CHECKPOINT = "hpo_checkpoint.json"
DEFAULT_TRIALS = 100


def _load_space(path: str) -> SearchSpace:
    """The search space of a YAML file: ``name: {type: uniform|log_uniform|int_uniform, low, high}`` or
    ``name: {type: discrete|categorical, values: [...]}``."""
    try:
        import yaml
    except ImportError:
        raise CLIError("reading --space needs PyYAML: pip install 'parzen[yaml]'") from None
    try:
        with open(path) as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        raise CLIError(f"cannot read --space {path!r}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CLIError(f"--space {path!r} is not valid YAML: {exc}") from None
    try:
        return SearchSpace.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise CLIError(f"--space {path!r}: {exc}") from None


def _optimizer(args: argparse.Namespace) -> BayesianOptimizer:
    """A fresh optimizer from --space, or the one in --resume (with --trials as its new total budget)."""
    if args.resume is not None:
        try:
            opt = BayesianOptimizer.resume(args.resume, n_trials=args.trials)
        except OSError as exc:
            raise CLIError(f"cannot read --resume {args.resume!r}: {exc.strerror}") from None
        except (TypeError, ValueError, KeyError) as exc:
            raise CLIError(f"--resume {args.resume!r}: {exc}") from None
        if args.space is not None and _load_space(args.space) != opt.space:
            raise UsageError(f"--space {args.space!r} differs from the space in --resume {args.resume!r}")
        if args.direction is not None and args.direction != opt.direction:
            raise UsageError(f"--direction {args.direction} differs from {opt.direction!r} in --resume {args.resume!r}")
        return opt
    if args.space is None:
        raise UsageError("give --space (a YAML search space) or --resume (a checkpoint)")
    try:
        return BayesianOptimizer(_load_space(args.space), DEFAULT_TRIALS if args.trials is None else args.trials,
                                 direction=args.direction or "maximize", seed=args.seed)
    except (TypeError, ValueError) as exc:
        raise CLIError(str(exc)) from None


def _objective_spec(spec: str) -> str:
    """``spec`` as it is kept in the checkpoint: a ``file.py`` target made absolute, so a resume from
    another directory finds it; a module name is kept as given (resolved from the working directory)."""
    target, sep, name = spec.rpartition(":")
    if sep and target.endswith(".py"):
        return f"{os.path.abspath(target)}:{name}"
    return spec


def run(args: argparse.Namespace) -> int:
    """Run the sweep ``args`` describe; 0 when a trial completed, 1 otherwise."""
    if args.trials is not None and args.trials < 1:
        raise UsageError(f"--trials must be >= 1, got {args.trials}")
    if args.resume is not None and args.seed is not None:
        raise UsageError("--seed cannot change a resumed sweep; it keeps the checkpoint's seed")
    if args.objective is not None:
        objective = load_objective(args.objective)
        spec = _objective_spec(args.objective)
    elif args.resume is None:
        raise UsageError("give --objective (module:function or file.py:function)")
    opt = _optimizer(args)
    if args.objective is None:
        saved = opt.metadata.get("objective")
        if not isinstance(saved, str):
            raise CLIError(f"--resume {args.resume!r} does not name its objective; give --objective")
        spec, objective = saved, load_objective(saved)
    opt.metadata["objective"] = spec
    checkpoint = args.checkpoint or args.resume or DEFAULT_CHECKPOINT
    done = sum(t.state != TrialState.Running for t in opt.trials())
    if done:
        print(f"resumed {done} trial(s) from {args.resume}")
    while (trial := opt.ask()) is not None:
        try:
            value = objective(dict(trial.params))
        except Exception as exc:  # one failing configuration does not end the sweep
            opt.tell(trial.id, None, TrialState.Failed)
            print(f"trial {trial.id}: failed: {type(exc).__name__}: {exc}")
        else:
            told = opt.tell(trial.id, value, TrialState.Complete)
            shown = told.value if told.state == TrialState.Complete else f"failed ({value!r} is not a number)"
            print(f"trial {trial.id}: {shown}  {trial.params}")
        opt.save_checkpoint(checkpoint)
    opt.save_checkpoint(checkpoint)
    try:
        best = opt.best_trial()
    except ValueError:
        print(f"no trial completed; checkpoint written to {checkpoint}")
        return 1
    print(f"best trial {best.id}: value={best.value} params={best.params}")
    print(f"checkpoint written to {checkpoint}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parzen sweep`` to the command."""
    sweep = subparsers.add_parser("sweep", help="run a hyperparameter sweep (TPE) on an objective function",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sweep.add_argument("--objective", help="module:function or file.py:function; gets a dict of params "
                                            "(not needed with --resume: the checkpoint names it)")
    sweep.add_argument("--space", help="YAML search space (not needed with --resume)")
    sweep.add_argument("--trials", type=int, help=f"total number of trials (default {DEFAULT_TRIALS}, "
                                                  "or the checkpoint's with --resume)")
    sweep.add_argument("--direction", choices=("minimize", "maximize"),
                       help="maximize (default, as for an accuracy) or minimize the objective")
    sweep.add_argument("--seed", type=int, help="seed of the sampler, for a reproducible sweep")
    sweep.add_argument("--resume", help="continue the sweep saved in this checkpoint")
    sweep.add_argument("--checkpoint",
                       help=f"where to save progress (default: the --resume file, else {DEFAULT_CHECKPOINT})")
    sweep.set_defaults(func=run)
