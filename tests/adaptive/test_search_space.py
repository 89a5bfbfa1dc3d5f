"""Seed 003's tuple-form spaces: parsed exactly, and every malformed tuple named."""

from __future__ import annotations

import pytest

import parzen
from parzen.adaptive.search_space import parse_space, to_tuple_space


def test_every_form_of_the_seed_parses_to_the_core_distribution() -> None:
    space = parse_space({
        "algorithm": ("categorical", ["svm", "random_forest"]),
        "C": ("float", 0.1, 10.0, "when", "algorithm", "svm"),
        "n_estimators": ("int", 10, 200, "when", "algorithm", "random_forest"),
        "learning_rate": ("float", 0.001, 0.1, "log"),
        "max_features": ("categorical", ["sqrt", "log2", None]),
        "classifier__max_depth": ("int", 3, 20),
    })
    assert space["C"] == parzen.Float(0.1, 10.0, when=("algorithm", "svm"))
    assert space["n_estimators"] == parzen.Int(10, 200, when=("algorithm", "random_forest"))
    assert space["learning_rate"] == parzen.Float(0.001, 0.1, log=True)
    assert space["max_features"] == parzen.Categorical(["sqrt", "log2", None])
    assert space["classifier__max_depth"] == parzen.Int(3, 20)
    assert parse_space(to_tuple_space(space)) == space  # the tuple form goes both ways


@pytest.mark.parametrize("spec, message", [
    (("float", 1.0), "expected ('float', low, high)"),
    (("floaty", 0, 1), "unknown kind 'floaty'"),
    (("int", 0.5, 3), "must be an integer"),
    (("float", "a", 1), "must be a number"),
    (("float", 1, 0), "must be <="),
    (("categorical", "abc"), "expected ('categorical', [choice, ...])"),
    (("float", 0, 1, "when", "algorithm"), "'when', parent, value"),
    (("float", 0, 1, "lin"), "expected ('float', low, high)"),
    ("float", "expected a tuple"),
])
def test_a_malformed_tuple_names_its_parameter(spec, message) -> None:
    with pytest.raises(ValueError, match="search_space\\['lr'\\]") as info:
        parse_space({"lr": spec})
    assert message in str(info.value)


def test_a_condition_on_an_unknown_parent_is_an_error() -> None:
    with pytest.raises(ValueError, match="`search_space`.*'kernel'"):
        parse_space({"C": ("float", 0.1, 1.0, "when", "kernel", "rbf")})
