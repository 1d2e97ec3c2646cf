"""The demo step registry: discovery, order, and stopping at the first failure."""

from __future__ import annotations

import io
from types import SimpleNamespace

from syncbridge_local.demo import DemoStep, discover, run_demo


def test_discovery_finds_the_foundation_steps_in_order() -> None:
    steps = discover()
    names = [s.name for s in steps]
    assert "health through the local API Gateway" in names
    assert [s.order for s in steps] == sorted(s.order for s in steps)


def test_a_failing_step_stops_the_demo_and_reports_it() -> None:
    ran = []

    def ok(ctx) -> None:
        ran.append("ok")
        ctx.say("fine")

    def bad(ctx) -> None:
        ctx.check(False, "the thing did not happen")

    def never(ctx) -> None:
        ran.append("never")

    out = io.StringIO()
    runtime = SimpleNamespace(base_url="http://127.0.0.1:9")
    steps = [DemoStep(1, "first", ok), DemoStep(2, "second", bad), DemoStep(3, "third", never)]
    assert run_demo(runtime, out=out, steps=steps) is False
    assert ran == ["ok"]
    text = out.getvalue()
    assert "FAILED: the thing did not happen" in text and "skipped: third" in text


def test_all_steps_passing_is_success() -> None:
    out = io.StringIO()
    runtime = SimpleNamespace(base_url="http://127.0.0.1:9")
    assert run_demo(runtime, out=out, steps=[DemoStep(1, "only", lambda ctx: None)]) is True
    assert "every step succeeded" in out.getvalue()
