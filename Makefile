# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip

# Tune a scikit-learn model; the study is kept in parzen_demo.db, so a second run continues it.
demo: $(PY)
	$(PY) -m pip install -q -e '.[demo]'
	$(PY) examples/tune_sklearn.py --trials 30 --storage sqlite:///parzen_demo.db

# Install everything the tests need (Python extras; Debian's PostgreSQL, Redis and Chromium when
# missing), then lint, type-check and run the whole suite. The tests start their own throwaway
# PostgreSQL and Redis servers on loopback and stop them at the end.
test: $(PY)
	bash scripts/install_system_packages.sh
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m mypy
	$(PY) -m pytest -q

# Every benchmark against the peers (hours on 2 cores; figures in BENCHMARKS.md).
bench: $(PY)
	$(PY) -m pip install -q -e '.[test,bench]'
	$(PY) -m pip install -q torch==2.13.0
	$(PY) benchmarks/overhead.py
	$(PY) benchmarks/pruning.py
	$(PY) benchmarks/sample_efficiency.py --seeds 10 --budgets 50 200
	$(PY) benchmarks/multi_objective.py --seeds 10 --trials 100 300

clean:
	rm -rf $(VENV) parzen_demo.db parzen_demo.db-wal parzen_demo.db-shm
