# The README's two commands: `make run` and `make test` (plus lint and bench).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package.json
	npm install --silent --no-audit --no-fund --no-package-lock --prefix tests/e2e
	touch $@

run: $(STAMP)
	$(BIN)/python -m devtools.run

test: $(STAMP) tests/e2e/node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) tests/e2e/node_modules instance .pytest_cache
