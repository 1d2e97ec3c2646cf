"""Benchmark harness for the matching engine (`make bench`).

It calls the engine only through its command-line contract
(`python -m syncbridge.matching`, see `../shared/contracts/matching-cli.md`), runs the
peers (recordlinkage, Splink) on the same files, validates every output strictly and
scores it against the gold pairs.
"""
