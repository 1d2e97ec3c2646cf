"""Run one command in a fresh child process and measure its wall time and peak memory.

The peak resident set size comes from `os.wait4`, the kernel's own account of the child
(and of any process it reaped), so each run is measured on its own and the figure is the
same one `/usr/bin/time -v` prints. A watchdog thread enforces the per-run timeout and an
RSS cap (polled with psutil over the child's process tree), so a peer that would take
the machine down is stopped and reported as `timeout` or `oom` instead.

Linux starts a child's peak RSS at its parent's RSS at the moment of the fork, so a
harness holding a million ids would inflate every figure. `run_measured` therefore
goes through a small launcher process (`python -m benchmarks.measure`) that does the
measuring: the figure includes at most the launcher's own ~15 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import psutil

Status = Literal["ok", "error", "timeout", "oom"]
POLL_SECONDS = 0.2
STDERR_TAIL_CHARS = 2000


@dataclass(frozen=True)
class Measurement:
    status: Status
    returncode: int | None
    wall_seconds: float
    peak_rss_bytes: int
    stderr_tail: str


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def measure_directly(
    command: list[str],
    *,
    timeout_seconds: float,
    rss_cap_bytes: int | None,
    stderr_path: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Measurement:
    """Run `command`, wait for it, and say how long it took and how much memory it held."""
    stderr_path.parent.mkdir(parents=True, exist_ok=True)
    stopped_for: list[Status] = []
    finished = threading.Event()
    with stderr_path.open("wb") as stderr_file:
        started = time.perf_counter()
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stderr_file,
            stderr=stderr_file,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        watched = psutil.Process(child.pid)

        def watchdog() -> None:
            while not finished.wait(POLL_SECONDS):
                if time.perf_counter() - started > timeout_seconds:
                    stopped_for.append("timeout")
                elif rss_cap_bytes is not None and _tree_rss(watched) > rss_cap_bytes:
                    stopped_for.append("oom")
                else:
                    continue
                _kill_group(child.pid)
                return

        guard = threading.Thread(target=watchdog, daemon=True)
        guard.start()
        _, wait_status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        finished.set()
        guard.join()
        child.returncode = os.waitstatus_to_exitcode(wait_status)
    tail = stderr_path.read_text(errors="replace")[-STDERR_TAIL_CHARS:]
    status: Status
    if stopped_for:
        status = stopped_for[0]
    elif child.returncode == 0:
        status = "ok"
    elif child.returncode == -signal.SIGKILL or "MemoryError" in tail:
        status = "oom"  # killed by the kernel's OOM killer, or Python ran out
    else:
        status = "error"
    return Measurement(
        status=status,
        returncode=child.returncode,
        wall_seconds=wall,
        peak_rss_bytes=usage.ru_maxrss * 1024,
        stderr_tail=tail,
    )


def run_measured(
    command: list[str],
    *,
    timeout_seconds: float,
    rss_cap_bytes: int | None,
    stderr_path: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Measurement:
    """Measure `command` from a small launcher process, so the harness's own memory
    does not leak into the child's peak (see the module docstring)."""
    result_path = stderr_path.with_suffix(".measure.json")
    result_path.unlink(missing_ok=True)
    launcher = [
        sys.executable,
        "-m",
        "benchmarks.measure",
        "--timeout",
        str(timeout_seconds),
        "--stderr",
        str(stderr_path),
        "--result",
        str(result_path),
    ]
    if rss_cap_bytes is not None:
        launcher += ["--rss-cap", str(rss_cap_bytes)]
    launcher_env = dict(env if env is not None else os.environ)
    package_root = str(Path(__file__).resolve().parents[1])
    launcher_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_root, launcher_env.get("PYTHONPATH", "")) if p
    )
    subprocess.run(
        [*launcher, "--", *command],
        env=launcher_env,
        cwd=cwd,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if not result_path.exists():
        return Measurement("error", None, 0.0, 0, "measurement launcher failed")
    return Measurement(**json.loads(result_path.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure one command (used by the harness).")
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--rss-cap", type=int, default=None)
    parser.add_argument("--stderr", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    measurement = measure_directly(
        command,
        timeout_seconds=args.timeout,
        rss_cap_bytes=args.rss_cap,
        stderr_path=args.stderr,
    )
    args.result.write_text(json.dumps(asdict(measurement)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
