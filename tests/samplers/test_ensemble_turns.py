"""EnsembleSampler's turns: the member of each new trial follows the largest-remainder rule over every
trial of the study that a member proposed (running, finished, failed, pruned; by any process), read
incrementally instead of from the whole study at each ask."""

from __future__ import annotations

import parzen
from parzen import Float, TrialState
from parzen.samplers import EnsembleSampler, RandomSampler, TPESampler
from parzen.samplers.ensemble import MEMBER_ATTR
from parzen.storages import InMemoryStorage
from parzen.testing import check_sampler

SHARES = (0.5, 0.3, 0.2)
SPACE = {"x": Float(0.0, 1.0)}


def _rule(study: parzen.Study) -> int:
    """The member the rule picks next, read from the whole study (what the sampler must agree with)."""
    counts = [0] * len(SHARES)
    for t in study.trials:
        member = t.system_attrs.get(MEMBER_ATTR)
        if member is not None:
            counts[member] += 1
    n = sum(counts) + 1
    return max(range(len(SHARES)), key=lambda i: (SHARES[i] * n - counts[i], -i))


def _ensemble(seed: int) -> EnsembleSampler:
    return EnsembleSampler([RandomSampler(seed=seed + i) for i in range(len(SHARES))], [5, 3, 2])


def _ask(study: parzen.Study) -> parzen.Trial:
    expected = _rule(study)
    trial = study.ask(SPACE)
    assert trial.system_attrs[MEMBER_ATTR] == expected, f"trial {trial.number}"
    return trial


def test_a_single_process_study_gets_the_same_members_as_the_rule_over_all_its_trials() -> None:
    """Running trials, every final state, and enqueued trials (which take a member when they start)."""
    study = parzen.create_study(sampler=_ensemble(0))
    running: list[parzen.Trial] = []
    for step in range(60):
        if step % 7 == 3:
            study.enqueue_trial({"x": 0.5})
        running.append(_ask(study))
        if step % 3 != 0:  # keep some trials running across later asks
            trial = running.pop(0)
            state = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)[trial.number % 3]
            study.tell(trial, trial.params["x"] if state == TrialState.COMPLETE else None, state=state)
    members = [t.system_attrs[MEMBER_ATTR] for t in study.trials]
    assert members == [0, 1, 2, 0, 0, 1, 0, 2, 1, 0] * 6  # recorded with the sampler that read every trial at each ask
    assert [t.state for t in study.trials].count(TrialState.RUNNING) == 20
    assert all(abs(members[:n].count(i) - share * n) <= 1 for n in range(1, 61) for i, share in enumerate(SHARES))


def test_two_study_objects_on_one_storage_count_each_others_trials(tmp_path) -> None:
    """Each object has its own sampler and storage connection, as two processes would."""
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    first = parzen.create_study(study_name="turns", storage=url, sampler=_ensemble(0))
    second = parzen.load_study("turns", storage=url, sampler=_ensemble(10))
    for step in range(30):
        study = (first, second, second, first, first)[step % 5]
        trial = _ask(study)
        if step % 4 != 1:
            study.tell(trial, trial.params["x"])
    members = [t.system_attrs[MEMBER_ATTR] for t in first.trials]
    assert all(abs(members.count(i) - share * 30) <= 1 for i, share in enumerate(SHARES))


def test_an_ensemble_passes_the_sampler_conformance_kit() -> None:
    """Reproducible, valid, threads and batches, changing spaces, ... with a model-based member."""
    check_sampler(lambda seed: EnsembleSampler([TPESampler(seed=seed, n_startup_trials=3), RandomSampler(seed=seed)],
                                               [2, 1]), n_trials=8)


class _ReadLog(InMemoryStorage):
    """The in-memory storage, noting which states each read of a study's trials asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[TrialState, ...] | None] = []

    def get_all_trials(self, study_id, states=None):
        self.reads.append(None if states is None else tuple(states))
        return super().get_all_trials(study_id, states)


def test_an_ask_reads_only_the_running_trials_once_the_finished_ones_are_counted() -> None:
    storage = _ReadLog()
    study = parzen.create_study(storage=storage, sampler=_ensemble(0))
    for _ in range(50):
        study.tell(study.ask(SPACE), 0.0)
    storage.reads.clear()
    for _ in range(20):
        study.tell(study.ask(SPACE), 0.0)
    assert set(storage.reads) == {(TrialState.RUNNING,)}
    assert [t.system_attrs[MEMBER_ATTR] for t in study.trials] == [0, 1, 2, 0, 0, 1, 0, 2, 1, 0] * 7
