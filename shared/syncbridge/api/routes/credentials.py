"""A tenant admin sets the tenant's own credentials for each external system.

- `GET /admin/credentials` -> which systems are configured (never a value);
- `PUT /admin/credentials/{system}` -> validate and store (Secrets Manager, per tenant);
- `DELETE /admin/credentials/{system}` -> forget them (the system then answers 409
  `credentials_not_configured` for this tenant).
The tenant is always the caller's; the policy table requires the admin role and scope.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel

from syncbridge.api.gate import caller
from syncbridge.domain.credentials import CredentialService, CredentialStatus
from syncbridge.observability import logger

router = Router()
SYSTEM = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{1,31}$")]


class CredentialList(BaseModel):
    systems: list[CredentialStatus]


def service() -> CredentialService:
    from syncbridge.store.credentials import SecretsManagerCredentials

    # Locally (AWS_ENDPOINT_URL set) the simulators listen on loopback over http.
    return CredentialService(
        SecretsManagerCredentials(), allow_loopback=bool(os.environ.get("AWS_ENDPOINT_URL"))
    )


@router.get("/admin/credentials", summary="Which external systems this tenant has set up")
def list_credentials() -> CredentialList:
    return CredentialList(systems=service().status(caller(router).tenant_id))


@router.put(
    "/admin/credentials/<system>",
    summary="Set this tenant's credentials for one system (odoo, resterp, microshare)",
)
def put_credentials(system: SYSTEM, body: Annotated[dict[str, Any], Body()]) -> CredentialStatus:
    tenant = caller(router).tenant_id
    status = service().set(tenant, system, body)
    logger.info("tenant credentials set", extra={"system": system})
    return status


@router.delete("/admin/credentials/<system>", summary="Forget this tenant's credentials")
def delete_credentials(system: SYSTEM) -> CredentialStatus:
    status = service().remove(caller(router).tenant_id, system)
    logger.info("tenant credentials removed", extra={"system": system})
    return status
