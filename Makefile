# Targets of Sync Bridge. Run from the repository root.

# The project virtualenv (Python 3.12) with the test and local-runtime tools.
.venv/bin/python:
	PYENV_VERSION=3.12.1 python -m venv .venv 2>/dev/null || python3.12 -m venv .venv

# ---------------------------------------------------------------- foundation targets
# `make demo` and `make test` each build everything they need on a fresh machine.
PYTHON312_BIN := $(shell dirname "$$(PYENV_VERSION=3.12.1 pyenv which python 2>/dev/null || command -v python3.12)")
SAM := PATH="$(PYTHON312_BIN):$$PATH" .venv/bin/sam

.PHONY: venv demo serve test lint validate build chromium clean

# The virtualenv with every requirement, re-installed when a requirements file changes.
# constraints.txt pins exact versions (no resolver backtracking) and uv downloads and
# installs them in parallel: about a minute on a fresh machine instead of ten with pip.
UV_VERSION := 0.13.10
.venv/bin/uv: .venv/bin/python
	.venv/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: .venv/bin/uv requirements-dev.txt shared/requirements.txt layers/crypto/requirements.txt layers/integration/requirements.txt layers/numpy/requirements.txt layers/reports/requirements.txt constraints.txt
	@echo "installing the Python dependencies into .venv (versions pinned by constraints.txt)..."
	.venv/bin/uv pip install --python .venv/bin/python --compile-bytecode -c constraints.txt -r requirements-dev.txt
	.venv/bin/python -c 'import site,sys; open(site.getsitepackages()[0] + "/syncbridge-src.pth", "w").write("\n".join(sys.argv[1:]) + "\n")' "$(CURDIR)/shared" "$(CURDIR)/local" "$(CURDIR)"
	touch $@

venv: .venv/.installed

# Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests (apt-get; about 100 MB, a minute or two)..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
	    | grep --line-buffered -E '^(Get:|Setting up chromium|Need to get)'; \
	  command -v chromium >/dev/null && echo "chromium installed: $$(chromium --version 2>/dev/null)"; \
	fi

# Start the local runtime (moto, simulators, API, queues, schedules) and run the demo steps.
# DEMO_ARGS passes options through, e.g. make demo DEMO_ARGS=--keep-serving
# (The demo needs no browser; `make test` installs chromium for the browser tests.)
demo: venv
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

# Built sizes against Lambda's 250 MiB limit, and every handler imported from its artifacts.
.PHONY: sizes
sizes: build
	.venv/bin/python layers/sizes.py

# Local runtime load benchmark: ERP events from 16 concurrent clients, applied exactly once.
# BENCH_RUNTIME_ARGS passes options through, e.g. BENCH_RUNTIME_ARGS="--clients 10 --duration 30".
.PHONY: bench-runtime
bench-runtime: venv
	.venv/bin/python -m benchmarks.runtime_load $(BENCH_RUNTIME_ARGS)

# Type-check the domain package (ports, services, models): it must stay clean.
.PHONY: typecheck
typecheck: venv
	MYPYPATH=shared .venv/bin/mypy -p syncbridge.domain --python-version 3.12 \
	  --follow-imports=silent

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

# Latency of the pest-control report endpoints on the local runtime (after a month of history).
.PHONY: bench-insights
bench-insights: venv
	.venv/bin/python -m benchmarks.insights_latency $(BENCH_ARGS)

# Mutation testing (mutmut) of domain/{setup,sync,pest,connections} and the matcher's
# assignment and decision code, each against its fast unit tests only. Slow, so not in CI.
# MUTATION_ARGS picks packages (e.g. "setup pest"); MUTATION_JOBS=2 runs two mutants at once.
.PHONY: mutation
mutation: venv
	.venv/bin/python -m tests.mutation $(MUTATION_ARGS)
