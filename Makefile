# The README's two commands: `make run` and `make test` (plus lint and bench); `make help`.
# VERBOSE=1 shows every tool's own log (pip, alembic, the servers) instead of one line per step.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help run test test-fast screenshots lint bench clean translations catalogs
.DEFAULT_GOAL := help

$(STAMP): pyproject.toml
	@$(PYTHON) -m devtools.install $(VENV)
	@touch $(STAMP)

# The compiled catalogs (never committed): each language's messages.mo and the en_XA pseudo-locale.
I18N := engagement/translations
CATALOGS := $(patsubst %.po,%.mo,$(wildcard $(I18N)/*/LC_MESSAGES/messages.po))
CATALOGS := $(sort $(filter-out $(I18N)/en_XA/%,$(CATALOGS)) $(I18N)/en_XA/LC_MESSAGES/messages.mo)

$(CATALOGS) &: $(STAMP) $(I18N)/messages.pot $(filter-out $(I18N)/en_XA/%,$(wildcard $(I18N)/*/LC_MESSAGES/messages.po)) devtools/translations.py
	@$(BIN)/python -m devtools.translations build

tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package.json
	npm install --silent --no-audit --no-fund --no-package-lock --prefix tests/e2e
	touch $@

help: ## list the targets
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 18

run: $(STAMP) $(CATALOGS) ## serve the app with demo data, a mail sink and the Stripe emulator (PORT=5000)
	@$(BIN)/python -m devtools.run

test: $(STAMP) $(CATALOGS) tests/e2e/node_modules/axe-core/axe.min.js ## run the test suite (PYTEST_ARGS=...)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) $(CATALOGS) ## the tests without a browser, npm or the slow ones: the inner loop (PYTEST_ARGS=...)
	$(BIN)/python -m pytest -m "not e2e and not slow" -q $(PYTEST_ARGS)

screenshots: $(STAMP) $(CATALOGS) ## PNGs of every page (devtools/screenshots.py PAGES) at 1280x800 and 390x844 in docs/screenshots/, Ukrainian in docs/screenshots/uk/
	$(BIN)/python -m devtools.screenshots $(PAGES)

catalogs: $(CATALOGS) ## compile the message catalogs and en_XA (run, test and screenshots do it first)

translations: $(STAMP) ## extract the messages, update every catalog, write en_XA, compile (docs/translating.md)
	$(BIN)/python -m devtools.translations

lint: $(STAMP) ## ruff check and ruff format --check over the whole project, mypy against .mypy-baseline.txt
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m devtools.mypy_baseline

bench: $(STAMP) ## the benchmarks (docs/performance.md)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean: ## remove .venv, the browser tests' node_modules, instance/ and caches
	rm -rf $(VENV) tests/e2e/node_modules instance .pytest_cache
