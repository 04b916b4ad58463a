# The two commands a new user needs: `make demo` and `make test`. Both set themselves up.
VENV ?= .venv
PY := $(VENV)/bin/python
LINT_PATHS := src tests bench training scripts
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Byte-code is kept: some machines set PYTHONDONTWRITEBYTECODE, and then every process (each test
# worker, each command a test runs) compiles the whole stack again, 3-20 s a time on 2 cores.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup demo test test-dates test-week lint types unit system-deps services services-stop bench clean ci-processes

setup: $(VENV)/.installed

$(VENV)/.installed: requirements/lock.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip uv
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -r requirements/lock.txt
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
	$(VENV)/bin/lint-imports --no-cache

types: setup
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict scripts/import_graph.py scripts/ci_processes.py

unit: setup system-deps
	eval "$$(scripts/test-services start)" && $(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test: lint types unit

# A deployment's processes, each its own (web, two workers, PostgreSQL, Redis on ports of their
# own), and a live post through them to its case (docs/deployment.md; scripts/ci_processes.py).
ci-processes: setup system-deps
	VENV=$(VENV) scripts/ci-processes

# The date check: tests that touch dates, weekdays, hours and the demo, run again with the clock
# set far from today (CONTRIBUTING.md, "Time in tests"): a Saturday evening on the eve of the New
# York DST change, and 29 February early in the UTC morning (the evening before in New York).
DATE_TESTS ?= tests/integrations tests/triage/test_datetimes.py tests/cases/test_sla.py \
	tests/cases/test_calendar.py tests/automations/test_rescheduling.py \
	tests/automations/test_callbacks.py tests/automations/test_which_visit.py \
	tests/automations/test_visit_picker.py \
	tests/automations/test_web.py::test_rest_collections_and_the_feeds \
	tests/automations/test_web.py::test_the_customer_verifies_on_the_links_page_once \
	tests/automations/test_demo.py tests/surveys/test_sweep.py tests/surveys/test_demo.py \
	tests/lifecycle \
	tests/connectors/test_spend.py tests/reports/test_measure.py tests/reports/test_formulas.py \
	tests/costs/test_periods.py tests/costs/test_summary.py tests/surveys/test_throttle.py \
	tests/surveys/test_loop.py tests/surveys/test_demo_loop.py
TEST_DATES ?= 2027-11-06T23:30:00 2028-02-29T05:30:00
test-dates: setup system-deps
	eval "$$(scripts/test-services start)" && for when in $(TEST_DATES); do \
	  echo "== the date check with the clock at $$when UTC"; \
	  scripts/at-date "$$when" $(VENV)/bin/pytest -q -n 2 --dist loadgroup -m "not browser" \
	    -p no:cacheprovider $(DATE_TESTS) || exit 1; \
	done

# The whole suite, browser tests too, on seven consecutive days at rotating hours (the last is the
# New York spring DST change, 07:40 UTC is just after it) and on 29 February 2028: about 10 min
# a date on 2 cores, so by hand or before a release, not in CI. The clock starts at each moment.
WEEK_DATES ?= 2027-03-08T05:40:00 2027-03-09T12:10:00 2027-03-10T21:50:00 2027-03-11T06:20:00 \
	2027-03-12T13:30:00 2027-03-13T23:40:00 2027-03-14T07:40:00 2028-02-29T16:00:00
test-week: setup system-deps
	eval "$$(scripts/test-services start)" && for when in $(WEEK_DATES); do \
	  echo "== the whole suite with the clock at $$when UTC"; \
	  scripts/at-date "$$when" $(VENV)/bin/pytest -q -n 2 --dist loadgroup \
	    -p no:cacheprovider $(PYTEST_ARGS) || exit 1; \
	done

bench: setup
	$(PY) bench/bench_ingest.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts
