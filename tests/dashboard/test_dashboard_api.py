"""The dashboard's JSON API and static files, served by uvicorn over a real SQLite storage."""

from __future__ import annotations

import pytest
from _dashboard_serving import n_points

import parzen
from _sample_studies import N_QUAD_COMPLETE, QUAD_SPACE

N_QUAD = N_QUAD_COMPLETE + 3


def test_studies_summaries(client, url) -> None:
    studies = {s["name"]: s for s in client.get("/api/studies").json()["studies"]}
    quad = parzen.load_study("quad", storage=url)
    assert studies["quad"]["counts"] == {"COMPLETE": N_QUAD_COMPLETE, "PRUNED": 1, "FAIL": 1, "RUNNING": 1,
                                         "WAITING": 0}
    assert studies["quad"]["best"] == quad.best_value and studies["quad"]["best_number"] == quad.best_trial.number
    assert studies["front"]["directions"] == ["minimize", "minimize"]
    assert studies["front"]["n_pareto"] == len(parzen.load_study("front", storage=url).best_trials)


def test_study_columns(client) -> None:
    study = client.get("/api/studies/quad").json()
    keys = [c["key"] for c in study["columns"]]
    assert keys == ["number", "state", "value:0", "duration", "param:x", "param:n", "param:lr", "param:kind",
                    "attr:fold"]
    assert study["n_trials"] == N_QUAD


def test_trials_are_paged_on_the_server(client) -> None:
    page = client.get("/api/studies/quad/trials", params={"offset": 5, "limit": 4}).json()
    assert [t["number"] for t in page["trials"]] == [5, 6, 7, 8]
    assert page["total"] == page["matched"] == N_QUAD
    last = client.get("/api/studies/quad/trials", params={"offset": 12, "limit": 10}).json()
    assert [t["number"] for t in last["trials"]] == [12, 13, 14]


def test_trials_sort_by_value_with_missing_values_last(client, url) -> None:
    trials = parzen.load_study("quad", storage=url).trials
    with_value = sorted((t for t in trials if t.values), key=lambda t: t.values[0])
    asc = client.get("/api/studies/quad/trials", params={"sort": "value:0", "limit": 50}).json()["trials"]
    assert [t["number"] for t in asc] == [t.number for t in with_value] + [t.number for t in trials if not t.values]
    desc = client.get("/api/studies/quad/trials", params={"sort": "value:0", "order": "desc"}).json()["trials"]
    assert [t["number"] for t in desc][:len(with_value)] == [t.number for t in reversed(with_value)]
    by_kind = client.get("/api/studies/quad/trials", params={"sort": "param:kind"}).json()["trials"]
    kinds = [t["params"]["kind"] for t in by_kind]
    assert kinds == sorted(kinds)


def test_trials_filters(client, url) -> None:
    failed = client.get("/api/studies/quad/trials", params={"state": "FAIL"}).json()
    assert [t["state"] for t in failed["trials"]] == ["FAIL"] and failed["matched"] == 1
    assert failed["trials"][0]["fail_reason"] == "diverged"
    sgd = client.get("/api/studies/quad/trials", params={"q": "SGD"}).json()
    expected = [t.number for t in parzen.load_study("quad", storage=url).trials if t.params.get("kind") == "sgd"]
    assert [t["number"] for t in sgd["trials"]] == expected and sgd["total"] == N_QUAD


@pytest.mark.parametrize("params, message", [
    ({"limit": 0}, "limit must be in [1, 500]"), ({"limit": "many"}, "limit must be an integer"),
    ({"offset": -1}, "offset must be >= 0"), ({"sort": "param:nope"}, "sort must be a column key"),
    ({"order": "up"}, "order must be asc or desc"), ({"state": "DONE"}, "state must be one of"),
])
def test_bad_table_queries_are_400(client, params, message) -> None:
    response = client.get("/api/studies/quad/trials", params=params)
    assert response.status_code == 400 and message in response.json()["error"]


def test_unknown_study_is_404(client) -> None:
    for path in ("/api/studies/nope", "/api/studies/nope/trials", "/api/studies/nope/revision",
                 "/api/studies/nope/plots"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"] == "no study named 'nope'"


def test_plots_that_apply_and_their_figures(client) -> None:
    quad = [p["id"] for p in client.get("/api/studies/quad/plots").json()["plots"]]
    assert quad[:5] == ["history", "importance", "parallel_coordinate", "slice", "intermediate_values"]
    assert "pareto_front" not in quad
    history = client.get("/api/studies/quad/plots/history").json()["figure"]
    assert n_points(history["data"][0]) == n_points(history["data"][0], "y") == N_QUAD_COMPLETE
    front = [p["id"] for p in client.get("/api/studies/front/plots").json()["plots"]]
    assert "pareto_front" in front and "history-0" in front and "history-1" in front
    pareto = client.get("/api/studies/front/plots/pareto_front").json()["figure"]
    assert sum(n_points(trace) for trace in pareto["data"]) == 8
    assert client.get("/api/studies/quad/plots/pareto_front").status_code == 404
    assert "unknown plot" in client.get("/api/studies/quad/plots/pie").json()["error"]


def test_revision_changes_when_a_trial_is_added_or_finishes(client, url) -> None:
    before = client.get("/api/studies/quad/revision").json()["revision"]
    writer = parzen.load_study("quad", storage=url, sampler=parzen.RandomSampler(seed=0))
    trial = writer.ask(QUAD_SPACE)
    added = client.get("/api/studies/quad/revision").json()["revision"]
    writer.tell(trial, 0.5)
    finished = client.get("/api/studies/quad/revision").json()["revision"]
    assert len({before, added, finished}) == 3
    page = client.get("/api/studies/quad/trials", params={"sort": "number", "order": "desc", "limit": 1}).json()
    assert page["trials"][0]["number"] == N_QUAD and page["trials"][0]["values"] == [0.5]
    history = client.get("/api/studies/quad/plots/history").json()["figure"]
    assert n_points(history["data"][0]) == N_QUAD_COMPLETE + 1


def test_a_deleted_study_disappears_and_one_made_again_shows(client, url) -> None:
    assert client.get("/api/studies/front").status_code == 200
    parzen.delete_study("front", storage=url)
    assert [s["name"] for s in client.get("/api/studies").json()["studies"]] == ["quad"]
    assert client.get("/api/studies/front/trials").status_code == 404
    again = parzen.create_study(storage=url, study_name="front", direction="maximize")
    again.tell(again.ask(), 1.0)
    study = client.get("/api/studies/front").json()
    assert study["directions"] == ["maximize"] and study["n_trials"] == 1


def test_the_page_and_plotly_come_from_the_package(client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and '<script src="/static/app.js" defer></script>' in page.text
    assert "http" not in page.text.replace('name="viewport"', "")  # nothing fetched from elsewhere
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert len(js.content) > 1_000_000 and b"plotly" in js.content[:2000].lower()
    assert '"/static/plotly.min.js"' in client.get("/static/app.js").text
    assert client.get("/static/style.css").status_code == 200
