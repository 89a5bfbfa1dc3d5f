"""The GP's encoding of conditional parameters: which dimensions a point activates, and stand-ins."""

from __future__ import annotations

import numpy as np

from parzen import Categorical, Float, Int
from parzen.samplers.gp.conditions import INACTIVE_NUMBER, build_conditions

# numeric dims: x, depth, min_leaf; categorical dims: kind, split (the child is listed before its parent
# on purpose: rules must follow the nesting, not the order of the lists)
NUMERIC = [("x", Float(0.0, 1.0)), ("min_leaf", Int(1, 4, when=("split", "entropy"))),
           ("depth", Int(1, 4, when=("kind", "tree")))]
CATEGORICAL = [("split", Categorical(["gini", "entropy"], when=("depth", (3, 4)))),
               ("kind", Categorical(["linear", "tree"]))]


def _point(depth: int, kind: str, split: str = "gini", min_leaf: int = 1) -> tuple[list[float], list[int]]:
    num = [0.3, Int(1, 4).to_internal(min_leaf), Int(1, 4).to_internal(depth)]
    cat = [["gini", "entropy"].index(split), ["linear", "tree"].index(kind)]
    return num, cat


def test_active_follows_nested_conditions() -> None:
    conditions = build_conditions(NUMERIC, CATEGORICAL)
    rows = [_point(4, "tree", "entropy"), _point(4, "tree", "gini"), _point(2, "tree", "entropy"),
            _point(4, "linear", "entropy")]
    x_num = np.array([r[0] for r in rows])
    x_cat = np.array([r[1] for r in rows])
    act_num, act_cat = conditions.active(x_num, x_cat)
    # columns: x, min_leaf, depth | split, kind
    assert act_num.tolist() == [[True, True, True], [True, False, True], [True, False, True], [True, False, False]]
    assert act_cat.tolist() == [[True, True], [True, True], [False, True], [False, True]]


def test_canonical_sets_stand_ins_and_makes_reactivated_categories_real() -> None:
    conditions = build_conditions(NUMERIC, CATEGORICAL)
    num, cat = _point(1, "linear", "entropy", min_leaf=3)
    x_num, x_cat = conditions.canonical(np.array([num]), np.array([cat]))
    assert x_num[0].tolist() == [0.3, INACTIVE_NUMBER, INACTIVE_NUMBER]
    assert x_cat[0].tolist() == [2, 0]  # split takes its extra "absent" index; kind is untouched
    # The parent moves to "tree" with depth 4: split becomes active and leaves the stand-in for category 0.
    x_num[0, 2] = Int(1, 4).to_internal(4)
    x_cat[0, 1] = 1
    x_num, x_cat = conditions.canonical(x_num, x_cat)
    assert x_cat[0].tolist() == [0, 1]
    assert x_num[0, 1] == INACTIVE_NUMBER  # min_leaf needs split == "entropy"


def test_no_conditional_parameter_means_no_rule() -> None:
    conditions = build_conditions([("x", Float(0.0, 1.0))], [("c", Categorical(["a", "b"]))])
    assert not conditions.any
    x_num, x_cat = np.array([[0.25]]), np.array([[1]])
    assert conditions.canonical(x_num, x_cat)[0].tolist() == [[0.25]]
