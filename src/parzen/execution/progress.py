"""A progress bar that shows the best value so far (tqdm when installed, plain text otherwise)."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study


class Progress:
    """Counts the trials one ``optimize`` call finishes and shows the study's best value.

    The best value starts from the trials the study already had, so a continued study shows its
    true best. Multi-objective studies have no single best and show ``n/a``.
    """

    def __init__(self, study: "Study", n_trials: int | None, enabled: bool) -> None:
        self._enabled = enabled
        self._minimize = study.directions[0] == "minimize"
        self._single = study.n_objectives == 1
        self._best: float | None = None
        self._done = 0
        self._total = n_trials
        self._lock = threading.Lock()
        self._bar: Any = None
        if not enabled:
            return
        if self._single:
            for trial in study.get_trials((TrialState.COMPLETE,)):
                self._consider(trial)
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=n_trials, unit="trial", dynamic_ncols=True, file=sys.stderr)
        self._bar.set_postfix_str(f"best={self._best_text()}", refresh=False)

    def _consider(self, trial: FrozenTrial) -> None:
        if trial.state != TrialState.COMPLETE or not self._single or trial.values is None:
            return
        value = trial.values[0]
        if self._best is None or (value < self._best if self._minimize else value > self._best):
            self._best = value

    def _best_text(self) -> str:
        return "n/a" if self._best is None else f"{self._best:.6g}"

    def update(self, trial: FrozenTrial) -> None:
        """Count one finished trial and refresh the display."""
        if not self._enabled:
            return
        with self._lock:
            self._done += 1
            self._consider(trial)
            if self._bar is not None:
                self._bar.set_postfix_str(f"best={self._best_text()}", refresh=False)
                self._bar.update(1)
            else:
                total = "?" if self._total is None else str(self._total)
                sys.stderr.write(f"\rparzen: {self._done}/{total} trials, best={self._best_text()}")
                sys.stderr.flush()

    def close(self) -> None:
        """Finish the display (the final line keeps the best value)."""
        if self._bar is not None:
            self._bar.close()
        elif self._enabled:
            sys.stderr.write("\n")
