"""Exceptions a user of parzen may catch."""


class ParzenError(Exception):
    """Base class of parzen's own errors."""


class TrialPruned(ParzenError):
    """Raised inside an objective to stop the trial early; it is stored as PRUNED."""


class FixedValueError(ParzenError, ValueError):
    """A value enqueued for a parameter does not fit the distribution the trial asks for it with.

    Raised by ``trial.suggest_*`` when the study learns the parameter's distribution only then;
    ``optimize`` fails that trial and goes on, whatever ``catch`` says: the next trials are not at fault.
    """


class DuplicatedStudyError(ParzenError):
    """A study with this name already exists in the storage."""


class StudyNotFoundError(ParzenError, KeyError):
    """No study with this name or id exists in the storage."""

    def __str__(self) -> str:
        return Exception.__str__(self)


class TrialFinishedError(ParzenError, RuntimeError):
    """The trial was already told (COMPLETE, PRUNED or FAIL) and cannot change."""


class SearchSpaceExhausted(ParzenError):
    """The sampler has no new point left (e.g. every grid point was taken)."""


class TooManyFailures(ParzenError):
    """``optimize(max_failures=N)`` stopped: N trials in a row failed."""


class StorageError(ParzenError):
    """A storage cannot be used: not parzen's database, unreadable, or unreachable for too long."""


class SchemaVersionError(StorageError):
    """The storage was written by an incompatible version of parzen's schema."""
