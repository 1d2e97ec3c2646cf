"""Our Ekos client id and secret, read from Secrets Manager and cached per warm Lambda."""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities import parameters

from syncbridge.adapters.ekos.oauth import ClientCredentials
from syncbridge.aws import required_env

CACHE_SECONDS = 300


def load_client_credentials(secret_arn: str | None = None) -> ClientCredentials:
    """The secret at `EKOS_CLIENT_SECRET_ARN`: {"client_id", "client_secret"}."""
    arn = secret_arn or required_env("EKOS_CLIENT_SECRET_ARN")
    value = parameters.get_secret(arn, max_age=CACHE_SECONDS)
    data = json.loads(value) if isinstance(value, str | bytes) else value
    return ClientCredentials(client_id=data["client_id"], client_secret=data["client_secret"])
