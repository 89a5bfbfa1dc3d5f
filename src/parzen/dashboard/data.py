"""What the dashboard serves, computed from a storage it only reads: summaries, trial pages and plots.

Nothing here knows about HTTP. A study is read through the public API (``parzen.load_study`` and
``Study.trials``); the SQL storage caches finished trials, so reading a running study again costs
only its new and unfinished trials. Each study has a *revision*, a short string that changes
whenever a trial is added, finishes or reports an intermediate value; the page polls it and fetches
the table and the plots again only when it changed. Plot figures, the table's columns and the text
the filter searches are computed once per revision; a page of the table turns only its own trials
into JSON.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from parzen.cli._summary import STATES, json_number, study_summary, trial_record
from parzen.exceptions import StudyNotFoundError
from parzen.trial import FrozenTrial

if TYPE_CHECKING:
    from parzen.storages import BaseStorage
    from parzen.study import Study

MAX_PAGE = 500
"""The most trials one page of the table may hold."""


class UnknownStudy(LookupError):
    """No study of that name in the storage (any more)."""


class BadQuery(ValueError):
    """A query parameter of the trials table that is not understood (unknown column, bad number)."""


@dataclass
class _Snapshot:
    """One study as read at one revision, with what has been computed from it."""

    revision: str
    trials: list[FrozenTrial]
    computed: dict[str, Any] = field(default_factory=dict)


def revision_of(trials: list[FrozenTrial]) -> str:
    """A string that changes when a trial is added or changes state, and when a running trial gets a new
    parameter, user attribute or intermediate value (a finished trial never changes)."""
    counts = dict.fromkeys(STATES, 0)
    growth = 0
    for t in trials:
        counts[t.state.name] += 1
        if not t.state.is_finished():
            growth += len(t.intermediate_values) + len(t.params) + len(t.user_attrs)
    return "-".join(map(str, (len(trials), *counts.values(), growth)))


class DashboardData:
    """Read-only views of the studies in ``storage``, safe to use from several threads."""

    def __init__(self, storage: "BaseStorage") -> None:
        self._storage = storage
        self._lock = threading.Lock()
        # One read of the storage at a time: requests that arrive together (the page's, the warm-up's)
        # then find the trials the first one read in the storage's cache instead of all reading them.
        self._read_lock = threading.Lock()
        self._studies: dict[str, Study] = {}
        self._snapshots: dict[str, _Snapshot] = {}

    # --- reading -------------------------------------------------------------------------
    def _study(self, name: str) -> "Study":
        import parzen

        with self._lock:
            study = self._studies.get(name)
        if study is None:
            try:
                study = parzen.load_study(name, storage=self._storage)
            except StudyNotFoundError:
                raise UnknownStudy(name) from None
            with self._lock:
                self._studies[name] = study
        return study

    def _snapshot(self, name: str) -> tuple["Study", _Snapshot]:
        """The study and its trials as they are now; the cached snapshot when nothing changed."""
        study = self._study(name)
        try:
            with self._read_lock:
                trials = study.trials
        except StudyNotFoundError:  # deleted since it was opened, perhaps made again under the same name
            with self._lock:
                self._studies.pop(name, None)
                self._snapshots.pop(name, None)
            study = self._study(name)
            try:
                with self._read_lock:
                    trials = study.trials
            except StudyNotFoundError:
                raise UnknownStudy(name) from None
        revision = revision_of(trials)
        with self._lock:
            snap = self._snapshots.get(name)
            if snap is None or snap.revision != revision:
                snap = self._snapshots[name] = _Snapshot(revision, trials)
        return study, snap

    # --- what the pages show ---------------------------------------------------------------
    def studies(self) -> list[dict[str, Any]]:
        """A summary of every study: name, directions, trial counts by state, best value, revision."""
        import parzen

        out = []
        for name in parzen.get_all_study_names(self._storage):
            try:
                study, snap = self._snapshot(name)
            except UnknownStudy:
                continue
            out.append({**_json_summary(study, snap), "revision": snap.revision})
        return out

    def study(self, name: str) -> dict[str, Any]:
        """One study's summary with the columns of its trials table and its revision."""
        study, snap = self._snapshot(name)
        return {**_json_summary(study, snap), "revision": snap.revision, "columns": self._columns(study, snap)}

    def revision(self, name: str) -> str:
        """The study's current revision (what the page polls)."""
        return self._snapshot(name)[1].revision

    def trials_page(self, name: str, *, offset: int = 0, limit: int = 50, sort: str = "number",
                    descending: bool = False, state: str | None = None, text: str = "") -> dict[str, Any]:
        """One page of the trials table, sorted by the column key ``sort`` and filtered.

        ``state`` keeps the trials in that state; ``text`` keeps those with a cell containing it
        (case-insensitive). Missing cells sort last whatever the order. Only the trials of the page
        are turned into JSON records.
        """
        if offset < 0:
            raise BadQuery(f"offset must be >= 0, got {offset}")
        if not 1 <= limit <= MAX_PAGE:
            raise BadQuery(f"limit must be in [1, {MAX_PAGE}], got {limit}")
        if state is not None and state not in STATES:
            raise BadQuery(f"state must be one of {', '.join(STATES)}, got {state!r}")
        study, snap = self._snapshot(name)
        keys = {c["key"] for c in self._columns(study, snap)}
        if sort not in keys:
            raise BadQuery(f"sort must be a column key ({', '.join(sorted(keys))}), got {sort!r}")
        indices: list[int] = list(range(len(snap.trials)))
        if state is not None:
            indices = [i for i in indices if snap.trials[i].state.name == state]
        needle = text.strip().lower()
        if needle:
            texts = self._texts(snap)
            indices = [i for i in indices if needle in texts[i]]
        if sort != "number" or descending:  # trials come in the order of their numbers
            cell = _cell_getter(sort)
            cells = [(i, cell(snap.trials[i])) for i in indices]
            present = [ic for ic in cells if ic[1] is not None]
            present.sort(key=lambda ic: _sort_key(ic[1]), reverse=descending)
            indices = [i for i, _ in present] + [i for i, v in cells if v is None]
        page = indices[offset:offset + limit]
        return {"total": len(snap.trials), "matched": len(indices), "offset": offset, "limit": limit,
                "revision": snap.revision, "trials": [trial_record(snap.trials[i]) for i in page]}

    def computed(self, name: str, key: str, build: Callable[["Study"], Any]) -> Any:
        """``build(study)`` for the study's current revision, computed once per revision and ``key``.

        Figures are what this caches: drawing one from 10,000 trials takes a while, and a page polls.
        """
        study, snap = self._snapshot(name)
        with self._lock:
            if key in snap.computed:
                return snap.computed[key]
        result = build(study)
        with self._lock:
            snap.computed[key] = result
        return result

    # --- helpers -------------------------------------------------------------------------
    def _columns(self, study: "Study", snap: _Snapshot) -> list[dict[str, str]]:
        columns = snap.computed.get("columns")
        if columns is None:
            columns = snap.computed["columns"] = _columns(study, snap.trials)
        return columns

    @staticmethod
    def _texts(snap: _Snapshot) -> list[str]:
        """What the text filter searches in each trial: its cells as lower-case text, made once per revision."""
        texts = snap.computed.get("texts")
        if texts is None:
            texts = snap.computed["texts"] = [_text(t) for t in snap.trials]
        return texts


def _json_summary(study: "Study", snap: _Snapshot) -> dict[str, Any]:
    summary = study_summary(study, snap.trials)
    summary["best"] = json_number(summary["best"])
    return summary


def _columns(study: "Study", trials: list[FrozenTrial]) -> list[dict[str, str]]:
    """The trials table's columns: key (what ``sort`` takes) and label, in display order."""
    params: dict[str, None] = {}
    attrs: dict[str, None] = {}
    for t in trials:
        params.update(dict.fromkeys(t.params))
        attrs.update(dict.fromkeys(t.user_attrs))
    values = (["value"] if study.n_objectives == 1 else [f"value {i}" for i in range(study.n_objectives)])
    return ([{"key": "number", "label": "#"}, {"key": "state", "label": "state"}]
            + [{"key": f"value:{i}", "label": label} for i, label in enumerate(values)]
            + [{"key": "duration", "label": "duration (s)"}]
            + [{"key": f"param:{n}", "label": n} for n in params]
            + [{"key": f"attr:{n}", "label": n} for n in attrs])


def _cell_getter(key: str) -> Callable[[FrozenTrial], Any]:
    """The value of the column ``key`` (see :func:`_columns`) in a trial; None where the trial has none."""
    group, _, name = key.partition(":")
    if group == "number":
        return lambda t: t.number
    if group == "state":
        return lambda t: t.state.name
    if group == "duration":
        return lambda t: None if t.duration is None else t.duration.total_seconds()
    if group == "value":
        i = int(name)
        return lambda t: t.values[i] if t.values is not None and len(t.values) > i else None
    if group == "param":
        return lambda t: t.params.get(name)
    return lambda t: t.user_attrs.get(name)


def _text(t: FrozenTrial) -> str:
    cells = [t.number, t.state.name, *(t.values or ()), *t.params.values(), *t.user_attrs.values()]
    return " ".join(str(v) for v in cells if v is not None).lower()


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers before text, each in its natural order (so a column mixing both still sorts)."""
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, (int, float)):
        return (0, value if value == value else float("inf"))
    return (1, str(value))
