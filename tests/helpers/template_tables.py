"""DynamoDB tables exactly as template.yaml declares them, for tests on moto.

Tests never restate a table's keys: they ask for it by logical id and get the template's
key schema, attribute definitions and indexes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syncbridge_local.template import load_yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def table_spec(logical_id: str) -> dict[str, Any]:
    resource = load_yaml(TEMPLATE)["Resources"][logical_id]
    if resource["Type"] != "AWS::DynamoDB::Table":
        raise ValueError(f"{logical_id} is a {resource['Type']}, not a table")
    props = resource["Properties"]
    spec: dict[str, Any] = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
    }
    if props.get("GlobalSecondaryIndexes"):
        spec["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    return spec


def create_tables(dynamodb: Any, names: dict[str, str]) -> dict[str, Any]:
    """Create each `{logical_id: table_name}`; returns `{logical_id: Table}`."""
    return {
        logical_id: dynamodb.create_table(TableName=name, **table_spec(logical_id))
        for logical_id, name in names.items()
    }
