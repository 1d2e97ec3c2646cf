"""`ConnectionSchedules` on the EventBridge Scheduler API (one schedule per connection and
sync action, in the default group, invoking SchedulerFunction with the connection named).

Configuration from the template: `SYNC_SCHEDULE_TARGET_ARN` (the scheduler function),
`SYNC_SCHEDULE_ROLE_ARN` (the role Scheduler assumes), `SYNC_SCHEDULE_PREFIX` (the
stack's name prefix, so stacks never share schedules).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from syncbridge import aws
from syncbridge.domain.sync.schedules import (
    EXPRESSIONS,
    ScheduleInfo,
    next_run,
    schedule_name,
)


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


class EventBridgeSchedules:
    def __init__(self, scheduler: Any | None = None) -> None:
        self._scheduler = scheduler

    @property
    def scheduler(self) -> Any:
        return self._scheduler if self._scheduler is not None else aws.client("scheduler")

    @staticmethod
    def _prefix() -> str:
        return os.environ.get("SYNC_SCHEDULE_PREFIX") or f"sb-{os.environ.get('STAGE', 'dev')}"

    def _names(self, tenant_id: str, connection_id: str) -> dict[str, str]:
        return {
            action: schedule_name(self._prefix(), tenant_id, connection_id, action)
            for action in EXPRESSIONS
        }

    def ensure(self, tenant_id: str, connection_id: str) -> list[ScheduleInfo]:
        for action, name in self._names(tenant_id, connection_id).items():
            try:
                self.scheduler.create_schedule(
                    Name=name,
                    ScheduleExpression=EXPRESSIONS[action],  # type: ignore[index]
                    ScheduleExpressionTimezone="UTC",
                    FlexibleTimeWindow={"Mode": "OFF"},
                    Description=f"{action} of one Sync Bridge connection",
                    Target={
                        "Arn": aws.required_env("SYNC_SCHEDULE_TARGET_ARN"),
                        "RoleArn": aws.required_env("SYNC_SCHEDULE_ROLE_ARN"),
                        "Input": json.dumps(
                            {
                                "action": action,
                                "tenant_id": tenant_id,
                                "connection_id": connection_id,
                            }
                        ),
                    },
                )
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConflictException":
                    raise
        return self.describe(tenant_id, connection_id)

    def remove(self, tenant_id: str, connection_id: str) -> int:
        removed = 0
        for name in self._names(tenant_id, connection_id).values():
            try:
                self.scheduler.delete_schedule(Name=name)
                removed += 1
            except ClientError as error:
                if not _missing(error):
                    raise
        return removed

    def describe(self, tenant_id: str, connection_id: str) -> list[ScheduleInfo]:
        now = datetime.now(UTC)
        out = []
        for action, name in self._names(tenant_id, connection_id).items():
            try:
                found = self.scheduler.get_schedule(Name=name)
            except ClientError as error:
                if _missing(error):
                    continue
                raise
            created = found.get("CreationDate") or now
            upcoming = next_run(found["ScheduleExpression"], created.astimezone(UTC), now)
            out.append(
                ScheduleInfo(
                    name=name,
                    action=action,
                    expression=found["ScheduleExpression"],
                    state=found.get("State", "ENABLED"),
                    next_run=upcoming.isoformat(timespec="seconds") if upcoming else None,
                )
            )
        return out
