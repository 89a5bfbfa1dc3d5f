"""A progress bar that shows the best value so far (tqdm when installed, plain text otherwise)."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING

from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study


class Progress:
    """Counts finished trials of one ``optimize`` call and tracks their best value."""

    def __init__(self, study: "Study", n_trials: int | None, enabled: bool) -> None:
        self._study = study
        self._enabled = enabled
        self._best: float | None = None
        self._done = 0
        self._total = n_trials
        self._lock = threading.Lock()
        self._bar = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                self._bar = None
            else:
                self._bar = tqdm(total=n_trials, unit="trial", dynamic_ncols=True)

    @property
    def best(self) -> float | None:
        return self._best

    def update(self, trial: FrozenTrial) -> None:
        with self._lock:
            self._done += 1
            if trial.state == TrialState.COMPLETE and self._study.n_objectives == 1:
                v = trial.values[0]
                if self._best is None or (v < self._best if self._study.direction == "minimize" else v > self._best):
                    self._best = v
            if not self._enabled:
                return
            best = "n/a" if self._best is None else f"{self._best:.6g}"
            if self._bar is not None:
                self._bar.set_postfix_str(f"best={best}", refresh=False)
                self._bar.update(1)
            else:
                total = "?" if self._total is None else str(self._total)
                sys.stderr.write(f"\rparzen: {self._done}/{total} trials, best={best}")
                sys.stderr.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._enabled:
            sys.stderr.write("\n")
