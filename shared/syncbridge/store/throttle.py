"""Request counters in DynamoDB (THROTTLE_TABLE): one fixed window per key.

Kept in a table, not in a container's memory, so every Lambda container sees the same
count: 100 wrong secrets spread over ten containers are still 100. One atomic `ADD` per
request; items expire with the table's TTL (`expires_at`) shortly after their window.
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
            ExpressionAttributeValues={":one": 1, ":exp": int(ends + 60)},
            ReturnValues="UPDATED_NEW",
        )
        hits = int(reply["Attributes"]["hits"])
        return 0 if hits <= limit else max(1, math.ceil(ends - now))
