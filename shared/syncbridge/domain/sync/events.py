"""Apply one ERP change event to the home platform, newest-wins per record.

Events arrive duplicated (Ekos retries with the same event id) and out of order (retries
overtake). Each mapping remembers the `occurred_at` of the newest change applied to its
record (`source_version`); an event no newer than that is acknowledged and dropped. The
version is advanced with a conditional write *after* the home write, so a crash between
the two re-applies the same change on redelivery instead of losing it.

Records not mapped yet are created at home only once the guided setup has applied their
type; before that they wait for the person's review (the setup import will see them).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any, Literal

from syncbridge.domain.home import HomePlatform, HomeRecordNotFound
from syncbridge.domain.setup.applier import home_id_for
from syncbridge.domain.setup.records import from_erp, home_fields
from syncbridge.domain.sync.models import QueuedErpEvent
from syncbridge.domain.sync.ports import AuditTrail, EventMappings, SetupProgress
from syncbridge.observability import logger

EventOutcome = Literal[
    "created", "updated", "archived", "stale", "unmapped", "awaiting_setup", "conflict"
]


def apply_erp_event(
    queued: QueuedErpEvent | Mapping[str, Any] | str,
    mappings: EventMappings | None = None,
    home: HomePlatform | None = None,
    setup: SetupProgress | None = None,
    audit: AuditTrail | None = None,
) -> EventOutcome:
    """Apply `queued` unless a newer change of the same record was already applied.

    `queued` may be the EventsQueue message body as it arrives (JSON text or dict). Without
    ports, the production wiring is used (`domain.sync.bootstrap`: DynamoDB mappings and
    home platform, setup gate and audit) — that is what the applier Lambda does.
    """
    if not isinstance(queued, QueuedErpEvent):
        queued = (
            QueuedErpEvent.model_validate_json(queued)
            if isinstance(queued, str | bytes)
            else QueuedErpEvent.model_validate(queued)
        )
    if mappings is None or home is None:
        from syncbridge.domain.sync import bootstrap

        mappings = mappings or bootstrap.event_mappings()
        home = home or bootstrap.home_platform()
        setup = setup or bootstrap.setup_progress()
        audit = audit or bootstrap.audit_log()
    event = queued.event
    tenant, erp, rtype, external_id = (
        queued.tenant_id,
        queued.erp,
        event.resource_type,
        event.resource_id,
    )
    version = queued.version
    log = {"event_id": str(event.event_id), "resource_type": rtype, "event_action": event.action}

    seen = mappings.source_version(tenant, erp, rtype, external_id)
    if seen is not None and seen >= version:
        logger.info("erp event older than applied state; skipped", extra=log)
        return "stale"

    internal_id = mappings.get(tenant, erp, rtype, external_id)
    outcome: EventOutcome
    if event.action == "deleted":
        if internal_id is None:
            logger.info("delete of an unmapped record; nothing to do", extra=log)
            return "unmapped"
        with suppress(HomeRecordNotFound):  # already gone: the delete is satisfied
            home.archive(tenant, rtype, internal_id)
        outcome = "archived"
    else:
        fields = _home_fields(queued, mappings)
        if internal_id is None:
            if setup is not None and not setup.type_done(tenant, erp, rtype):
                logger.info("record not mapped and its setup is not applied yet", extra=log)
                return "awaiting_setup"
            internal_id = home_id_for(tenant, erp, rtype, external_id)
            home.create(tenant, rtype, fields, record_id=internal_id)
            if not mappings.put(tenant, erp, rtype, external_id, internal_id, source="event"):
                logger.warning("mapping points elsewhere; event not applied", extra=log)
                return "conflict"
            outcome = "created"
        else:
            try:
                home.update(tenant, rtype, internal_id, fields)
            except HomeRecordNotFound:
                home.create(tenant, rtype, fields, record_id=internal_id)
            outcome = "updated"

    if not mappings.advance_version(tenant, erp, rtype, external_id, version, str(event.event_id)):
        logger.info("a newer change was applied concurrently", extra=log)
        return "stale"
    if audit is not None:
        audit.record(tenant, [_audit_entry(queued, internal_id, outcome)])
    logger.info("erp event applied", extra={**log, "outcome": outcome})
    return outcome


def _home_fields(queued: QueuedErpEvent, mappings: EventMappings) -> dict[str, Any]:
    event = queued.event
    record = {**event.data, "id": event.resource_id}
    product_ids: dict[str, str] = {}
    if event.resource_type == "product-batches" and record.get("product_id") is not None:
        erp_product = str(record["product_id"])
        mapped = mappings.get(queued.tenant_id, queued.erp, "products", erp_product)
        if mapped:
            product_ids[erp_product] = mapped
    return home_fields(event.resource_type, from_erp(event.resource_type, record, product_ids))


def _audit_entry(queued: QueuedErpEvent, internal_id: str, outcome: str) -> dict[str, Any]:
    event = queued.event
    return {
        "entry_id": f"EVENT#{queued.erp}#{event.event_id}",
        "at": queued.received_at.isoformat(),
        "actor": f"{queued.erp}-events",
        "action": outcome,
        "erp": queued.erp,
        "resource_type": event.resource_type,
        "external_id": event.resource_id,
        "internal_id": internal_id,
        "occurred_at": queued.version,
    }
