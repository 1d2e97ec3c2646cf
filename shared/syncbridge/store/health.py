"""Is each DynamoDB table the function depends on reachable? (for the health route)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from syncbridge import aws


def table_status(table_name: str) -> str:
    """`ok` when the table answers DescribeTable and is ACTIVE, else a short reason."""
    try:
        status = aws.client("dynamodb").describe_table(TableName=table_name)["Table"]["TableStatus"]
    except ClientError as exc:
        return exc.response.get("Error", {}).get("Code", "error")
    except BotoCoreError as exc:
        return type(exc).__name__
    return "ok" if status == "ACTIVE" else status.lower()
