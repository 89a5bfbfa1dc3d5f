"""The plot gallery example writes every plot of its studies, as PNG and as offline HTML."""

from __future__ import annotations

import importlib.util
import pathlib

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "plot_gallery.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("plot_gallery", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gallery_writes_every_plot_of_a_single_objective_study(tmp_path, capsys) -> None:
    files = _load_example().main(["--out", str(tmp_path), "--trials", "14", "--studies", "training"])
    kinds = {"history", "importance", "parallel_coordinate", "slice", "contour", "edf", "intermediate_values",
             "timeline"}
    assert {f.name for f in files} == {f"{k}.{ext}" for k in kinds for ext in ("png", "html")}
    assert all(f.stat().st_size > 1000 for f in files)
    assert (tmp_path / "training" / "plotly.min.js").exists()
    assert "training: 8 matplotlib plots" in capsys.readouterr().out
    assert "(fANOVA)" in (tmp_path / "training" / "importance.html").read_text()


def test_gallery_multi_objective_studies_get_their_pareto_fronts(tmp_path) -> None:
    files = _load_example().main(["--out", str(tmp_path), "--trials", "12", "--backend", "plotly",
                                  "--studies", "trade_off", "three_objectives", "--importance", "ped-anova"])
    assert tmp_path / "trade_off" / "pareto_front.html" in files
    assert tmp_path / "three_objectives" / "pareto_front.html" in files
    assert tmp_path / "three_objectives" / "history_objective2.html" in files
    assert "(PED-ANOVA)" in (tmp_path / "trade_off" / "importance_objective0.html").read_text()
