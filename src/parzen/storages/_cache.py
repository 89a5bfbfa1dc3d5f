"""What a persistent storage object remembers between reads: the trials of each study, parsed distributions."""

from __future__ import annotations

import collections
import functools
import json
from typing import Container, Mapping

from parzen.space import Distribution, distribution_from_dict
from parzen.trial import FrozenTrial, TrialState

_FINISHED = {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL}


@functools.lru_cache(maxsize=4096)
def parse_distribution(text: str) -> Distribution:
    """Distributions repeat across trials; parsing each JSON text once keeps bulk loads fast."""
    return distribution_from_dict(json.loads(text))


class StudyCache:
    """The trials of one study as this process last read them, indexed by number.

    Numbers are committed in order, so ``trials`` always holds numbers ``0..len-1`` without
    gaps. ``open_numbers`` are those not finished when read; they are read again next time,
    except WAITING ones while the study's ``waiting_version`` (which every change to a WAITING
    trial raises, in the same write) is still the one read with them: a study with a long queue
    of enqueued trials does not re-read the whole queue on every read.
    """

    __slots__ = ("trials", "open_numbers", "waiting_numbers", "waiting_version", "finished_counts")

    def __init__(self) -> None:
        self.trials: list[FrozenTrial] = []
        self.open_numbers: set[int] = set()
        self.waiting_numbers: set[int] = set()  # the open numbers that were WAITING when read
        self.waiting_version: int | None = None
        self.finished_counts: collections.Counter[TrialState] = collections.Counter()

    def to_read_again(self, waiting_version: int, waiting_wanted: bool = True) -> tuple[list[int], bool]:
        """The open numbers to read again, given the study's ``waiting_version`` read before the trials,
        and whether they include every WAITING one. A read that returns no WAITING trial passes
        ``waiting_wanted=False``: it leaves the queue out and reads only the trials that left it."""
        if waiting_wanted and waiting_version != self.waiting_version:
            return sorted(self.open_numbers), True
        return sorted(self.open_numbers - self.waiting_numbers), False

    def waiting_span(self) -> tuple[int, int] | None:
        """The lowest and highest number of the trials cached as WAITING (None when there is none).

        A read that wants no WAITING trial need not read the queue again when it changed: it reads the
        numbers in this span that are no longer WAITING (those popped or finished since), see
        :meth:`left_waiting`.
        """
        if not self.waiting_numbers:
            return None
        return min(self.waiting_numbers), max(self.waiting_numbers)

    def left_waiting(self, numbers: list[int]) -> list[int]:
        """Of ``numbers`` (trials read as not WAITING), those this cache still holds as WAITING."""
        return [n for n in numbers if n in self.waiting_numbers]

    def note_read(self, waiting_version: int, read_all_waiting: bool) -> None:
        """Remember the version a merged read saw. A read older than the cache's version may have put
        back older snapshots of WAITING trials: then every one is read again next time."""
        if self.waiting_version is not None and waiting_version < self.waiting_version:
            self.waiting_version = None
        elif read_all_waiting:
            self.waiting_version = waiting_version

    def merge(self, fresh: list[FrozenTrial]) -> None:
        """Take in newly read trials; a finished trial is never replaced by an older snapshot."""
        for trial in sorted(fresh, key=lambda t: t.number):
            n = trial.number
            if n == len(self.trials):
                self.trials.append(trial)
            elif n < len(self.trials):
                if n not in self.open_numbers:
                    continue
                self.trials[n] = trial
            else:
                # A gap means a read older than the cache; the rest is read again next time.
                break
            if trial.state.is_finished():
                self.open_numbers.discard(n)
                self.finished_counts[trial.state] += 1
            else:
                self.open_numbers.add(n)
            if trial.state == TrialState.WAITING:
                self.waiting_numbers.add(n)
            else:
                self.waiting_numbers.discard(n)

    def select(self, states: Container[TrialState] | None) -> list[FrozenTrial]:
        """The cached trials in ``states`` (all when None), by number (see :func:`select_trials`)."""
        return select_trials(self.trials, self.open_numbers, self.finished_counts, states)


def select_trials(trials: list[FrozenTrial], open_numbers: set[int], finished_counts: Mapping[TrialState, int],
                  states: Container[TrialState] | None) -> list[FrozenTrial]:
    """The trials in ``states`` (all when None), by number, without looking at each trial where the
    states allow: open ones come from ``open_numbers`` (the unfinished trials' numbers), and when every
    finished trial is wanted (``finished_counts`` says which finished states occur) the runs of finished
    trials between open ones are copied whole, so a long queue of WAITING trials costs one step each,
    not a copy of the study each."""
    if states is None:
        return list(trials)
    wanted = {s for s in TrialState if s in states}
    if not wanted & _FINISHED:
        return [trials[n] for n in sorted(open_numbers) if trials[n].state in wanted]
    if not {s for s, count in finished_counts.items() if count} <= wanted:
        return [t for t in trials if t.state in wanted]
    out: list[FrozenTrial] = []
    start = 0
    for n in sorted(open_numbers):
        if n > start:
            out.extend(trials[start:n])
        if trials[n].state in wanted:
            out.append(trials[n])
        start = n + 1
    out.extend(trials[start:])
    return out
