"""An organisation's people and API clients as its admins manage them (Settings page).

Everything runs for an admin principal and only ever touches the admin's own tenant: the
tenant comes from the principal, never from the request. Nothing here returns a secret or
a hash. An admin cannot demote or remove themselves, nor revoke the client their own token
came from, so an organisation is never left without the admin who was managing it.
Sessions end with the change: a removed person's tokens, a demoted person's tokens issued
with the old role and a revoked client's tokens stop authenticating at once
(`service._active_access_token` checks them against these records).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from syncbridge.api.principal import Principal
from syncbridge.authserver.models import now
from syncbridge.authserver.store import OAuthStore
from syncbridge.domain.errors import Conflict, NotFound

Role = Literal["viewer", "operator", "admin"]


class PersonView(BaseModel):
    username: str
    role: str
    created_at: int
    created_by: str
    you: bool


class ClientView(BaseModel):
    client_id: str
    name: str
    grant_types: list[str]
    scope: str
    roles: list[str]
    created_at: int
    revoked: bool
    yours: bool


class RoleChange(BaseModel):
    """Body of `PUT /oauth/users/{username}`."""

    model_config = ConfigDict(extra="forbid")

    role: Role


class CannotChangeYourself(Conflict):
    code = "cannot_change_yourself"


def people(store: OAuthStore, admin: Principal) -> list[PersonView]:
    found = sorted(store.list_people(admin.tenant_id), key=lambda p: p.username)
    return [
        PersonView(
            username=p.username,
            role=p.role,
            created_at=p.created_at,
            created_by=p.created_by,
            you=p.username == admin.subject,
        )
        for p in found
    ]


def clients(store: OAuthStore, admin: Principal) -> list[ClientView]:
    found = sorted(store.list_clients(admin.tenant_id), key=lambda c: (c.disabled, c.name))
    return [
        ClientView(
            client_id=c.client_id,
            name=c.name,
            grant_types=list(c.grant_types),
            scope=c.scope,
            roles=list(c.roles),
            created_at=c.created_at,
            revoked=c.disabled,
            yours=c.client_id == admin.client_id,
        )
        for c in found
    ]


def change_role(store: OAuthStore, admin: Principal, username: str, role: Role) -> PersonView:
    name = username.lower()
    if name == admin.subject:
        raise CannotChangeYourself("you cannot change your own role; ask another admin")
    person = store.get_person(admin.tenant_id, name)
    if person is None or not store.set_role(admin.tenant_id, name, role, now()):
        raise NotFound(f"no person {name} in your organisation", username=name)
    return PersonView(
        username=name, role=role, created_at=person.created_at,
        created_by=person.created_by, you=False,
    )  # fmt: skip


def remove_person(store: OAuthStore, admin: Principal, username: str) -> None:
    name = username.lower()
    if name == admin.subject:
        raise CannotChangeYourself("you cannot remove yourself; ask another admin")
    if not store.remove_person(admin.tenant_id, name):
        raise NotFound(f"no person {name} in your organisation", username=name)


def revoke_client(store: OAuthStore, admin: Principal, client_id: str) -> ClientView:
    if client_id == admin.client_id:
        raise CannotChangeYourself("you cannot revoke the client you are signed in with")
    client = store.get_client(admin.tenant_id, client_id)
    if client is None or not store.disable_client(admin.tenant_id, client_id):
        raise NotFound("no such client in your organisation", client_id=client_id)
    return ClientView(
        client_id=client.client_id, name=client.name, grant_types=list(client.grant_types),
        scope=client.scope, roles=list(client.roles), created_at=client.created_at,
        revoked=True, yours=False,
    )  # fmt: skip
