"""The one lease every store takes: a time-bound hold on one DynamoDB item, taken and given
back with conditional writes.

A lease is two attributes on its item, `lease_holder` and `lease_until_ms`. `acquire`
succeeds when the item has no live lease (none, or its time is past; with
`reentrant=True` also when the holder already holds it) and the caller's own condition
holds (the connection's token version, the device existing...); it may create the item.
`release` removes the lease only if the caller still holds it, so a holder whose lease
ran out and was taken over never frees the new holder's. Used by the Ekos token refresh
(connections), the pest snapshot refresh and the device-provisioning claim.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from syncbridge import aws

HOLDER = "lease_holder"
UNTIL = "lease_until_ms"


def acquire(
    table: Any,
    key: Mapping[str, Any],
    holder: str,
    *,
    now: float,
    until: float,
    reentrant: bool = False,
    condition: str = "",
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    also_set: Mapping[str, Any] | None = None,
) -> bool:
    """Take the lease on `key` for `holder` until `until` (epoch seconds, as `now`); True
    when taken. `condition` (with its `names`/`values`) must hold too; `also_set` are
    attributes written with the lease (e.g. a TTL)."""
    free = "attribute_not_exists(#lease_until) OR #lease_until < :lease_now"
    if reentrant:
        free += " OR #lease_holder = :lease_holder"
    assignments = ["#lease_holder = :lease_holder", "#lease_until = :lease_until"]
    attribute_names = {"#lease_holder": HOLDER, "#lease_until": UNTIL, **(names or {})}
    attribute_values = {
        ":lease_holder": holder,
        ":lease_until": math.ceil(until * 1000),
        ":lease_now": math.floor(now * 1000),
        **(values or {}),
    }
    for index, (name, value) in enumerate((also_set or {}).items()):
        attribute_names[f"#set{index}"] = name
        attribute_values[f":set{index}"] = value
        assignments.append(f"#set{index} = :set{index}")
    try:
        table.update_item(
            Key=dict(key),
            UpdateExpression="SET " + ", ".join(assignments),
            ConditionExpression=f"({free})" + (f" AND ({condition})" if condition else ""),
            ExpressionAttributeNames=attribute_names,
            ExpressionAttributeValues=attribute_values,
        )
    except ClientError as exc:
        if aws.condition_failed(exc):
            return False
        raise
    return True


def release(table: Any, key: Mapping[str, Any], holder: str, *, delete_item: bool = False) -> None:
    """Give the lease up if `holder` still holds it (otherwise nothing happens).
    `delete_item` deletes the whole item, for items that are nothing but a lease."""
    params: dict[str, Any] = {
        "Key": dict(key),
        "ConditionExpression": "#lease_holder = :lease_holder",
        "ExpressionAttributeNames": {"#lease_holder": HOLDER},
        "ExpressionAttributeValues": {":lease_holder": holder},
    }
    try:
        if delete_item:
            table.delete_item(**params)
        else:
            params["ExpressionAttributeNames"]["#lease_until"] = UNTIL
            table.update_item(UpdateExpression="REMOVE #lease_holder, #lease_until", **params)
    except ClientError as exc:
        if not aws.condition_failed(exc):
            raise
