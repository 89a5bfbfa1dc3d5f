"""Hypothesis strategies shared by the sampler tests."""

from __future__ import annotations

from hypothesis import strategies as st

from parzen import Categorical, Float, Int


@st.composite
def distributions(draw: st.DrawFn):
    """Any valid parameter kind: float, log, stepped, int, log-int or categorical."""
    kind = draw(st.sampled_from(["float", "log", "step", "int", "intlog", "cat"]))
    if kind == "float":
        low = draw(st.floats(-1e6, 1e6))
        return Float(low, low + draw(st.floats(0, 1e6)))
    if kind == "log":
        low = draw(st.floats(1e-8, 1e4))
        return Float(low, low * draw(st.floats(1, 1e6)), log=True)
    if kind == "step":
        low, step = draw(st.integers(-1000, 1000)) / 8, draw(st.integers(1, 100)) / 4
        return Float(low, low + draw(st.integers(0, 50)) * step, step=step)
    if kind == "int":
        low, step = draw(st.integers(-10**6, 10**6)), draw(st.integers(1, 100))
        return Int(low, low + draw(st.integers(0, 1000)) * step, step=step)
    if kind == "intlog":
        low = draw(st.integers(1, 10**6))
        return Int(low, draw(st.integers(low, 10**7)), log=True)
    return Categorical(draw(st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3)),
                                     min_size=1, max_size=6, unique_by=lambda c: (type(c), c))))
