"""Every Python block of the README runs, in order, and does what its text says."""

from __future__ import annotations

import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_quick_start_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = _python_blocks()
    assert len(blocks) >= 2
    namespace: dict = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    study = namespace["study"]
    assert (tmp_path / "parzen.db").exists()
    assert len(study.trials) == 100
    assert abs(study.best_params["x"] - 2) < 1.5
    assert study.best_params["kind"] == "a"
    for block in blocks[1:]:
        exec(compile(block, str(README), "exec"), namespace)
    told = study.trials[-1]
    assert told.value == 0.25
    assert ("alpha" in told.params) == (told.params["act"] == "gelu")
    # The later sections do what their text says.
    assert len(namespace["cluster_study"].trials) == 10  # evaluated on the Dask cluster
    assert (tmp_path / "history.png").stat().st_size > 0 and namespace["files"]
    assert namespace["optimizer"].search_space["x"][2] > 8.0 and namespace["best_score"] > -1.0
    assert namespace["result"].converged
    import mlflow

    client = mlflow.MlflowClient(tracking_uri="sqlite:///mlruns.db")  # the tracking block's mirror
    mirrored = client.get_run(namespace["mlflow_run"])
    assert mirrored.data.params == {"lr": "0.001"} and mirrored.info.status == "FINISHED"
    assert [m.value for m in client.get_metric_history(mirrored.info.run_id, "loss")] == [0.9, 0.5, 0.3]
