"""`parzen plot`: every plot that applies, written by parzen.visualization.save_plots in the format asked."""

from __future__ import annotations

import pytest

import parzen
from _sample_studies import make_storage
from parzen.cli import main
from parzen.visualization import applicable_plots


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    return make_storage(tmp_path_factory.mktemp("plot") / "studies.db")


def _expected(url: str, study: str, suffix: str) -> set[str]:
    study_obj = parzen.load_study(study, storage=url)
    return {(kind if target is None else f"{kind}_objective{target}") + suffix
            for kind, target in applicable_plots(study_obj)}


def test_png_by_default(url, tmp_path, capsys) -> None:
    out = tmp_path / "plots"
    assert main(["plot", "--storage", url, "--study", "quad", "--out", str(out)]) == 0
    written = {p.name for p in out.iterdir()}
    assert written == _expected(url, "quad", ".png") and "history.png" in written
    assert all((out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in written)
    assert set(capsys.readouterr().out.split()) == {str(out / n) for n in written}


def test_svg_and_the_plots_of_each_objective(url, tmp_path) -> None:
    out = tmp_path / "front"
    assert main(["plot", "--storage", url, "--study", "front", "--out", str(out), "--format", "svg"]) == 0
    written = {p.name for p in out.iterdir()}
    assert written == _expected(url, "front", ".svg")
    assert {"pareto_front.svg", "history_objective0.svg", "history_objective1.svg"} <= written
    assert (out / "pareto_front.svg").read_text().lstrip().startswith("<?xml")


def test_plotly_html_works_offline(url, tmp_path) -> None:
    out = tmp_path / "html"
    assert main(["plot", "--storage", url, "--study", "quad", "--out", str(out), "--backend", "plotly"]) == 0
    pages = sorted(out.glob("*.html"))
    assert {p.name for p in pages} == _expected(url, "quad", ".html")
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    assert all("cdn.plot.ly" not in p.read_text() for p in pages)


def test_inline_js_puts_plotly_in_each_file(url, tmp_path) -> None:
    out = tmp_path / "inline"
    assert main(["plot", "--storage", url, "--study", "quad", "--out", str(out), "--backend", "plotly",
                 "--inline-js"]) == 0
    assert not (out / "plotly.min.js").exists()
    assert all(p.stat().st_size > 1_000_000 for p in out.glob("*.html"))


@pytest.mark.parametrize("extra, message", [
    (["--format", "html"], "--format html does not go with --backend matplotlib"),
    (["--backend", "plotly", "--format", "png"], "--format png does not go with --backend plotly"),
    (["--inline-js"], "--inline-js goes with --backend plotly"),
])
def test_formats_that_do_not_go_with_the_backend_are_usage_errors(url, tmp_path, capsys, extra, message) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["plot", "--storage", url, "--study", "quad", "--out", str(tmp_path / "x"), *extra])
    assert exc.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_a_study_without_trials(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    parzen.create_study(storage=url, study_name="new")
    assert main(["plot", "--storage", url, "--out", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "no plot applies to study 'new' yet" in out
