"""The systems a case is run through: ours (the engine's CLI) and the peers.

Each is a command that follows the engine's file contract; the harness never imports
the engine. `ours` is only run when the engine's CLI exists.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from benchmarks.cases import REPO_ROOT, Case

ENGINE_MAIN = REPO_ROOT / "shared" / "syncbridge" / "matching" / "__main__.py"
MEMORY_LIMIT_MB = 3008


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True)
class System:
    key: str
    label: str
    module: str
    is_ours: bool = False
    is_peer: bool = False
    memory_limit_mb: int = MEMORY_LIMIT_MB  # ours only

    def command(self, case: Case, out: Path, stats: Path) -> list[str]:
        command = [
            sys.executable,
            "-m",
            self.module,
            "--internal",
            str(case.internal),
            "--external",
            str(case.external),
            "--profile",
            case.profile,
            "--out",
            str(out),
        ]
        if self.is_ours:
            command += ["--stats", str(stats), "--memory-limit-mb", str(self.memory_limit_mb)]
        return command


def ours() -> System:
    return System("ours", "ours (syncbridge.matching)", "syncbridge.matching", is_ours=True)


def baseline() -> System:
    return System(
        "baseline", "baseline: exact cleaned name (floor, not a peer)", "benchmarks.peers.baseline"
    )


def recordlinkage() -> System:
    return System(
        "recordlinkage",
        f"recordlinkage {_version('recordlinkage')}",
        "benchmarks.peers.recordlinkage_peer",
        is_peer=True,
    )


def splink() -> System:
    return System(
        "splink",
        f"splink {_version('splink')} + duckdb {_version('duckdb')}",
        "benchmarks.peers.splink_peer",
        is_peer=True,
    )


PEERS = {"recordlinkage": recordlinkage, "splink": splink}


def engine_present() -> bool:
    return ENGINE_MAIN.is_file()


def selected(skip_peers: bool, peers: list[str] | None = None) -> list[System]:
    systems = [ours()] if engine_present() else []
    systems.append(baseline())
    if not skip_peers:
        systems += [PEERS[name]() for name in (peers or list(PEERS))]
    return systems
