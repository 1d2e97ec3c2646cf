"""Lazily built AWS clients and the resource names the template hands to every function.

Clients are created on first use (never at import time) so tests can point them at moto,
and cached per process the way a warm Lambda keeps them. Endpoints come from boto3's own
`AWS_ENDPOINT_URL` variable, which the local runtime sets; on AWS it is absent.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3


@cache
def client(service: str) -> Any:
    """A boto3 client for `service`, built once per process."""
    return boto3.client(service, region_name=region())


@cache
def resource(service: str) -> Any:
    """A boto3 resource for `service`, built once per process."""
    return boto3.resource(service, region_name=region())


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def table(env_var: str) -> Any:
    """The DynamoDB table whose name the template put in `env_var` (e.g. `MAPPINGS_TABLE`)."""
    return resource("dynamodb").Table(required_env(env_var))


def required_env(name: str) -> str:
    """An environment variable the template must set; a clear error when it did not."""
    try:
        return os.environ[name]
    except KeyError:
        raise RuntimeError(f"environment variable {name} is not set (see template.yaml)") from None


def condition_failed(error: Exception) -> bool:
    """True when DynamoDB refused a write because its condition did not hold (a conditional
    put/update/delete, or a transaction one of whose conditions failed): the one test every
    store's conditional write uses, so "someone else got there first" reads the same."""
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between moto servers)."""
    client.cache_clear()
    resource.cache_clear()
