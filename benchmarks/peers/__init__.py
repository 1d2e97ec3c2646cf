"""Peers the engine is measured against, each a command with the engine's file contract.

Every peer reads the same `--internal/--external/--profile` files and writes the same
JSON Lines output as `python -m syncbridge.matching`, so the harness validates and
scores all of them with one code path. Each peer runs in its own process.
"""
