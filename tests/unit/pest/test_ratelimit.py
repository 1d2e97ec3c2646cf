"""The per-tenant token bucket, on a stepped clock."""

from __future__ import annotations

import pytest

from syncbridge.domain.pest.ratelimit import RateLimiter


class StepClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_the_wait_is_what_refills_one_token():
    clock = StepClock()
    limiter = RateLimiter(rate_per_second=2.0, burst=3, clock=clock)
    assert [limiter.acquire("t") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("t") == pytest.approx(0.5)
    clock.now += 0.25
    assert limiter.acquire("t") == pytest.approx(0.25)  # half a token refilled
    clock.now += 0.25
    assert limiter.acquire("t") == 0.0


def test_tokens_refill_at_the_rate_but_never_beyond_the_burst():
    clock = StepClock()
    limiter = RateLimiter(rate_per_second=1.0, burst=2, clock=clock)
    limiter.acquire("t"), limiter.acquire("t")
    clock.now += 3600  # an idle hour refills only up to the burst
    assert [limiter.acquire("t") for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]


def test_each_tenant_has_its_own_bucket():
    limiter = RateLimiter(rate_per_second=1.0, burst=1, clock=StepClock())
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") > 0
    assert limiter.acquire("b") == 0.0


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1.0, 1), (1.0, 0)])
def test_a_limiter_that_could_never_allow_is_refused(rate, burst):
    with pytest.raises(ValueError, match="rate must be > 0 and burst >= 1"):
        RateLimiter(rate_per_second=rate, burst=burst)


@pytest.mark.parametrize(("wait", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (0.0, "1")])
def test_retry_after_rounds_up_to_whole_seconds(wait, header):
    assert RateLimiter.retry_after_header(wait) == header
