"""Test consumer: each record's JSON body says what to do: `ok`, `fail` (reported) or `raise`."""

import json


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        outcome = json.loads(record["body"]).get("outcome", "ok")
        if outcome == "raise":
            raise RuntimeError("the whole batch fails")
        if outcome == "fail":
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
