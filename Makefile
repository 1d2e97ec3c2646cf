# Targets of Sync Bridge. Run from the repository root.

# The project virtualenv (Python 3.12) with the test and local-runtime tools.
.venv/bin/python:
	PYENV_VERSION=3.12.1 python -m venv .venv 2>/dev/null || python3.12 -m venv .venv
	.venv/bin/pip install -r requirements-dev.txt

# Matching benchmark: every case, ours beside the peers; rewrites the README section.
# BENCH_ARGS passes options through, e.g. make bench BENCH_ARGS="--cases brewery-drift".
.PHONY: bench bench-quick
bench: .venv/bin/python
	.venv/bin/pip install -q -r requirements-bench.txt
	.venv/bin/python -m benchmarks --readme $(BENCH_ARGS)

bench-quick: .venv/bin/python
	.venv/bin/pip install -q -r requirements-bench.txt
	.venv/bin/python -m benchmarks --quick $(BENCH_ARGS)
