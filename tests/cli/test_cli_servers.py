"""The command on the server storages: real PostgreSQL and Redis, and servers that do not answer."""

from __future__ import annotations

import pytest

import parzen
from _servers import free_port
from parzen.cli import main


def _fill(url: str) -> float:
    study = parzen.create_study(storage=url, study_name="srv", sampler=parzen.RandomSampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("x", -2, 2) - 1) ** 2, n_trials=6)
    return study.best_value


@pytest.mark.parametrize("server", ["postgres_url", "redis_url"])
def test_studies_trials_and_best_on_a_server(server, request, capsys) -> None:
    url = request.getfixturevalue(server)
    best = _fill(url)
    assert main(["studies", "--storage", url]) == 0
    assert f"{best:.6g}" in capsys.readouterr().out
    assert main(["trials", "--storage", url]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2 + 6
    assert main(["best", "--storage", url, "--study", "srv"]) == 0
    assert f"value:  {best!r}" in capsys.readouterr().out


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:{port}/db", "redis://127.0.0.1:{port}/0"])
def test_a_server_that_does_not_answer_is_a_clear_error(url, capsys) -> None:
    url = url.format(port=free_port())
    assert main(["studies", "--storage", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("parzen studies: error: cannot open the storage") and "127.0.0.1" in err
