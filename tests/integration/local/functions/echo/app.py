"""Test handler: answers with the proxy event it got and the environment it ran in."""

import base64
import json
import os


def lambda_handler(event, context):
    if event["path"] == "/echo/binary-reply":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(b"\x00\x01\xff").decode(),
            "isBase64Encoded": True,
        }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Role": os.environ["ROLE"]},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(
            {
                "event": event,
                "env": {
                    k: os.environ.get(k)
                    for k in (
                        "ROLE",
                        "GREETING",
                        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                        "AWS_LAMBDA_FUNCTION_NAME",
                        "RESULTS_TABLE",
                    )
                },
                "context": {
                    "function_name": context.function_name,
                    "memory": context.memory_limit_in_mb,
                    "remaining_ms": context.get_remaining_time_in_millis(),
                },
            }
        ),
    }
