"""What the dashboard serves, computed from a storage it only reads: summaries, trial pages and plots.

Nothing here knows about HTTP. A study is read through the public API (``parzen.load_study`` and
``Study.trials``); the SQL storage caches finished trials, so reading a running study again costs
only its new and unfinished trials. Each study has a *revision*, a short string that changes
whenever a trial is added, finishes or reports an intermediate value; the page polls it and fetches
the table and the plots again only when it changed. Flattened rows and plot figures are cached per
revision, so paging through 10,000 trials does not flatten them again.
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
    rows: list[dict[str, Any]] | None = None
    computed: dict[str, Any] = field(default_factory=dict)


def revision_of(trials: list[FrozenTrial]) -> str:
    """A string that changes when a trial is added, changes state or reports a new intermediate value."""
    counts = dict.fromkeys(STATES, 0)
    steps = 0
    for t in trials:
        counts[t.state.name] += 1
        if not t.state.is_finished():
            steps += len(t.intermediate_values)
    return "-".join(map(str, (len(trials), *counts.values(), steps)))


class DashboardData:
    """Read-only views of the studies in ``storage``, safe to use from several threads."""

    def __init__(self, storage: "BaseStorage") -> None:
        self._storage = storage
        self._lock = threading.Lock()
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
            trials = study.trials
        except StudyNotFoundError:  # deleted since it was opened
            with self._lock:
                self._studies.pop(name, None)
                self._snapshots.pop(name, None)
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
        return {**_json_summary(study, snap), "revision": snap.revision, "columns": _columns(study, snap.trials)}

    def revision(self, name: str) -> str:
        """The study's current revision (what the page polls)."""
        return self._snapshot(name)[1].revision

    def trials_page(self, name: str, *, offset: int = 0, limit: int = 50, sort: str = "number",
                    descending: bool = False, state: str | None = None, text: str = "") -> dict[str, Any]:
        """One page of the trials table, sorted by the column key ``sort`` and filtered.

        ``state`` keeps the trials in that state; ``text`` keeps those with a cell containing it
        (case-insensitive). Missing cells sort last whatever the order.
        """
        if offset < 0:
            raise BadQuery(f"offset must be >= 0, got {offset}")
        if not 1 <= limit <= MAX_PAGE:
            raise BadQuery(f"limit must be in [1, {MAX_PAGE}], got {limit}")
        if state is not None and state not in STATES:
            raise BadQuery(f"state must be one of {', '.join(STATES)}, got {state!r}")
        study, snap = self._snapshot(name)
        rows = self._rows(snap)
        keys = {c["key"] for c in _columns(study, snap.trials)}
        if sort not in keys:
            raise BadQuery(f"sort must be a column key ({', '.join(sorted(keys))}), got {sort!r}")
        if state is not None:
            rows = [r for r in rows if r["record"]["state"] == state]
        needle = text.strip().lower()
        if needle:
            rows = [r for r in rows if needle in r["text"]]
        present = [r for r in rows if r["cells"].get(sort) is not None]
        missing = [r for r in rows if r["cells"].get(sort) is None]
        present.sort(key=lambda r: _sort_key(r["cells"][sort]), reverse=descending)
        ordered = present + missing
        return {"total": len(snap.trials), "matched": len(ordered), "offset": offset, "limit": limit,
                "revision": snap.revision, "trials": [r["record"] for r in ordered[offset:offset + limit]]}

    def all_trials(self, name: str) -> dict[str, Any]:
        """Every trial of the study as JSON-ready records (what plots built in the page need)."""
        _, snap = self._snapshot(name)
        return {"revision": snap.revision, "trials": [r["record"] for r in self._rows(snap)]}

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
    def _rows(self, snap: _Snapshot) -> list[dict[str, Any]]:
        """The snapshot's trials flattened once: the JSON record, sortable cells and the text searched."""
        rows = snap.rows
        if rows is None:
            rows = [_row(t) for t in snap.trials]
            snap.rows = rows
        return rows


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


def _row(t: FrozenTrial) -> dict[str, Any]:
    record = trial_record(t)
    cells: dict[str, Any] = {"number": t.number, "state": t.state.name, "duration": record["duration_s"]}
    for i, v in enumerate(t.values or ()):
        cells[f"value:{i}"] = v
    cells.update((f"param:{n}", v) for n, v in t.params.items())
    cells.update((f"attr:{n}", v) for n, v in t.user_attrs.items())
    text = " ".join(str(v) for v in cells.values() if v is not None).lower()
    return {"record": record, "cells": cells, "text": text}


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers before text, each in its natural order (so a column mixing both still sorts)."""
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, (int, float)):
        return (0, value if value == value else float("inf"))
    return (1, str(value))
