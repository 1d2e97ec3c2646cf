"""Test authorizer: `Bearer good` is allowed (tenant t1), `Bearer bad` denied, else raises."""


def lambda_handler(event, context):
    token = (event.get("headers") or {}).get("Authorization", "")
    if token == "Bearer good":
        effect = "Allow"
    elif token == "Bearer bad":
        effect = "Deny"
    else:
        raise Exception("Unauthorized")
    return {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
        "context": {
            "tenant_id": "t1",
            "client_id": "c1",
            "scopes": "events:write",
            "roles": "admin",
        },
    }
