"""Retry policy: what is retried, how long it waits, and what is never retried."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from syncbridge.adapters.http_retry import RetryPolicy, retry_after_seconds, send_with_retry


class Script:
    """An httpx transport answering from a list of statuses (or exceptions)."""

    def __init__(self, *steps) -> None:
        self.steps = list(steps)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        status, headers = step if isinstance(step, tuple) else (step, {})
        return httpx.Response(status, headers=headers, json={})


def run(script: Script, *, idempotent: bool = True, attempts: int = 4):
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=attempts, base_delay=0.1, max_delay=1.0, sleep=sleeps.append)
    client = httpx.Client(transport=httpx.MockTransport(script))
    response = send_with_retry(
        client,
        lambda: client.build_request("POST", "http://erp.test/x"),
        policy,
        idempotent=idempotent,
    )
    return response, sleeps


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Mon, 23 Nov 2026 10:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 23 Nov 2026 09:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_429_waits_for_retry_after_capped_by_the_policy():
    response, sleeps = run(Script((429, {"Retry-After": "3"}), (429, {"Retry-After": "900"}), 200))
    assert response.status_code == 200
    assert sleeps == [3.0, 60.0]


def test_server_errors_back_off_then_return_the_last_response():
    script = Script(503, 502, 500, 504)
    response, sleeps = run(script)
    assert response.status_code == 504 and script.calls == 4
    assert len(sleeps) == 3 and all(0 < s <= 1.0 for s in sleeps)


def test_client_errors_are_never_retried():
    script = Script(404)
    response, sleeps = run(script)
    assert response.status_code == 404 and script.calls == 1 and sleeps == []


def test_a_non_idempotent_call_is_retried_only_when_it_never_reached_the_server():
    script = Script(httpx.ConnectError("refused"), 503, 502)
    response, _ = run(script, idempotent=False)
    assert response.status_code == 502 and script.calls == 3
    with pytest.raises(httpx.ReadTimeout):
        run(Script(httpx.ReadTimeout("slow")), idempotent=False)


def test_transport_errors_are_raised_after_the_last_attempt():
    script = Script(*[httpx.ConnectError("refused")] * 3)
    with pytest.raises(httpx.ConnectError):
        run(script, attempts=3)
    assert script.calls == 3
