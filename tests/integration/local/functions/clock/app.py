"""Test schedule target: returns what it was fired with."""


def lambda_handler(event, context):
    return {"fired_with": event}
