"""The foundation's demo steps: the API answers, and a queue delivers to its handler."""

from __future__ import annotations

import json
import time

from syncbridge_local.demo import IDLE_TIMEOUT_S, DemoContext, demo_step


@demo_step(order=10, name="health through the local API Gateway")
def health(ctx: DemoContext) -> None:
    response = ctx.http.get("/health")
    ctx.check(
        response.status_code == 200, f"GET /health answered {response.status_code}: {response.text}"
    )
    body = response.json()
    tables = body.get("tables", {})
    ctx.say(
        f"GET {ctx.base_url}/health -> {response.status_code} status={body['status']} version={body['version']}"
    )
    ctx.say(f"{sum(v == 'ok' for v in tables.values())}/{len(tables)} tables reachable in moto")
    ctx.check(body["status"] == "ok", f"health is {body['status']}: {tables}")


@demo_step(order=20, name="a message through a queue into its handler")
def queue_round_trip(ctx: DemoContext) -> None:
    rt = ctx.runtime
    mapping = next(m for m in rt.mappings if m.queue.logical_id == "ImportQueue")
    queue = mapping.queue
    body = {
        "tenant_id": "demo-foundation",
        "connection_id": "no-such-connection",
        "resource_type": "customer_locations",
        "run_id": f"demo-{int(time.time())}",
    }
    message_id = rt.send_message(queue.logical_id, body)
    ctx.say(f"sent {json.dumps(body)} to {queue.logical_id} (message {message_id[:8]})")
    rt.wait_idle(timeout=IDLE_TIMEOUT_S)
    calls = rt.deliveries(message_id)
    ctx.check(calls, f"{mapping.function_id} never received message {message_id}")
    for number, call in enumerate(calls, start=1):
        record = next(r for r in call.event["Records"] if r["messageId"] == message_id)
        received = record["attributes"].get("ApproximateReceiveCount", "?")
        if call.error is not None:
            outcome = f"raised {type(call.error).__name__}"
        elif call.result and call.result.get("batchItemFailures"):
            outcome = "reported the record as failed"
        else:
            outcome = f"succeeded ({call.duration_ms:.0f} ms)"
        ctx.say(
            f"delivery {number}: {mapping.function_id} got it (receive count {received}) and {outcome}"
        )
    dead = rt.queue_counts(queue.dead_letter_logical_id) if queue.dead_letter_logical_id else None
    last = calls[-1]
    if last.ok and not (last.result or {}).get("batchItemFailures"):
        ctx.say(f"the record was deleted from {queue.logical_id}")
    else:
        ctx.check(
            len(calls) == queue.max_receive_count and dead and dead["visible"] >= 1,
            f"expected {queue.max_receive_count} deliveries then {queue.dead_letter_logical_id}",
        )
        ctx.say(
            f"after maxReceiveCount={queue.max_receive_count} it was moved to "
            f"{queue.dead_letter_logical_id}; `python -m syncbridge_local replay --queue "
            f"{queue.logical_id}` puts it back"
        )
