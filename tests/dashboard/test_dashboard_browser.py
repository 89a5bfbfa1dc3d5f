"""The dashboard in a real browser: headless Chromium, driven by playwright, against `parzen dashboard` in a process.

It finds the studies, opens one, reads the rendered history plot (points drawn in the SVG and the data
of plotly's graph div), sorts and filters the trials table, and sees a trial that another process adds
appear without a reload. Screenshots go to /tmp/reports/dashboard_*.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _dashboard_serving import ROOT, start_dashboard, stop
from playwright import sync_api as playwright

import parzen
from _sample_studies import N_QUAD_COMPLETE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path("/tmp/reports")
WAIT_MS = 30_000  # generous: the machine running the suite may be busy

# Another process adds one COMPLETE trial to "quad", as a worker of a running study would.
_ADD_TRIAL = textwrap.dedent("""
    import sys
    import parzen
    from _sample_studies import QUAD_SPACE
    study = parzen.load_study("quad", storage=sys.argv[1], sampler=parzen.RandomSampler(seed=5))
    trial = study.ask(QUAD_SPACE)
    study.tell(trial, -1.0)
    print(trial.number)
""")

_HISTORY_POINTS = """() => {
    const gd = document.getElementById("plot-history");
    const drawn = gd.querySelectorAll(".scatterlayer .trace:first-child .point").length;
    return {drawn: drawn, data: gd.data[0].x.length, revision: gd.dataset.revision};
}"""


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium (make test does)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _draw_every_plot(page) -> None:
    """Scroll each plot into view (the page draws only those on screen) and wait until it is drawn."""
    page.wait_for_selector("#plots .plot-card", timeout=WAIT_MS)
    for card in page.locator("#plots .plot-card").all():
        card.scroll_into_view_if_needed()
        card.locator(".plot[data-revision]").wait_for(state="attached", timeout=WAIT_MS)


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")  # the sticky header then sits at the top of the picture
    page.screenshot(path=str(SCREENSHOTS / f"dashboard_{name}.png"), full_page=True)


def test_studies_plots_table_and_live_updates(url, browser) -> None:
    proc, base = start_dashboard(url)
    errors: list[str] = []
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/")
        page.wait_for_selector("tr.study-row >> nth=1", timeout=WAIT_MS)
        names = page.locator("tr.study-row td:first-child").all_inner_texts()
        assert sorted(names) == ["front", "quad"]
        _screenshot(page, "list")

        page.get_by_role("link", name="quad", exact=True).click()
        page.wait_for_selector("#plot-history .scatterlayer .point", timeout=WAIT_MS)
        page.wait_for_selector("tr.trial-row", timeout=WAIT_MS)
        points = page.evaluate(_HISTORY_POINTS)
        assert points["drawn"] == points["data"] == N_QUAD_COMPLETE
        assert page.locator("tr.trial-row").count() == N_QUAD_COMPLETE + 3
        assert page.get_attribute("tr.trial-row:first-child", "data-number") == str(N_QUAD_COMPLETE + 2)  # newest
        _draw_every_plot(page)
        assert page.locator("#plot-intermediate_values .main-svg").count() > 0
        _screenshot(page, "study")

        # sorting by value puts the best trial first; the text filter keeps the rows that contain the text
        best = parzen.load_study("quad", storage=url).best_trial.number
        page.locator("th[data-key='value:0']").click()
        page.wait_for_selector(f"tr.trial-row:first-child[data-number='{best}']", timeout=WAIT_MS)
        page.fill("#text-filter", "sgd")
        page.wait_for_function("() => [...document.querySelectorAll('tr.trial-row')].every("
                               "r => r.textContent.includes('sgd'))", timeout=WAIT_MS)
        assert "of" in page.inner_text("#page-info")
        page.fill("#text-filter", "")
        page.locator("th[data-key='number']").click()

        # a trial told by another process appears without a reload
        page.evaluate("() => { window.notReloaded = true; }")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")])}
        added = subprocess.run([sys.executable, "-c", _ADD_TRIAL, url], env=env, capture_output=True, text=True,
                               timeout=120, check=True)
        number = int(added.stdout)
        page.wait_for_selector(f"tr.trial-row[data-number='{number}']", timeout=WAIT_MS)
        page.locator("#card-history").scroll_into_view_if_needed()  # off screen plots redraw once seen
        page.wait_for_function(f"() => document.getElementById('plot-history').data[0].x.length === "
                               f"{N_QUAD_COMPLETE + 1}", timeout=WAIT_MS)
        assert page.evaluate("() => window.notReloaded") is True
        assert page.inner_text(f"tr.trial-row[data-number='{number}'] td:nth-child(3)") == "-1"
        _draw_every_plot(page)
        _screenshot(page, "live")

        page.goto(base + "/#/study/front")
        page.wait_for_selector("#plot-pareto_front .scatterlayer .point", timeout=WAIT_MS)
        drawn = page.evaluate("() => document.querySelectorAll('#plot-pareto_front .scatterlayer .point').length")
        assert drawn == 8
        _draw_every_plot(page)
        _screenshot(page, "pareto")
    finally:
        stop(proc)
    assert errors == []
