"""How fast the dashboard opens a large study: server response times and a real browser's load times.

    python benchmarks/dashboard.py --trials 10000 [--db /tmp/parzen_dashboard_bench.db] [--no-browser]

Builds (once, then reuses) an SQLite study of ``--trials`` trials: 9 parameters (6 floats, a
log-scaled float, an int, a categorical), 2% FAIL, 3% PRUNED, intermediate values on every 10th
trial and a user attribute on each. Then starts the real ``parzen dashboard`` in its own process and
measures, in this order:

* the server's answer times, cold (the first request after the start reads every trial) and warm
  (the median of 5 more): study list, study summary, first table page, a sorted and filtered page,
  the plot list, and each plot;
* a fresh server opened by headless Chromium at the study's address: time until the first table row
  shows (the study is open), until the history plot is drawn, until every plot is drawn; then the
  same on a second visit (the server's caches are warm);
* on a copy of the study, open in the browser: how long a newly told trial takes to show in the table.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
STUDY = "bench"


def build_study(path: Path, n_trials: int) -> str:
    """The SQLite study of ``n_trials`` trials at ``path``, built through the public API if not there yet."""
    import numpy as np

    import parzen
    from parzen import Categorical, Float, Int, TrialState

    url = f"sqlite:///{path}"
    if path.exists():
        if len(parzen.load_study(STUDY, storage=url).trials) == n_trials:
            return url
        path.unlink()
    space = {f"x{i}": Float(-5.0, 5.0) for i in range(6)}
    space.update(lr=Float(1e-5, 1e-1, log=True), units=Int(8, 512), act=Categorical(["relu", "gelu", "tanh"]))
    study = parzen.create_study(storage=url, study_name=STUDY, sampler=parzen.RandomSampler(seed=0))
    rng = np.random.default_rng(0)
    for i in range(n_trials):
        trial = study.ask(space)
        trial.set_user_attr("fold", i % 5)
        value = sum(trial.params[f"x{j}"] ** 2 for j in range(6)) + abs(np.log10(trial.params["lr"]) + 3)
        if i % 10 == 0:
            for step in range(5):
                trial.report(value * (1 + 1 / (step + 1)), step)
        draw = rng.random()
        if draw < 0.02:
            study.tell(trial, state=TrialState.FAIL, fail_reason="diverged")
        elif draw < 0.05:
            study.tell(trial, state=TrialState.PRUNED)
        else:
            study.tell(trial, value)
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(url: str) -> tuple[subprocess.Popen[str], str]:
    """The real ``parzen dashboard`` in its own process, once it answers."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "parzen.cli", "dashboard", "--storage", url, "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            httpx.get(base + "/static/style.css", timeout=5)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.05)


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)


def timed(http: httpx.Client, path: str) -> float:
    start_s = time.perf_counter()
    response = http.get(path)
    elapsed = time.perf_counter() - start_s
    response.raise_for_status()
    return elapsed


def server_times(url: str) -> list[tuple[str, float, float]]:
    """(request, cold seconds, warm median seconds) for each request the study page makes."""
    proc, base = start(url)
    rows = []
    try:
        with httpx.Client(base_url=base, timeout=120) as http:
            study = f"/api/studies/{STUDY}"
            paths = ["/api/studies", study, study + "/trials?offset=0&limit=50",
                     study + "/trials?offset=100&limit=50&sort=value:0&order=desc&q=gelu", study + "/plots"]
            cold = {p: timed(http, p) for p in paths}
            plots = [p["id"] for p in http.get(study + "/plots").json()["plots"]]
            for plot in plots:
                cold[f"{study}/plots/{plot}"] = timed(http, f"{study}/plots/{plot}")
            for path, first in cold.items():
                warm = statistics.median(timed(http, path) for _ in range(5))
                rows.append((path, first, warm))
    finally:
        stop(proc)
    return rows


def browser_times(url: str) -> list[tuple[str, float, float]]:
    """(milestone, first visit seconds, second visit seconds) of Chromium opening the study page."""
    from playwright.sync_api import sync_playwright

    proc, base = start(url)
    visits = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            for _ in range(2):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                start_s = time.perf_counter()
                page.goto(f"{base}/#/study/{STUDY}")
                page.wait_for_selector("tr.trial-row", timeout=120_000)
                table = time.perf_counter() - start_s
                page.wait_for_selector("#plot-history[data-revision]", timeout=300_000)
                history = time.perf_counter() - start_s
                for card in page.locator("#plots .plot-card").all():  # the page draws the plots on screen
                    card.scroll_into_view_if_needed()
                    card.locator(".plot[data-revision]").wait_for(state="attached", timeout=300_000)
                every = time.perf_counter() - start_s
                visits.append((table, history, every))
                page.close()
            browser.close()
    finally:
        stop(proc)
    names = ["first table row shown (study open)", "history plot drawn", "every plot drawn (scrolled into view)"]
    return [(name, visits[0][i], visits[1][i]) for i, name in enumerate(names)]


# Every plot on screen is drawn at the revision the page shows (``view`` is the page script's state).
ON_SCREEN_PLOTS_DRAWN = """() => [...document.querySelectorAll("#plots .plot-card")].every(
    card => !card.dataset.onScreen || card.querySelector(".plot").dataset.revision === view.revision)"""


def live_latency(url: str, n_new: int = 3) -> list[float]:
    """Seconds from telling a new trial (in this process) to its row showing in the open study page.

    Runs on a copy of the study, which it changes; the page is the fresh server's first visit. The
    first trial is told as soon as the history plot shows, while the page still draws the other plots
    on screen; the others once the page is idle.
    """
    import shutil
    import tempfile

    from playwright.sync_api import sync_playwright

    import parzen

    source = Path(url.removeprefix("sqlite:///"))
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("", "-wal"):  # committed trials may still wait in the write-ahead log
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{tmp}/copy.db{suffix}")
        copy = f"sqlite:///{tmp}/copy.db"
        writer = parzen.load_study(STUDY, storage=copy, sampler=parzen.RandomSampler(seed=1))
        proc, base = start(copy)
        latencies = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(f"{base}/#/study/{STUDY}")
                page.wait_for_selector("#plot-history[data-revision]", timeout=300_000)
                for i in range(1 + n_new):
                    if i > 0:  # the page redrew its plots for the last trial and is idle
                        page.wait_for_function(ON_SCREEN_PLOTS_DRAWN, timeout=300_000)
                    trial = writer.ask({"x0": parzen.Float(-5.0, 5.0)})
                    writer.tell(trial, 1.0)
                    told = time.perf_counter()
                    page.wait_for_selector(f"tr.trial-row[data-number='{trial.number}']", timeout=120_000)
                    latencies.append(time.perf_counter() - told)
                    time.sleep(1.0)
                browser.close()
        finally:
            stop(proc)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/parzen_dashboard_bench.db"))
    parser.add_argument("--no-browser", action="store_true", help="measure the server only")
    args = parser.parse_args()
    build_start = time.perf_counter()
    url = build_study(args.db, args.trials)
    print(f"study of {args.trials} trials ready in {time.perf_counter() - build_start:.1f} s ({args.db})")
    print("\n| request | cold (s) | warm, median of 5 (s) |\n|---|---:|---:|")
    for path, cold, warm in server_times(url):
        print(f"| `GET {path}` | {cold:.3f} | {warm:.3f} |")
    if not args.no_browser:
        print("\n| headless Chromium at the study page | fresh server (s) | second visit (s) |\n|---|---:|---:|")
        for name, first, second in browser_times(url):
            print(f"| {name} | {first:.2f} | {second:.2f} |")
        first, *idle = live_latency(url)
        print(f"\nA trial told by another writer showed in the open page after {first:.2f} s while the page "
              f"still drew its first plots, and after {', '.join(f'{s:.2f}' for s in idle)} s once it was idle")


if __name__ == "__main__":
    main()
