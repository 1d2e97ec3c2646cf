"""`python -m syncbridge_local serve` and `replay` as a person runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.local.conftest import TEST_TEMPLATE

pytestmark = pytest.mark.integration
REPO_ROOT = Path(__file__).resolve().parents[3]


def test_serve_prints_ready_answers_replays_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT / "shared"),
        "SYNCBRIDGE_LOCAL_STATE": str(tmp_path / "state.json"),
    }
    stderr_file = (tmp_path / "stderr.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "syncbridge_local",
            "serve",
            "--template",
            str(TEST_TEMPLATE),
            "--retry-delay",
            "0",
            "--no-simulators",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        text=True,
    )
    try:
        # Given the runtime started: exactly one line on stdout
        line = process.stdout.readline().strip()
        assert line.startswith("ready http://127.0.0.1:"), (tmp_path / "stderr.log").read_text()
        base_url = line.split(" ", 1)[1]
        # Then it answers HTTP
        assert httpx.get(f"{base_url}/echo/hi", timeout=10).status_code == 200
        # And a dead letter can be replayed through the CLI
        state = json.loads((tmp_path / "state.json").read_text())
        import boto3

        sqs = boto3.client(
            "sqs",
            endpoint_url=state["moto_url"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        sqs.send_message(
            QueueUrl=state["queues"]["WorkDLQ"]["url"], MessageBody='{"outcome": "ok"}'
        )
        replay = subprocess.run(
            [sys.executable, "-m", "syncbridge_local", "replay", "--queue", "WorkQueue"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert replay.returncode == 0, replay.stderr
        assert replay.stdout.strip() == "moved 1 message(s) from WorkDLQ to WorkQueue"
    finally:
        # When it gets SIGTERM it stops cleanly and prints nothing else on stdout
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        process.wait(timeout=20)
        stderr_file.close()
    assert process.returncode == 0
    assert time.monotonic() - started < 10
    assert process.stdout.read() == ""
    assert not (tmp_path / "state.json").exists()


def test_replay_without_a_running_runtime_says_so(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT / "shared"),
        "SYNCBRIDGE_LOCAL_STATE": str(tmp_path / "x.json"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "syncbridge_local", "replay", "--queue", "WorkQueue"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no running local runtime" in result.stderr
