"""The HTTP core every adapter uses: what is retried, how long it waits, what is never
retried, the one renew-after-401, and the status → error table."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from syncbridge.adapters.http import (
    Failure,
    HttpCore,
    RetryPolicy,
    StatusTable,
    retry_after_seconds,
)

NOW = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)


class Script:
    """An httpx transport answering from a list of statuses (or exceptions)."""

    def __init__(self, *steps) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    @property
    def calls(self) -> int:
        return len(self.requests)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        status, headers = step if isinstance(step, tuple) else (step, {})
        return httpx.Response(status, headers=headers, json={"status": status})


class Refused(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.what)
        self.failure = failure


class Busy(Refused):
    pass


class Gone(Refused):
    pass


TABLE = StatusTable(
    unreachable=Gone, statuses={404: Gone, 429: Busy, "5xx": Busy}, otherwise=Refused
)


class Tokens:
    """Hands out tok-1, then tok-2 once tok-1 was refused."""

    def __init__(self) -> None:
        self.n = 1
        self.refused: list[str] = []

    def get_access_token(self) -> str:
        return f"tok-{self.n}"

    def on_unauthorized(self, rejected: str) -> None:
        self.refused.append(rejected)
        self.n += 1


def core(script: Script, sleeps: list[float] | None = None, *, attempts: int = 4, tokens=None):
    sleeps = [] if sleeps is None else sleeps
    policy = RetryPolicy(
        attempts=attempts,
        base_delay=0.1,
        max_delay=1.0,
        sleep=sleeps.append,
        rng=random.Random(7),
    )
    http = httpx.Client(transport=httpx.MockTransport(script))
    return HttpCore(
        http, TABLE, name="erp", base_url="http://erp.test/", tokens=tokens, retry=policy
    )


# ------------------------------------------------------------------ Retry-After
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("Mon, 23 Nov 2026 10:00:30 GMT", 30.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Mon, 23 Nov 2026 09:00:00 GMT", 0.0),  # a past date means now
        ("-5", 0.0),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_accepts_seconds_and_http_dates(header, expected):
    assert retry_after_seconds(header, NOW) == expected


def test_429_and_503_wait_for_retry_after_capped_by_the_policy():
    sleeps: list[float] = []
    script = Script((429, {"Retry-After": "3"}), (503, {"Retry-After": "900"}), 200)
    response = core(script, sleeps).request("GET", "/x")
    assert response.status_code == 200
    assert sleeps == [3.0, 60.0]


def test_retry_after_on_another_status_is_not_a_wait_it_asked_for():
    sleeps: list[float] = []
    core(Script((500, {"Retry-After": "30"}), 200), sleeps).request("GET", "/x")
    assert len(sleeps) == 1 and 0.05 <= sleeps[0] <= 0.1


def test_server_errors_back_off_then_raise_the_tables_error():
    sleeps: list[float] = []
    script = Script(503, 502, 500, 504)
    with pytest.raises(Busy) as busy:
        core(script, sleeps).request("GET", "/things?page=2")
    assert script.calls == 4 and len(sleeps) == 3
    # each wait within [ceiling/2, ceiling] of 0.1, 0.2, 0.4
    for attempt, slept in enumerate(sleeps, start=1):
        ceiling = 0.1 * 2 ** (attempt - 1)
        assert ceiling / 2 <= slept <= ceiling
    failure = busy.value.failure
    assert (failure.what, failure.status, failure.attempts) == ("GET /things", 504, 4)
    assert failure.body == {"status": 504}


def test_client_errors_are_never_retried():
    sleeps: list[float] = []
    script = Script(404)
    with pytest.raises(Gone):
        core(script, sleeps).request("GET", "/x")
    assert script.calls == 1 and sleeps == []


def test_a_status_outside_the_table_is_the_otherwise_error():
    with pytest.raises(Refused) as refused:
        core(Script(418)).request("GET", "/x")
    assert type(refused.value) is Refused and refused.value.failure.status == 418


def test_an_accepted_status_is_returned_not_raised():
    response = core(Script(409)).request("POST", "/x", accept=(200, 409))
    assert response.status_code == 409


def test_a_post_without_an_idempotency_key_is_retried_only_when_it_never_arrived():
    # Connection refused and 503 refuse before processing; a 502 may come after it
    script = Script(httpx.ConnectError("refused"), 503, 502)
    with pytest.raises(Busy):
        core(script).request("POST", "/x")
    assert script.calls == 3
    script = Script(httpx.ReadTimeout("slow"))
    with pytest.raises(Gone) as gone:
        core(script).request("POST", "/x")
    assert script.calls == 1 and gone.value.failure.error == "ReadTimeout"
    assert gone.value.__cause__ is None and gone.value.__suppress_context__


@pytest.mark.parametrize(
    ("method", "headers"),
    [("POST", {"Idempotency-Key": "k-1"}), ("POST", {"idempotency-key": "k-1"}), ("PUT", {})],
)
def test_an_idempotent_request_is_retried_after_it_may_have_arrived(method, headers):
    script = Script(httpx.ReadTimeout("slow"), 502, 201)
    response = core(script).request(method, "/x", headers=headers)
    assert response.status_code == 201 and script.calls == 3
    key = next(iter(headers.values()), None)
    assert [r.headers.get("Idempotency-Key") for r in script.requests] == [key] * 3


def test_the_caller_can_declare_a_request_idempotent_or_not():
    script = Script(502, 200)
    assert core(script).request("POST", "/x", idempotent=True).status_code == 200
    script = Script(502)
    with pytest.raises(Busy):
        core(script).request("GET", "/x", idempotent=False)
    assert script.calls == 1


def test_transport_errors_become_the_unreachable_error_after_the_last_attempt():
    script = Script(*[httpx.ConnectError("refused")] * 3)
    with pytest.raises(Gone) as gone:
        core(script, attempts=3).request("GET", "/x")
    assert script.calls == 3 and gone.value.failure.status is None


def test_a_401_renews_the_token_once_and_resends_the_same_request():
    tokens = Tokens()
    script = Script(401, 200)
    response = core(script, tokens=tokens).request("GET", "/pages", params={"cursor": "c2"})
    assert response.status_code == 200 and tokens.refused == ["tok-1"]
    sent = [(r.headers["Authorization"], r.url.params["cursor"]) for r in script.requests]
    assert sent == [("Bearer tok-1", "c2"), ("Bearer tok-2", "c2")]


def test_a_second_401_is_final():
    tokens = Tokens()
    script = Script(401, 401)
    with pytest.raises(Refused) as refused:
        core(script, tokens=tokens).request("GET", "/x")
    assert refused.value.failure.status == 401 and script.calls == 2
    assert tokens.refused == ["tok-1"]


def test_without_a_token_provider_a_401_is_the_tables_at_once():
    script = Script(401)
    with pytest.raises(Refused):
        core(script).request("GET", "/x")
    assert script.calls == 1 and "Authorization" not in script.requests[0].headers


def test_the_token_is_asked_for_on_every_attempt():
    class Rotating(Tokens):
        def get_access_token(self) -> str:
            self.n += 1
            return f"tok-{self.n}"

    script = Script(503, 200)
    core(script, tokens=Rotating()).request("GET", "/x")
    assert [r.headers["Authorization"] for r in script.requests] == ["Bearer tok-2", "Bearer tok-3"]


def test_a_per_call_table_overrides_some_statuses():
    class Conflict(Refused):
        pass

    scans = TABLE.with_statuses({409: Conflict})
    with pytest.raises(Conflict):
        core(Script(409)).request("POST", "/x", errors=scans)
    with pytest.raises(Busy):  # the rest of the table is kept
        core(Script(503), attempts=1).request("POST", "/x", errors=scans)
    with pytest.raises(Refused) as plain:  # the adapter's own table is unchanged
        core(Script(409)).request("POST", "/x")
    assert type(plain.value) is Refused


def test_a_per_call_policy_replaces_the_adapters():
    script = Script(503, 200)
    with pytest.raises(Busy):
        core(script).request("PUT", "/x", retry=RetryPolicy(attempts=1))
    assert script.calls == 1
