"""The rules of the count of finished trials kept from the statement that started a thread's trial."""

from __future__ import annotations

import threading

from parzen.storages._start_counts import StartCounts


def test_a_kept_count_answers_its_thread_and_study_only() -> None:
    counts = StartCounts(ttl=60.0)
    counts.keep(1, 5, counts.epoch(1))
    assert counts.finished(1) == 5
    assert counts.finished(2) is None
    seen: list[int | None] = []
    thread = threading.Thread(target=lambda: seen.append(counts.finished(1)))
    thread.start()
    thread.join()
    assert seen == [None]
    counts.keep(2, 7, counts.epoch(2))  # a thread keeps its latest count only
    assert (counts.finished(1), counts.finished(2)) == (None, 7)


def test_a_finish_during_the_statement_makes_its_count_unusable() -> None:
    counts = StartCounts(ttl=60.0)
    epoch = counts.epoch(1)  # taken before the statement
    counts.stale(1)  # another thread's finish commits while the statement runs
    counts.keep(1, 5, epoch)
    assert counts.finished(1) is None
    counts.keep(1, 6, counts.epoch(1))
    assert counts.finished(1) == 6
    counts.stale(2)  # another study's finish changes nothing here
    assert counts.finished(1) == 6
    counts.stale(1)
    assert counts.finished(1) is None


def test_a_count_older_than_the_ttl_is_not_served() -> None:
    counts = StartCounts(ttl=0.0)
    counts.keep(1, 5, counts.epoch(1))
    assert counts.finished(1) is None
