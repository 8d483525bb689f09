# Two entry points: `make run` (the default study) and `make test` (every test).
# Both create .venv with python3 and install into it; nothing else is needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STUDY ?= criteria/novosibirsk.yaml

.PHONY: run test lint bench chromium clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/siting run $(STUDY)

chromium:
	@command -v /usr/bin/chromium >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint: $(STAMP)
	$(BIN)/ruff check siting tests benchmarks
	$(BIN)/ruff format --check siting tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) chromium lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) out .pytest_cache
