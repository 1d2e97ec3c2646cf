"""Tenant credentials in AWS Secrets Manager: one secret per tenant and external system.

Named `<TENANT_SECRETS_PREFIX>/<tenant>/<system>` and encrypted with TOKEN_KEY_ID, so IAM
can scope each function to the prefix and the KMS key; reads go through Powertools'
cached `get_secret` (five minutes), writes invalidate this container's copy.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import ClientError

from syncbridge import aws

CACHE_SECONDS = 300


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


class SecretsManagerCredentials:
    """`CredentialRepository` on Secrets Manager."""

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = (prefix or aws.required_env("TENANT_SECRETS_PREFIX")).rstrip("/")

    def name(self, tenant_id: str, system: str) -> str:
        return f"{self.prefix}/{tenant_id}/{system}"

    def get(self, tenant_id: str, system: str) -> dict[str, Any] | None:
        try:
            value = parameters.get_secret(
                self.name(tenant_id, system), transform="json", max_age=CACHE_SECONDS
            )
        except parameters.exceptions.GetParameterError as error:
            cause = error.__cause__ or error.__context__
            if isinstance(cause, ClientError) and _missing(cause):
                return None
            raise
        return value if isinstance(value, dict) else None

    def put(self, tenant_id: str, system: str, value: dict[str, Any]) -> None:
        client = aws.client("secretsmanager")
        name, text = self.name(tenant_id, system), json.dumps(value)
        try:
            client.put_secret_value(SecretId=name, SecretString=text)
        except ClientError as error:
            if not _missing(error):
                raise
            extra = (
                {"KmsKeyId": os.environ["TOKEN_KEY_ID"]} if os.environ.get("TOKEN_KEY_ID") else {}
            )
            client.create_secret(
                Name=name,
                SecretString=text,
                Description=f"{system} credentials of one Sync Bridge tenant",
                Tags=[{"Key": "tenant", "Value": tenant_id}, {"Key": "system", "Value": system}],
                **extra,
            )
        parameters.clear_caches()

    def updated_at(self, tenant_id: str, system: str) -> datetime | None:
        try:
            described = aws.client("secretsmanager").describe_secret(
                SecretId=self.name(tenant_id, system)
            )
        except ClientError as error:
            if _missing(error):
                return None
            raise
        if described.get("DeletedDate"):
            return None
        return described.get("LastChangedDate") or described.get("CreatedDate")

    def delete(self, tenant_id: str, system: str) -> bool:
        try:
            aws.client("secretsmanager").delete_secret(
                SecretId=self.name(tenant_id, system), ForceDeleteWithoutRecovery=True
            )
        except ClientError as error:
            if _missing(error):
                return False
            raise
        parameters.clear_caches()
        return True
