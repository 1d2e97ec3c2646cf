# Targets of Sync Bridge. Run from the repository root.

# The project virtualenv (Python 3.12) with the test and local-runtime tools.
.venv/bin/python:
	PYENV_VERSION=3.12.1 python -m venv .venv 2>/dev/null || python3.12 -m venv .venv
	.venv/bin/pip install -r requirements-dev.txt

# ---------------------------------------------------------------- foundation targets
# `make demo` and `make test` each build everything they need on a fresh machine.
PYTHON312_BIN := $(shell dirname "$$(PYENV_VERSION=3.12.1 pyenv which python 2>/dev/null || command -v python3.12)")
SAM := PATH="$(PYTHON312_BIN):$$PATH" .venv/bin/sam

.PHONY: venv demo serve test lint validate build chromium clean

# The virtualenv with every requirement, re-installed when a requirements file changes.
.venv/.installed: .venv/bin/python requirements-dev.txt shared/requirements.txt layers/numpy/requirements.txt
	.venv/bin/pip install -q -r requirements-dev.txt
	.venv/bin/python -c 'import site,sys; open(site.getsitepackages()[0] + "/syncbridge-src.pth", "w").write("\n".join(sys.argv[1:]) + "\n")' "$(CURDIR)/shared" "$(CURDIR)/local" "$(CURDIR)"
	touch $@

venv: .venv/.installed

# Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# Start the local runtime (moto, simulators, API, queues, schedules) and run the demo steps.
# DEMO_ARGS passes options through, e.g. make demo DEMO_ARGS=--keep-serving
demo: venv chromium
	.venv/bin/python -m syncbridge_local demo $(DEMO_ARGS)

# Run the local runtime until Ctrl-C (prints `ready <url>`).
serve: venv
	.venv/bin/python -m syncbridge_local serve $(SERVE_ARGS)

# The whole test suite (exit code 5, "no tests collected", is not a failure).
test: venv chromium
	.venv/bin/pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then rc=0; fi; exit $$rc

lint: venv
	.venv/bin/ruff check .

validate: venv
	$(SAM) validate --lint

# Build every function and layer (needs python3.12 on PATH: pyenv's is used).
build: venv
	$(SAM) build

clean:
	rm -rf .aws-sam .pytest_cache .ruff_cache

# Matching benchmark: every case, ours beside the peers; rewrites the README section.
# BENCH_ARGS passes options through, e.g. make bench BENCH_ARGS="--cases brewery-drift".
.PHONY: bench bench-quick
bench: venv
	.venv/bin/pip install -q -r requirements-bench.txt
	.venv/bin/python -m benchmarks --readme $(BENCH_ARGS)

bench-quick: venv
	.venv/bin/pip install -q -r requirements-bench.txt
	.venv/bin/python -m benchmarks --quick $(BENCH_ARGS)

# The sync soak: 10,000 change events through the local runtime and the Ekos simulator
# (shuffled, duplicated, 5xx, crashes); SYNC_SOAK_EVENTS=N changes the size. `make test`
# runs the same test with 300 events (SYNC_SOAK_CI_EVENTS). Figures: .artifacts/sync-soak-<n>.json
.PHONY: test-sync-soak
test-sync-soak: venv
	SYNC_SOAK=1 .venv/bin/pytest -q -p no:cacheprovider -m soak tests/integration/sync/test_soak.py $(PYTEST_ARGS)
	@cat .artifacts/sync-soak-*.json

# The Odoo contract suite against a real Odoo 19 over JSON-2 and XML-RPC (README, "Pest
# control"): needs ODOO_REAL_URL and ODOO_REAL_API_KEY (ODOO_REAL_DB, ODOO_REAL_LOGIN
# optional); without them every case is skipped with the reason.
.PHONY: test-odoo-real
test-odoo-real: venv
	.venv/bin/pytest tests/contract/odoo -m odoo_real -rs -p no:cacheprovider $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then rc=0; fi; exit $$rc
