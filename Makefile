# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/smops_bench

.PHONY: install run test bench lint migrate seed clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("smops needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the declared or locked dependencies change.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo
	@echo "smops is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@echo "Demo logins (password: $${SMOPS_DEMO_PASSWORD:-smops-demo}): admin, salesops, marketingops, manager, rep"
	@echo
	@# honcho gives each process its own PORT; the links in e-mails (rendered by the worker) need the web's.
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/honcho -f smops/Procfile -d . start -p $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m tests.bench.run $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var staticfiles
