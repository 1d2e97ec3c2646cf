"""A tenant's review answers and learned matching weights, in `SETUP_TABLE`.

pk `TENANT#<tenant>#LEARNING` (one partition per tenant, apart from the setup items):
- sk `LABEL#<resource type>#<external id>#<internal id>`: one answer (`match` true/false);
  a later answer about the same pair overwrites it;
- sk `PARAMS#<profile>`: the m-probabilities the last run of that profile learned.
They outlive a setup run on purpose: a later setup of the same tenant learns from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from syncbridge import aws
from syncbridge.domain.setup.models import ReviewLabel


def _pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#LEARNING"


class DynamoLabelRepository:
    """`LabelRepository` on DynamoDB."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        return self._table if self._table is not None else aws.table("SETUP_TABLE")

    def add(self, tenant_id: str, resource_type: str, labels: Iterable[ReviewLabel]) -> None:
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for label in labels:
                batch.put_item(
                    Item={
                        "pk": _pk(tenant_id),
                        "sk": f"LABEL#{resource_type}#{label.external_id}#{label.internal_id}",
                        "external_id": label.external_id,
                        "internal_id": label.internal_id,
                        "match": label.match,
                    }
                )

    def labels(self, tenant_id: str, resource_type: str) -> list[ReviewLabel]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": _pk(tenant_id),
                ":prefix": f"LABEL#{resource_type}#",
            },
        }
        out: list[ReviewLabel] = []
        while True:
            page = self.table.query(**kwargs)
            out += [
                ReviewLabel(
                    external_id=item["external_id"],
                    internal_id=item["internal_id"],
                    match=bool(item["match"]),
                )
                for item in page.get("Items", [])
            ]
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def parameters(self, tenant_id: str, profile: str) -> dict[str, list[float]] | None:
        item = self.table.get_item(Key={"pk": _pk(tenant_id), "sk": f"PARAMS#{profile}"}).get(
            "Item"
        )
        return json.loads(item["parameters_json"]) if item else None

    def save_parameters(
        self, tenant_id: str, profile: str, parameters: dict[str, list[float]]
    ) -> None:
        # JSON text: DynamoDB takes no floats, and nothing queries inside the weights
        self.table.put_item(
            Item={
                "pk": _pk(tenant_id),
                "sk": f"PARAMS#{profile}",
                "parameters_json": json.dumps(parameters),
            }
        )
