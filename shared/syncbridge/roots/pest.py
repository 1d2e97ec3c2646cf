"""Composition root of the pest-control product line: real adapters and stores wired into
services.

Handlers (`functions/pest_api`, `functions/incident_sync`) call `context_for(tenant)`;
tests build `PestContext` themselves from fakes. Credentials are each tenant's own, one
secret per tenant and system (`syncbridge.domain.credentials`, set through the admin
route); they are handed to the adapters as `SecretStr` and never logged.

The bridges translate the adapters' typed errors into the domain's: unreachable or
refusing systems become `SourceUnavailable` (served as `stale` where a snapshot exists),
business-rule refusals become `Conflict`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from syncbridge.domain.errors import DomainError
from syncbridge.domain.pest.config import PestConfig, default_config
from syncbridge.domain.pest.devices import DeviceService
from syncbridge.domain.pest.discovery import DiscoveryService
from syncbridge.domain.pest.errors import (
    ConfigurationMissing,
    Conflict,
    CredentialsRefused,
    RecordMissing,
    SourceUnavailable,
    UpstreamConflict,
    UpstreamRejected,
)
from syncbridge.domain.pest.incidents import IncidentService
from syncbridge.domain.pest.models import Alert, IncidentDraft, IotDevice, Point
from syncbridge.domain.pest.ports import ErpPort, IotPort
from syncbridge.domain.pest.provisioning import ProvisioningService
from syncbridge.observability import logger
from syncbridge.roots.settings import Settings
from syncbridge.store.devices import DynamoDeviceAudit, DynamoDeviceStore
from syncbridge.store.pest import DynamoPestStore


def utcnow() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------------- secrets
def load_secret(system: str, tenant: str) -> dict[str, Any]:
    """The tenant's OWN credentials for `system` (Secrets Manager, one secret per tenant and
    system, set by its admin with PUT /admin/credentials/{system}). Without them: 409
    `credentials_not_configured`, never another tenant's."""
    from syncbridge.domain.credentials import CredentialService
    from syncbridge.store.credentials import SecretsManagerCredentials

    source = "iot" if system == "microshare" else "erp"
    service = CredentialService(SecretsManagerCredentials())
    try:
        return service.credentials(tenant, system)
    except DomainError:
        raise
    except Exception as exc:  # the error text may name the secret, never its value
        logger.warning("secret unavailable", extra={"system": system, "error": type(exc).__name__})
        raise SourceUnavailable(source, "secret unavailable") from None


@contextmanager
def _erp_errors() -> Iterator[None]:
    """The ERP adapter's typed errors as the domain's: one code per thing to do."""
    from syncbridge.adapters.erp import (
        ErpAuthError,
        ErpConfigurationMissing,
        ErpConflict,
        ErpError,
        ErpNotFound,
        ErpUnavailable,
    )

    try:
        yield
    except ErpConfigurationMissing as exc:
        raise ConfigurationMissing("erp", str(exc), setting=exc.setting, tried=exc.tried) from None
    except ErpAuthError as exc:
        raise CredentialsRefused("erp", str(exc)) from None
    except ErpConflict as exc:
        raise UpstreamConflict(str(exc)) from None
    except ErpNotFound as exc:
        raise RecordMissing(str(exc)) from None
    except ErpUnavailable as exc:
        raise SourceUnavailable("erp", str(exc)) from None
    except ErpError as exc:
        raise UpstreamRejected("erp", str(exc)) from None


# ------------------------------------------------------------------------- ERP bridge
class ErpBridge:
    """`ErpPort` over any `syncbridge.adapters.erp.ErpAdapter`."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter

    def close(self) -> None:
        close = getattr(self.adapter, "close", None)
        if callable(close):
            close()

    def list_inspection_points(self, since: datetime | None) -> list[Point]:
        with _erp_errors():
            return [
                Point(
                    id=p.id,
                    name=p.name,
                    default_code=p.reference,
                    description=p.description,
                    barcode=p.barcode,
                    active=p.active,
                    write_date=p.write_date,
                    status=p.device_status,
                    extra={"location_text": p.location_text, "category": p.category},
                )
                for p in self.adapter.list_inspection_points(since, include_archived=True)
            ]

    def list_point_ids(self) -> set[str]:
        with _erp_errors():
            return set(self.adapter.list_point_ids(include_archived=True))

    def write_point_fields(self, point_id: str, fields: dict[str, Any]) -> None:
        from syncbridge.adapters.erp import PointFields

        with _erp_errors():
            self.adapter.write_point_fields(point_id, PointFields(**fields))

    def create_incident(self, draft: IncidentDraft) -> str:
        from syncbridge.adapters.erp import IncidentDraft as ErpIncidentDraft

        with _erp_errors():
            ref = self.adapter.create_incident(
                ErpIncidentDraft(
                    title=draft.title[:250],
                    description=draft.description,
                    point_id=draft.point_id,
                    point_reference=draft.point_ref,
                    dedupe_key=draft.dedupe_key,
                    occurred_at=draft.occurred_at,
                    tags=draft.tags,
                )
            )
            return ref.id

    def append_to_incident(self, incident_id: str, note: str) -> bool:
        add_note = getattr(self.adapter, "add_incident_note", None)
        if add_note is None:
            return False
        with _erp_errors():
            add_note(incident_id, note)
        return True

    def optional_fields(self) -> list[dict[str, Any]]:
        listed = getattr(self.adapter, "optional_fields", None)
        if listed is None:
            return []  # this ERP adapter uses no optional fields
        with _erp_errors():
            return [f.model_dump() for f in listed()]

    def create_optional_field(self, key: str) -> dict[str, Any]:
        create = getattr(self.adapter, "create_optional_field", None)
        if create is None:
            raise ConfigurationMissing(
                "erp", "this ERP adapter has no optional fields", setting="field", tried=key
            )
        with _erp_errors():
            return create(key).model_dump()


# ------------------------------------------------------------------------- IoT bridge
@contextmanager
def _iot_errors() -> Iterator[None]:
    from syncbridge.adapters.microshare import (
        MicroshareConflict,
        MicroshareError,
        MicroshareNotFound,
    )

    try:
        yield
    except MicroshareConflict as exc:
        if exc.retryable:
            raise SourceUnavailable("iot", str(exc)) from None
        raise Conflict(f"Microshare refused the change: {exc}") from None
    except MicroshareNotFound as exc:
        raise Conflict(f"Microshare: {exc}") from None
    except MicroshareError as exc:  # unavailable, auth refused, other HTTP failures
        raise SourceUnavailable("iot", f"{type(exc).__name__}: {exc}") from None


class IotBridge:
    """`IotPort` over `syncbridge.adapters.microshare.MicroshareClient`.

    New devices go into the cluster that already holds devices of the same site (else the
    first cluster of the type; a cluster is created when there is none). Changes go through
    the client's re-read-merge-verify `update_devices`, matched by `location[3]`.
    """

    NEW_CLUSTER_NAME = "Sync Bridge devices"

    def __init__(self, client: Any) -> None:
        self.client = client

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if callable(close):
            close()

    def list_devices(self, rec_type: str) -> list[IotDevice]:
        from syncbridge.domain.pest.models import DEFAULT_DEVEUI

        with _iot_errors():
            devices = []
            for cluster in self.client.list_clusters(rec_type):
                for d in cluster.devices:
                    devices.append(
                        IotDevice(
                            deveui=DEFAULT_DEVEUI if d.unassigned else (d.deveui or d.id),
                            location=list(d.meta.location),
                            status=d.status or "pending",
                            cluster_id=cluster.id,
                            rec_type=rec_type,
                        )
                    )
            return devices

    def _cluster_for(self, rec_type: str, *, site: str | None = None, reference: str | None = None):
        clusters = list(self.client.list_clusters(rec_type))
        if reference is not None:
            return next(
                (c for c in clusters if any(d.reference == reference for d in c.devices)), None
            )
        same_site = [c for c in clusters if any(d.meta.location[:1] == [site] for d in c.devices)]
        return (same_site or clusters or [None])[0]

    def add_devices(self, rec_type: str, devices: list[IotDevice]) -> None:
        from syncbridge.adapters.microshare import Device, DeviceMatch, DeviceMeta, UpsertDevice

        if not devices:
            return
        new = [
            (
                Device(id=d.deveui, meta=DeviceMeta(location=d.location), status=d.status),
                DeviceMatch(reference=d.point_ref) if d.point_ref else None,
            )
            for d in devices
        ]
        with _iot_errors():
            site = devices[0].location[0] if devices[0].location else None
            cluster = self._cluster_for(rec_type, site=site)
            if cluster is None:
                self.client.create_cluster(rec_type, self.NEW_CLUSTER_NAME, [d for d, _ in new])
                return
            changes = [UpsertDevice(device, match) for device, match in new]
            self.client.update_devices(rec_type, cluster.id, changes)

    def update_device(
        self,
        rec_type: str,
        point_ref: str,
        *,
        deveui: str | None = None,
        status: str | None = None,
    ) -> None:
        from syncbridge.adapters.microshare import AssignDevEui, DeviceMatch, SetDeviceStatus

        with _iot_errors():
            cluster = self._cluster_for(rec_type, reference=point_ref)
            if cluster is None:
                raise Conflict(f"Microshare has no device at reference {point_ref}")
            changes: list[Any] = []
            if deveui:
                changes.append(AssignDevEui(reference=point_ref, deveui=deveui))
            if status:
                changes.append(SetDeviceStatus(DeviceMatch(reference=point_ref), status))
            if changes:
                self.client.update_devices(rec_type, cluster.id, changes)

    def list_alerts(self, rec_type: str, since: datetime | None) -> list[Alert]:
        with _iot_errors():
            return [
                Alert(
                    id=a.id,
                    created=a.created_at,
                    rec_type=rec_type,
                    event=a.kind or "unknown",
                    deveui=a.deveui,
                    location=a.location,
                )
                for a in self.client.list_alerts(rec_type)
                if since is None or a.created_at >= since
            ]


# ------------------------------------------------------------------------- factories
def build_erp(tenant: str, config: PestConfig) -> ErpPort:
    """The tenant's ERP adapter (kind and settings from its config, secrets from SM)."""
    from syncbridge.adapters.erp import build_erp_adapter

    secret = load_secret(config.erp_kind, tenant)
    settings = {k: v for k, v in secret.items() if k not in ("api_key", "password", "base_url")}
    settings.update(config.erp_settings)
    credentials = {k: secret[k] for k in ("api_key", "password") if secret.get(k)}
    base_url = secret.get("base_url") or Settings().odoo_base_url
    try:
        with _erp_errors():
            adapter = build_erp_adapter(
                {
                    "kind": config.erp_kind,
                    "base_url": base_url,
                    "settings": settings,
                    "credentials": credentials,
                }
            )
    except (ValueError, TypeError) as exc:
        raise SourceUnavailable("erp", f"ERP adapter misconfigured: {type(exc).__name__}") from None
    return ErpBridge(adapter)


def build_iot(tenant: str, config: PestConfig) -> IotPort:
    from syncbridge.adapters.microshare import MicroshareClient

    secret = load_secret("microshare", tenant)
    credentials = {k: secret[k] for k in ("username", "password", "client_id") if k in secret}
    env = Settings()
    try:
        client = MicroshareClient.from_secret(
            secret.get("api_url") or env.microshare_api_url,
            secret.get("auth_url") or env.microshare_auth_url,
            credentials,
            settle_seconds=env.microshare_settle_seconds,
        )
    except ValueError:
        raise SourceUnavailable("iot", "Microshare credentials incomplete") from None
    return IotBridge(client)


class LazyPort:
    """Builds the real port on first use, so a missing credential only fails its calls
    (as `SourceUnavailable`) and the other system's operations go on. A call that finds its
    system unavailable drops the built port: the next call rebuilds it from the (cached,
    possibly rotated) secret."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._port: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._port is None:
            self._port = self._factory()
        attr = getattr(self._port, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except SourceUnavailable:
                dropped, self._port = self._port, None
                close = getattr(dropped, "close", None)
                if callable(close):
                    close()
                raise

        return call


@dataclass
class PestContext:
    tenant: str
    config: PestConfig
    store: Any
    devices: Any
    audit: Any
    erp: ErpPort
    iot: IotPort
    clock: Callable[[], datetime] = utcnow

    @property
    def discovery(self) -> DiscoveryService:
        return DiscoveryService(self.store, self.devices, self.erp, self.iot, self.clock)

    @property
    def provisioning(self) -> ProvisioningService:
        return ProvisioningService(
            self.discovery, self.devices, self.audit, self.erp, self.iot, self.clock
        )

    @property
    def device_service(self) -> DeviceService:
        return DeviceService(self.devices, self.audit, self.store, self.erp, self.iot, self.clock)

    @property
    def incidents(self) -> IncidentService:
        return IncidentService(self.store, self.devices, self.erp, self.iot, self.clock)


_lock = threading.Lock()
_ports: dict[tuple[str, str, int], Any] = {}


def _cached_port(kind: str, tenant: str, config: PestConfig, factory: Callable[[], Any]) -> Any:
    """One adapter per tenant and config version per container (keeps tokens warm)."""
    key = (kind, tenant, config.version)
    with _lock:
        if key not in _ports:
            _ports[key] = LazyPort(factory)
        return _ports[key]


def reset_ports() -> None:
    """Forget cached adapters (tests switch simulators between cases)."""
    with _lock:
        _ports.clear()


def pest_tenants() -> list[str]:
    """Every tenant with a pest-control configuration (the scheduled runs' registry)."""
    return DynamoPestStore().list_tenants()


def tenant_config(store: DynamoPestStore, tenant: str) -> PestConfig:
    return store.get_config(tenant) or default_config()


_registered: set[tuple[str, str]] = set()


def context_for(tenant: str) -> PestContext:
    """Everything a handler needs for one tenant, on the real stores and adapters.

    The tenant joins the registry the scheduled incident sync iterates (once per container).
    """
    store = DynamoPestStore()
    key = (Settings().pest_table, tenant)
    if key not in _registered:
        store.register_tenant(tenant)
        _registered.add(key)
    config = tenant_config(store, tenant)
    return PestContext(
        tenant=tenant,
        config=config,
        store=store,
        devices=DynamoDeviceStore(),
        audit=DynamoDeviceAudit(),
        erp=_cached_port("erp", tenant, config, lambda: build_erp(tenant, config)),
        iot=_cached_port("iot", tenant, config, lambda: build_iot(tenant, config)),
    )
