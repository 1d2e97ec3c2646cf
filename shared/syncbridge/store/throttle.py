"""Request counters in DynamoDB (THROTTLE_TABLE): a sliding window per key.

Kept in a table, not in a container's memory, so every Lambda container sees the same
count: 100 wrong secrets spread over ten containers are still 100. Each request adds one
to its fixed window (atomic `ADD`) and reads the previous window's count; the estimate
`previous x (share of the previous window still inside the last minute) + current` is
compared with the limit, so a burst straddling a window boundary is not allowed twice the
limit. Items expire with the table's TTL (`expires_at`) after two windows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from syncbridge import aws


class DynamoThrottle:
    def __init__(self, table: Any | None = None, clock: Callable[[], float] = time.time) -> None:
        self.table = table if table is not None else aws.table("THROTTLE_TABLE")
        self.clock = clock

    def hit(self, key: str, limit: int, window_seconds: int) -> int:
        """Count one request for `key`: 0 when within `limit` per window, else the seconds
        until the window ends (the Retry-After)."""
        now = self.clock()
        window = int(now // window_seconds)
        ends = (window + 1) * window_seconds
        reply = self.table.update_item(
            Key={"pk": f"{key}#{window}"},
            UpdateExpression="ADD hits :one SET expires_at = if_not_exists(expires_at, :exp)",
            ExpressionAttributeValues={":one": 1, ":exp": int(ends + 2 * window_seconds)},
            ReturnValues="UPDATED_NEW",
        )
        current = int(reply["Attributes"]["hits"])
        if current > limit:
            return max(1, math.ceil(ends - now))
        before = self.table.get_item(
            Key={"pk": f"{key}#{window - 1}"}, ProjectionExpression="hits"
        ).get("Item")
        previous = int(before["hits"]) if before else 0
        elapsed = (now - window * window_seconds) / window_seconds
        if previous * (1 - elapsed) + current <= limit:
            return 0
        # wait until enough of the previous window has slid out of the last minute
        needed = 1 - (limit - current) / previous
        return max(1, math.ceil((needed - elapsed) * window_seconds))
