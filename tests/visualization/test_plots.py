"""parzen.visualization: every plot kind on both back ends carries the study's data, and save_plots
writes the plots that apply (files non-empty, HTML offline)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import matplotlib
import numpy as np
import pytest

import parzen
from parzen import TrialState
from parzen.importance import FanovaImportanceEvaluator
from parzen.visualization import (
    applicable_plots,
    plot_contour,
    plot_edf,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_pareto_front,
    plot_slice,
    plot_timeline,
    plotly_json,
    save_plots,
)
from parzen.visualization._backend import save_figure

matplotlib.use("Agg")


def _objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    kind = trial.suggest_categorical("kind", ["relu", "gelu", "tanh"])
    if kind == "gelu":
        trial.suggest_float("alpha", 0, 1)
    for step in range(3):
        trial.report(x * x + step, step)
    return x * x + abs(np.log10(lr) + 3) + (kind == "tanh")


@pytest.fixture(scope="module")
def study() -> parzen.Study:
    """40 COMPLETE trials, one FAIL, one PRUNED and one still RUNNING (two trials overlap in time)."""
    s = parzen.create_study(sampler=parzen.RandomSampler(seed=0), study_name="plots")
    s.optimize(_objective, n_trials=40)
    s.tell(s.ask(), state=TrialState.FAIL)
    pruned = s.ask()
    pruned.suggest_float("x", -5, 5)
    pruned.report(30.0, 0)
    s.tell(pruned, state=TrialState.PRUNED)
    s.ask()  # left running
    return s


def _complete(study: parzen.Study) -> int:
    return len(study.get_trials(states=(TrialState.COMPLETE,)))


def test_history_shows_every_complete_trial_and_a_monotone_best_line(study) -> None:
    fig = plot_optimization_history(study)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == _complete(study)
    best = ax.lines[0].get_ydata()
    assert np.all(np.diff(best) <= 0) and best[-1] == pytest.approx(study.best_value)
    pfig = plot_optimization_history(study, backend="plotly")
    assert len(pfig.data[0].x) == _complete(study) and pfig.data[-1].name == "best so far"


def test_history_log_axis_auto_and_forced() -> None:
    s = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    s.optimize(lambda t: 10 ** t.suggest_float("e", -3, 3), n_trials=30)
    assert plot_optimization_history(s).axes[0].get_yscale() == "log"
    assert plot_optimization_history(s, log_y=False).axes[0].get_yscale() == "linear"
    assert plot_optimization_history(s, backend="plotly").layout.yaxis.type == "log"
    with pytest.raises(TypeError, match="`log_y`"):
        plot_optimization_history(s, log_y="yes")


def test_importance_bars_sum_to_one_most_important_on_top(study) -> None:
    ax = plot_param_importances(study).axes[0]
    widths = [p.get_width() for p in ax.patches]
    assert len(widths) == 4 and sum(widths) == pytest.approx(1.0)
    assert widths[-1] == max(widths)  # barh draws bottom-up: the last bar is the top one
    assert ax.get_title() == "Parameter importance for Objective value (PED-ANOVA)"
    pfig = plot_param_importances(study, backend="plotly", params=["x", "lr"])
    assert set(pfig.data[0].y) == {"x", "lr"}


def test_parallel_coordinate_has_one_polyline_per_trial_and_a_labelled_colour_bar(study) -> None:
    from parzen.visualization import parallel_coordinate as pc

    fig = plot_parallel_coordinate(study, params=["x", "lr", "kind"])
    ys = np.concatenate([line.get_ydata() for line in fig.axes[0].lines if line.get_gid() == "trials"])
    assert len(ys) == 5 * _complete(study)  # objective + 3 parameters + the NaN that ends each polyline
    assert np.isnan(ys[4::5]).all() and not np.isnan(ys.reshape(-1, 5)[:, :4]).any()
    assert fig.axes[1].get_ylabel().startswith("Objective value")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert {"relu", "gelu", "tanh"} <= set(labels) and "1e-05" in labels  # choices and log range by name
    pfig = plot_parallel_coordinate(study, backend="plotly")
    dims = pfig.data[0].dimensions
    alpha_trials = sum("alpha" in t.params for t in study.get_trials(states=(TrialState.COMPLETE,)))
    assert [d.label for d in dims] == ["Objective value", "x", "lr (log)", "kind", "alpha"]
    assert len(dims[0]["values"]) == _complete(study)  # trials lacking alpha cross its axis at "not set"
    assert sum(v == pc.NOT_SET for v in dims[4]["values"]) == _complete(study) - alpha_trials
    assert dims[4]["ticktext"][0] == "not set" and dims[3]["ticktext"][0] == "relu"


def test_parallel_coordinate_of_a_long_study_keeps_the_best_and_samples_the_rest() -> None:
    from parzen.visualization import parallel_coordinate as pc

    order = np.arange(30_000)  # best last
    shown = pc._thin(order)
    assert len(shown) == pc.MAX_LINES and np.all(np.diff(shown) > 0)
    assert set(order[-pc.MAX_LINES // 2:]) <= set(shown)  # the best half of the lines, all kept
    assert shown[0] == 0  # the rest sampled from its start to its end
    assert np.array_equal(pc._thin(order[:100]), order[:100])


def test_log_axes_of_parallel_coordinates_are_ticked_at_powers_of_ten() -> None:
    s = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    s.optimize(lambda t: t.suggest_int("width", 8, 512, log=True) + t.suggest_float("lr", 1e-5, 1e-1, log=True),
               n_trials=10)
    dims = plot_parallel_coordinate(s, backend="plotly").data[0].dimensions
    assert list(dims[1].ticktext) == ["8", "100", "512"]
    assert list(dims[2].ticktext) == ["1e-05", "0.0001", "0.001", "0.01", "0.1"]


def test_plotly_parallel_coordinates_slant_crowded_names_below_the_axes() -> None:
    short_names = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    short_names.optimize(lambda t: t.suggest_float("a", 0, 1) + t.suggest_float("b", 0, 1), n_trials=5)
    assert plot_parallel_coordinate(short_names, backend="plotly").data[0].labelside in (None, "top")
    names = [f"a_rather_long_parameter_name_{i}" for i in range(8)]
    crowded = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    crowded.optimize(lambda t: sum(t.suggest_float(n, 0, 1) for n in names), n_trials=5)
    fig = plot_parallel_coordinate(crowded, backend="plotly")
    assert fig.data[0].labelside == "bottom" and fig.data[0].labelangle != 0
    assert fig.layout.margin.b > 100 and [d.label for d in fig.data[0].dimensions][1:] == names


def test_slice_uses_log_axes_for_log_parameters_and_labels_for_categories(study) -> None:
    fig = plot_slice(study)
    axes = {ax.get_xlabel(): ax for ax in fig.axes if ax.get_xlabel()}
    assert axes["lr (log)"].get_xscale() == "log" and axes["x"].get_xscale() == "linear"
    assert [t.get_text() for t in axes["kind"].get_xticklabels()] == ["relu", "gelu", "tanh"]
    assert len(axes["alpha"].collections[0].get_offsets()) == sum(
        "alpha" in t.params for t in study.get_trials(states=(TrialState.COMPLETE,)))
    pfig = plot_slice(study, backend="plotly", params=["lr", "kind"])
    assert pfig.layout.xaxis.type == "log" and list(pfig.layout.xaxis2.ticktext) == ["relu", "gelu", "tanh"]
    assert len(pfig.data[0].x) == _complete(study)


def test_contour_of_a_pair_on_log_axes_with_the_trials_on_top(study) -> None:
    fig = plot_contour(study, params=["x", "lr"])
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "Objective value over x and lr"
    assert len(ax.collections[-1].get_offsets()) == _complete(study)
    assert fig.axes[1].get_ylabel().startswith("Objective value")
    pfig = plot_contour(study, backend="plotly", params=["kind", "x"])
    assert pfig.data[0].type == "contour" and len(pfig.data[1].x) == _complete(study)
    assert list(pfig.layout.xaxis.ticktext) == ["relu", "gelu", "tanh"]
    default = plot_contour(study).axes[0]
    assert default.get_xlabel() and default.get_ylabel()
    with pytest.raises(ValueError, match="exactly two"):
        plot_contour(study, params=["x"])


def test_contour_surface_is_the_linear_interpolation_of_scipy() -> None:
    from scipy.interpolate import griddata
    from scipy.spatial import Delaunay

    from parzen.visualization.contour import _linear

    rng = np.random.default_rng(0)
    points = rng.random((300, 2))
    values = np.sin(3 * points[:, 0]) + points[:, 1] ** 2
    g = np.linspace(0, 1, 50)
    ours = _linear(Delaunay(points), values, g)
    theirs = griddata(points, values, tuple(np.meshgrid(g, g)), method="linear")
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)) and np.isnan(ours).sum() > 0
    assert np.nanmax(np.abs(ours - theirs)) < 1e-12


def test_log_axes_are_labelled_at_few_powers_of_ten(study) -> None:
    from parzen.visualization._common import log_ticks

    assert log_ticks(1e-5, 1e-1, 6) == ([1e-5, 1e-4, 1e-3, 1e-2, 1e-1], [-5, -4, -3, -2, -1])
    assert log_ticks(1e-5, 1e-1, 3) == ([1e-5, 1e-3, 1e-1], [-5, -3, -1])
    assert log_ticks(2e-3, 8e-3, 3) == ([0.002, 0.004, 0.008], [None, None, None])  # no power of ten inside
    fig = plot_slice(study, params=["lr", "x"])
    ax = next(a for a in fig.axes if a.get_xlabel() == "lr (log)")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["$10^{-5}$", "$10^{-3}$", "$10^{-1}$"]
    assert not any(t.get_text() for t in ax.get_xticklabels(minor=True))
    pfig = plot_slice(study, backend="plotly", params=["lr"])
    assert list(pfig.layout.xaxis.ticktext) == ["10<sup>-5</sup>", "10<sup>-3</sup>", "10<sup>-1</sup>"]
    contour = plot_contour(study, params=["x", "lr"]).axes[0]
    assert len([t for t in contour.get_yticklabels() if t.get_text()]) == 5


def test_importance_leaves_room_for_the_labels_and_history_names_the_objective(study) -> None:
    fig = plot_param_importances(study)
    ax = fig.axes[0]
    assert ax.get_xlim()[1] >= 1.25 * max(p.get_width() for p in ax.patches)
    pfig = plot_param_importances(study, backend="plotly")
    assert pfig.data[0].cliponaxis is False and pfig.layout.xaxis.range[1] >= 1.25 * max(pfig.data[0].x)
    two = parzen.create_study(directions=["minimize", "maximize"], sampler=parzen.RandomSampler(seed=0))
    two.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=5)
    assert plot_optimization_history(two, target=1, target_name="accuracy").axes[0].get_title() == (
        "Optimization history of accuracy (maximize)")
    assert "of accuracy" in plot_optimization_history(two, target=1, target_name="accuracy",
                                                      backend="plotly").layout.title.text
    assert plot_edf(two, target=0, target_name="error").axes[0].get_title() == "Empirical distribution of error"


def test_contour_falls_back_to_nearest_values_when_the_trials_lie_on_a_line() -> None:
    s = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    s.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("fixed", 2, 2), n_trials=10)
    z = plot_contour(s, params=["x", "fixed"], backend="plotly").data[0].z
    assert np.isfinite(np.asarray(z, dtype=float)).all()  # nearest neighbour fills the grid


def test_intermediate_values_one_curve_per_reporting_trial_by_state(study) -> None:
    ax = plot_intermediate_values(study).axes[0]
    lines = [c for c in ax.collections if hasattr(c, "get_segments")]
    assert [len(c.get_segments()) for c in lines] == [40, 1]  # complete, pruned
    assert lines[1].get_segments()[0].tolist() == [[0.0, 30.0]]
    assert ax.collections[-1].get_offsets().tolist() == [[0.0, 30.0]]  # a single report shows as a dot
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["complete (40)", "pruned (1)"]
    pfig = plot_intermediate_values(study, backend="plotly")
    assert {t.name for t in pfig.data} == {"complete (40)", "pruned (1)"}
    with pytest.raises(ValueError, match="no intermediate values"):
        plot_intermediate_values(parzen.create_study())


def test_edf_one_curve_per_study_reaching_one(study) -> None:
    other = parzen.create_study(sampler=parzen.RandomSampler(seed=1), study_name="other")
    other.optimize(_objective, n_trials=10)
    ax = plot_edf([study, other]).axes[0]
    assert len(ax.lines) == 2 and ax.lines[0].get_ydata()[-1] == 1.0
    assert len(ax.lines[1].get_xdata()) == 10
    assert len(plot_edf(study, backend="plotly").data[0].x) == _complete(study)


def test_timeline_shows_every_started_trial_failures_and_overlap() -> None:
    s = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    a, b = s.ask(), s.ask()  # two at once
    s.tell(a, 1.0)
    s.tell(b, state=TrialState.FAIL)
    s.ask()
    fig = plot_timeline(s)
    ax = fig.axes[0]
    assert "3 trials, up to 2 at once" in ax.get_title() and ax.get_ylabel().startswith("Worker lane")
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"complete (1)", "fail (1)", "running (1, to now)"}
    pfig = plot_timeline(s, backend="plotly")
    assert sum(len(t.y) for t in pfig.data) == 3
    assert {int(t.customdata[0]) for t in pfig.data} == {0, 1, 2}


def test_timeline_packs_parallel_trials_into_lanes_and_scales_to_finished_trials() -> None:
    from parzen.visualization.timeline import _lanes, _most_at_once

    start, end = np.array([0.0, 0.0, 1.0, 2.0, 2.5]), np.array([2.0, 1.0, 3.0, 4.0, 3.0])
    lanes = _lanes(start, end)
    assert lanes.max() + 1 == _most_at_once(start, end) == 3  # 2.0-4.0, 2.5-3.0 and 1.0-3.0 overlap
    for k in set(lanes.tolist()):  # no two trials of a lane overlap
        spans = sorted(zip(start[lanes == k], end[lanes == k]))
        assert all(e <= b for (_, e), (b, _) in zip(spans, spans[1:]))
    assert np.array_equal(_lanes(np.arange(4.0), np.arange(4.0) + 1), np.zeros(4))  # one after another: one lane


def test_timeline_of_a_long_running_trial_is_scaled_to_the_finished_ones() -> None:
    s = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    a = s.ask()
    time.sleep(0.02)
    b = s.ask()  # overlaps a
    time.sleep(0.02)
    s.tell(a, 1.0)
    s.ask()  # starts after a ended: a's lane is free again; left running
    time.sleep(0.02)
    s.tell(b, 2.0)
    time.sleep(0.3)  # the running trial's bar reaches to now, far beyond the others
    trials = s.get_trials()
    origin = trials[0].datetime_start
    last = max((trials[1].datetime_complete - origin).total_seconds(), (trials[2].datetime_start - origin).total_seconds())
    ax = plot_timeline(s).axes[0]
    assert ax.get_xlim()[1] == pytest.approx(last * 1.03)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2"]  # two lanes for three trials
    assert plot_timeline(s, backend="plotly").layout.xaxis.range[1] == pytest.approx(last * 1.03)
    sequential = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    sequential.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    seq_ax = plot_timeline(sequential).axes[0]
    assert seq_ax.get_ylabel() == "Trial" and "up to 1 at once" in seq_ax.get_title()


def test_pareto_front_in_two_and_three_objectives() -> None:
    two = parzen.create_study(directions=["minimize", "maximize"], sampler=parzen.RandomSampler(seed=0))
    two.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1) * t.params["x"]), n_trials=30)
    ax = plot_pareto_front(two).axes[0]
    counts = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    assert counts[f"Pareto front ({len(two.best_trials)})"] == len(two.best_trials)
    assert sum(counts.values()) == 30
    three = parzen.create_study(directions=["minimize"] * 3, sampler=parzen.RandomSampler(seed=0))
    three.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1), t.suggest_float("c", 0, 1)),
                   n_trials=20)
    fig = plot_pareto_front(three, target_names=["cost", "error", "size"])
    assert fig.axes[0].name == "3d" and fig.axes[0].get_zlabel() == "size (minimize)"
    pfig = plot_pareto_front(three, backend="plotly")
    assert pfig.data[0].type == "scatter3d" and sum(len(t.x) for t in pfig.data) == 20
    assert pfig.layout.scene.camera.eye.x > 1.25  # further back than plotly's default: axis titles in the frame
    pair = plot_pareto_front(three, objectives=[0, 2], backend="plotly")
    assert pair.data[0].type == "scatter"
    with pytest.raises(ValueError, match="`objectives`"):
        plot_pareto_front(three, objectives=[0, 5])


def test_multi_objective_plots_need_a_target() -> None:
    s = parzen.create_study(directions=["minimize", "minimize"], sampler=parzen.RandomSampler(seed=0))
    s.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=10)
    with pytest.raises(ValueError, match="`target`"):
        plot_optimization_history(s)
    fig = plot_optimization_history(s, target=1, target_name="latency")
    assert fig.axes[0].get_ylabel() == "latency"
    fig = plot_optimization_history(s, target=lambda t: t.values[0] + t.values[1])
    assert fig.axes[0].get_ylabel() == "Target value"
    sums = [t.values[0] + t.values[1] for t in s.get_trials()]
    assert fig.axes[0].lines[0].get_ydata()[-1] == pytest.approx(min(sums))


def test_bad_backend_is_refused_by_name(study) -> None:
    with pytest.raises(ValueError, match="`backend`"):
        plot_slice(study, backend="bokeh")
    with pytest.raises(TypeError, match="`backend`"):
        plot_slice(study, backend=None)
    with pytest.raises(ValueError, match="COMPLETE"):
        plot_optimization_history(parzen.create_study())


def test_save_plots_writes_what_applies(study, tmp_path) -> None:
    files = save_plots(study, tmp_path / "png")
    names = {f.name for f in files}
    assert names == {"history.png", "importance.png", "parallel_coordinate.png", "slice.png", "contour.png",
                     "edf.png", "intermediate_values.png", "timeline.png"}  # no Pareto front: one objective
    for f in files:
        assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f.stat().st_size > 5000
    svg = save_plots(study, tmp_path / "svg", fmt="svg", evaluator=FanovaImportanceEvaluator(n_trees=8, seed=0))
    assert all(f.read_text().lstrip().startswith("<?xml") for f in svg)
    assert "(fANOVA)" in (tmp_path / "svg" / "importance.svg").read_text()


def test_save_plots_for_several_objectives_and_without_reports(tmp_path) -> None:
    s = parzen.create_study(directions=["minimize", "maximize"], sampler=parzen.RandomSampler(seed=0))
    s.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=12)
    files = save_plots(s, tmp_path, backend="plotly", fmt="json")
    names = {f.name for f in files}
    assert "pareto_front.json" in names and "history_objective1.json" in names
    assert "intermediate_values.json" not in names
    front = json.loads((tmp_path / "pareto_front.json").read_text())
    assert sum(len(trace["x"]) for trace in front["data"]) == 12
    assert ("pareto_front", None) in applicable_plots(s)


def test_plotly_html_works_offline(study, tmp_path) -> None:
    files = save_plots(study, tmp_path / "html", backend="plotly")
    assert (tmp_path / "html" / "plotly.min.js").stat().st_size > 1_000_000
    for f in files:
        html = f.read_text()
        assert 'src="plotly.min.js"' in html and not re.search(r"<script[^>]+src=.http", html)
    inline = save_figure(plot_edf(study, backend="plotly"), tmp_path / "edf.html", inline_js=True)
    html = inline.read_text()
    assert len(html) > 1_000_000 and "plotly.min.js" not in html and not re.search(r"<script[^>]+src=", html)
    with pytest.raises(ValueError, match="`fmt`"):
        save_plots(study, tmp_path, backend="plotly", fmt="png")


def test_plotly_json_for_the_dashboard(study) -> None:
    fig = plotly_json(study, "history")
    json.dumps(fig, allow_nan=False)  # plain JSON types, no NaN
    assert len(fig["data"][0]["x"]) == _complete(study) and isinstance(fig["data"][0]["y"][0], float)
    contour = plotly_json(study, "contour")
    assert None in contour["data"][0]["z"][0]  # outside the trials' hull: a gap, not NaN
    json.dumps(contour, allow_nan=False)
    with pytest.raises(ValueError, match="`kind`"):
        plotly_json(study, "heatmap")


def test_plots_read_any_storage(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    s = parzen.create_study(storage=url, study_name="sql", sampler=parzen.RandomSampler(seed=0))
    s.optimize(_objective, n_trials=12)
    loaded = parzen.load_study(study_name="sql", storage=url)
    assert len(plot_slice(loaded, backend="plotly").data) == 4
    assert len(plot_intermediate_values(loaded).axes[0].collections[0].get_segments()) == 12


def test_import_parzen_loads_no_plotting_library() -> None:
    code = ("import sys, parzen, parzen.visualization, parzen.importance; "
            "print([m for m in ('matplotlib', 'plotly', 'sklearn') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
