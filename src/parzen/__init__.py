"""parzen: find the best parameters of anything you can measure."""

from parzen import samplers
from parzen._lazy import lazy_exports as _lazy_exports
from parzen.exceptions import (
    DuplicatedStudyError,
    ParzenError,
    SearchSpaceExhausted,
    StorageError,
    StudyNotFoundError,
    TooManyFailures,
    TrialFinishedError,
    TrialPruned,
)
from parzen.execution.retry import RetryPolicy
from parzen.samplers import GridSampler, QMCSampler, RandomSampler
from parzen.space import Categorical, Condition, Float, Int
from parzen.study import Study, copy_study, create_study, delete_study, get_all_study_names, load_study
from parzen.trial import FrozenTrial, Trial, TrialState

__version__ = "0.1.0"

__all__ = [
    "Categorical", "Condition", "DuplicatedStudyError", "Float", "FrozenTrial", "GridSampler", "Int",
    "ParzenError", "QMCSampler", "RandomSampler", "RetryPolicy", "SearchSpaceExhausted", "StorageError", "Study",
    "StudyNotFoundError", "TooManyFailures", "Trial", "TrialFinishedError", "TrialPruned", "TrialState", "copy_study", "create_study", "delete_study",
    "get_all_study_names", "load_study", "TPESampler", "CmaEsSampler", "GPSampler", "NSGAIISampler", "AutoSampler",
]

# lazy: keeps scipy and cmaes out of `import parzen`
__getattr__, __dir__ = _lazy_exports(__name__, samplers._LAZY)
