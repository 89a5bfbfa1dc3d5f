"""Seed 003's examples are flat scripts: the per-trial limits must not start children that run them again.

Each test writes a real script and runs it with ``sys.executable``, as a user does.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from parzen.adaptive.spawn_check import _guarded, _refers_to_main

HEADER = """\
import os, time
from parzen.adaptive import AdaptiveHyperparameterOptimizer
print("top-level line", flush=True)
"""


def run_python(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


def run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    """Run ``HEADER + body`` as the flat script ``flat.py``."""
    script = tmp_path / "flat.py"
    script.write_text(HEADER + textwrap.dedent(body))
    return run_python(tmp_path, str(script))


def test_trial_timeout_in_a_flat_script_runs_trials_in_threads_and_says_so(tmp_path: Path) -> None:
    result = run_script(tmp_path, """
        def objective(params):
            time.sleep(params["s"])
            return params["s"]

        for s in (0.0, 60.0):
            optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=1, trial_timeout=0.5)
            optimizer.optimize(objective, {"s": ("categorical", [s])}, direction="maximize")
            print("state", s, optimizer.history()[0]["state"])
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("top-level line") == 1
    assert "state 0.0 COMPLETE\nstate 60.0 FAIL" in result.stdout  # the timeout still fails the trial
    assert "bootstrapping" not in result.stderr
    assert "`trial_timeout=0.5`: a trial that runs over fails, but its call is abandoned" in result.stderr
    assert "if __name__ == '__main__':" in result.stderr
    assert "flat.py:" in result.stderr  # the warning points at the user's optimize() line


def test_memory_limit_in_a_flat_script_runs_and_warns_it_is_not_enforced(tmp_path: Path) -> None:
    result = run_script(tmp_path, """
        def objective(params):
            return os.getpid()

        for option in ({"memory_limit": "8GB"}, {"max_memory_usage": "4GB"}, {"timeout_per_trial": 300}):
            optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=2, **option)
            _, best, _ = optimizer.optimize(objective, {"x": ("float", 0.0, 1.0)}, direction="maximize")
            print("in this process", best == os.getpid())
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("top-level line") == 1
    assert result.stdout.count("in this process True") == 3
    for named in ("`memory_limit='8GB'`: not enforced", "`max_memory_usage='4GB'`: not enforced",
                  "`timeout_per_trial=300`"):
        assert named in result.stderr
    assert "executor='process'" not in result.stderr


def test_a_guarded_script_still_runs_trials_in_child_processes(tmp_path: Path) -> None:
    result = run_script(tmp_path, """
        def objective(params):
            return os.getpid()

        if __name__ == "__main__":
            optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=2, memory_limit="8GB")
            _, best, _ = optimizer.optimize(objective, {"x": ("float", 0.0, 1.0)}, direction="maximize")
            print("in a child", best != os.getpid())
    """)
    assert result.returncode == 0, result.stderr
    assert "in a child True" in result.stdout
    assert "trials run in threads" not in result.stderr


def test_an_objective_defined_in_python_c_runs_in_threads_with_a_warning(tmp_path: Path) -> None:
    code = HEADER + textwrap.dedent("""
        def objective(params):
            return os.getpid()
        optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=2, trial_timeout=60)
        _, best, _ = optimizer.optimize(objective, {"x": ("float", 0.0, 1.0)}, direction="maximize")
        print("in this process", best == os.getpid())
    """)
    result = run_python(tmp_path, "-c", code)
    assert result.returncode == 0, result.stderr
    assert "in this process True" in result.stdout
    assert "defined in __main__" in result.stderr and "`trial_timeout=60`" in result.stderr


@pytest.mark.parametrize(("source", "line", "guarded"), [
    ("x = 1\nif __name__ == '__main__':\n    run()\n", 3, True),
    ("x = 1\nif '__main__' == __name__:\n    run()\n", 3, True),
    ("run()\nif __name__ == '__main__':\n    pass\n", 1, False),
    ("if __name__ == '__main__':\n    pass\nelse:\n    run()\n", 4, False),
    ("try:\n    if __name__ == '__main__':\n        run(1,\n            2)\nexcept E:\n    pass\n", 4, True),
    ("if __name__ != '__main__':\n    run()\n", 2, False),
])
def test_the_guard_is_found_where_the_running_line_is(source: str, line: int, guarded: bool) -> None:
    assert _guarded(ast.parse(source), line) is guarded


def main_function() -> int:
    return 1


def test_a_pickle_that_names_main_is_recognised(monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    assert not _refers_to_main(pickle.dumps(main_function))  # a function of an importable module
    monkeypatch.setattr(main_function, "__module__", "__main__")
    monkeypatch.setattr(sys.modules["__main__"], "main_function", main_function, raising=False)
    for protocol in (0, pickle.HIGHEST_PROTOCOL):
        assert _refers_to_main(pickle.dumps(main_function, protocol=protocol))


def test_under_pytest_an_importable_objective_can_go_to_child_processes() -> None:
    import pickle

    from parzen.adaptive.spawn_check import spawn_obstacle

    assert spawn_obstacle(pickle.dumps(main_function)) is None  # pytest's entry point guards its main
