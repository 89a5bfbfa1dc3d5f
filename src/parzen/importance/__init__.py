"""Parameter importance: which parameters decide the objective, from a study's finished trials.

``get_param_importances(study)`` scores each parameter with an evaluator: PED-ANOVA by default (no
extra needed), or ``FanovaImportanceEvaluator`` (functional ANOVA on a scikit-learn random forest).
Every parameter is measured on its unit encoding, so a log-scaled parameter counts in log space and
a categorical one by its choices. A conditional parameter is judged on the trials that hold it: trials
are grouped by the set of parameters they hold, each group is evaluated on its own, and a group's
scores are weighted by its share of the trials (a parameter active in a third of the trials can
decide at most that third of the outcomes). Inside a group, a parameter that only some of its trials
hold still informs the evaluator's model, at a stand-in value where absent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from parzen._checks import check_bool
from parzen.importance._base import ImportanceEvaluator
from parzen.importance._table import Target, check_params, check_target, param_columns, param_names, target_values
from parzen.importance.fanova import FanovaImportanceEvaluator
from parzen.importance.ped_anova import PedAnovaImportanceEvaluator
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study

STAND_IN = 0.0
"""Where a parameter a trial lacks sits in the unit encoding, so that a model can still separate those trials."""

__all__ = ["FanovaImportanceEvaluator", "ImportanceEvaluator", "PedAnovaImportanceEvaluator",
           "get_param_importances"]


def get_param_importances(study: "Study", *, evaluator: ImportanceEvaluator | None = None,
                          params: Sequence[str] | None = None, target: int | Target | None = None,
                          normalize: bool = True) -> dict[str, float]:
    """Importance of each parameter for one objective, most important first.

    ``target`` picks what to explain: None for the objective of a single-objective study, an
    objective's index for a study with several, or a function of a FrozenTrial (minimized, unless the
    study has one objective to maximize). ``params`` restricts the answer to these names (all
    parameters of the COMPLETE trials by default). With ``normalize`` the importances sum to 1 (all
    stay 0 when none matters); without it they are the evaluator's raw scores.

    Raises ValueError when the study has no COMPLETE trial or ``params`` names an unknown parameter.
    """
    if evaluator is None:
        evaluator = PedAnovaImportanceEvaluator()
    elif not isinstance(evaluator, ImportanceEvaluator):
        raise TypeError(f"`evaluator` must be a parzen.importance.ImportanceEvaluator, got {evaluator!r}")
    normalize = check_bool("normalize", normalize)
    fn, _, direction = check_target(study.directions, target)
    trials = study.get_trials(states=(TrialState.COMPLETE,))
    if not trials:
        raise ValueError(f"study {study.study_name!r} has no COMPLETE trial: importance needs finished trials")
    names = check_params(trials, params)
    y = target_values(trials, fn)
    if not np.isfinite(y).any():
        raise ValueError("`target` gives no finite value on the COMPLETE trials")
    loss = y if direction == "minimize" else -y
    columns = param_columns(trials, param_names(trials))
    scores = dict.fromkeys(names, 0.0)
    for group in _groups(columns, names):
        rows = columns[group[0]].present & np.isfinite(loss)
        if rows.sum() < 2:
            continue
        features = [n for n, c in columns.items() if c.present[rows].any()]
        x = np.column_stack([np.nan_to_num(columns[n].unit()[rows], nan=STAND_IN) for n in features])
        raw = evaluator.evaluate(x, [columns[n].n_cells for n in features],
                                 [columns[n].is_categorical for n in features], loss[rows],
                                 [features.index(n) for n in group])
        share = rows.sum() / np.isfinite(loss).sum()
        scores.update(zip(group, (float(s * share) for s in raw)))
    if normalize:
        total = sum(scores.values())
        if total > 0:
            scores = {n: float(s / total) for n, s in scores.items()}
    return dict(sorted(scores.items(), key=lambda kv: -kv[1]))


def _groups(columns: dict, names: Sequence[str]) -> list[list[str]]:
    """``names`` grouped by the exact set of trials that hold them."""
    groups: dict[bytes, list[str]] = {}
    for n in names:
        groups.setdefault(np.packbits(columns[n].present).tobytes(), []).append(n)
    return list(groups.values())
