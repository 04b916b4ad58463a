# The two commands a new user needs: `make demo` and `make test`. Both set themselves up.
VENV ?= .venv
PY := $(VENV)/bin/python
LINT_PATHS := src tests bench training
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test lint types unit system-deps services services-stop bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements/lock.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip uv
	$(VENV)/bin/uv pip install -q --python $(PY) -r requirements/lock.txt
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	touch $@

PORT ?= 8000
demo: setup
	$(VENV)/bin/atdesk demo --port $(PORT)

system-deps:
	scripts/system-deps

services: system-deps
	@scripts/test-services start

services-stop:
	scripts/test-services stop

lint: setup
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

types: setup
	$(VENV)/bin/mypy

unit: setup system-deps
	eval "$$(scripts/test-services start)" && $(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test: lint types unit

bench: setup
	$(PY) bench/bench_ingest.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts
