# Two commands for a fresh machine:  `make run` (open the dashboard) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# Loopback only. Another address needs [auth] in secrets or DASHBOARD_ALLOW_UNAUTHENTICATED_NETWORK=1
# (dashboard/serve.py refuses otherwise; README "Deploy for a team").
ADDRESS ?= 127.0.0.1

.PHONY: run test setup setup-dev browser redis lint format bench sandbox

run: setup
	$(PY) -m dashboard.serve --server.port $(PORT) --server.address $(ADDRESS)

# Tests run on 3 pytest-xdist workers (about 2.5 min on 2 cores, 4 min serially); every browser
# test goes to one worker (xdist_group "browser"), so one server and one Chromium serve them all.
test: setup-dev browser redis
	$(PY) -m pytest -q -n 3 --dist loadgroup

setup: $(VENV)/.runtime-installed
setup-dev: $(VENV)/.dev-installed

$(VENV)/.runtime-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser:
	@bash scripts/ensure_chromium.sh

# The shared-store tests start their own Debian redis-server (issue 16).
redis:
	@bash scripts/ensure_redis.sh

# Static checks, one command a line (make stops at the first that fails): style, then the
# layer contracts ([tool.importlinter] in pyproject.toml). Type checking goes last, below them.
lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: setup-dev
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

sandbox: setup
	$(PY) -m braze_sandbox --port 8123

bench: setup-dev
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done
