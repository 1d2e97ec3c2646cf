"""A person decides what a change event could not: link the ERP record to a home record,
or create a new one. The decision applies the ERP's data the event carried, moves the
record's version to that event (older deliveries stay stale) and is audited with the
person as actor."""

from __future__ import annotations

from typing import Any

from syncbridge.domain.errors import Conflict, InvalidInput, NotFound
from syncbridge.domain.home import HomePlatform
from syncbridge.domain.setup.applier import home_id_for
from syncbridge.domain.setup.models import Page, Resolution
from syncbridge.domain.setup.records import home_fields
from syncbridge.domain.sync.ports import AuditTrail, EventMappings, ReviewItems
from syncbridge.observability import logger


class ReviewItemNotFound(NotFound):
    code = "review_item_not_found"


class AlreadyMapped(Conflict):
    code = "already_mapped"


def resolve_review_item(
    tenant_id: str,
    erp: str,
    resource_type: str,
    external_id: str,
    resolution: Resolution,
    actor: str,
    reviews: ReviewItems,
    mappings: EventMappings,
    home: HomePlatform,
    audit: AuditTrail,
) -> dict[str, Any]:
    item = reviews.get(tenant_id, erp, resource_type, external_id)
    if item is None:
        raise ReviewItemNotFound(f"nothing to decide for {external_id}", external_id=external_id)
    fields = home_fields(resource_type, item.external)
    before: dict[str, Any] | None = None
    if resolution.action == "link":
        internal_id = resolution.internal_id or item.proposed_internal_id
        if not internal_id:
            raise InvalidInput("internal_id is required to link", field="internal_id")
        record = home.get(tenant_id, resource_type, internal_id)  # type: ignore[arg-type]
        if record is None or record.archived:
            raise InvalidInput(f"no {resource_type} record {internal_id}", field="internal_id")
        if internal_id in mappings.internal_ids(tenant_id, erp, resource_type):
            raise AlreadyMapped("that record is already mapped to another ERP record")
        if not mappings.put(tenant_id, erp, resource_type, external_id, internal_id, "review"):
            raise AlreadyMapped("this ERP record was mapped meanwhile")
        before = dict(record.fields)
        home.update(tenant_id, resource_type, internal_id, fields)  # type: ignore[arg-type]
        action = "linked"
    else:
        internal_id = home_id_for(tenant_id, erp, resource_type, external_id)
        home.create(tenant_id, resource_type, fields, record_id=internal_id)  # type: ignore[arg-type]
        if not mappings.put(tenant_id, erp, resource_type, external_id, internal_id, "review"):
            raise AlreadyMapped("this ERP record was mapped meanwhile")
        action = "created"
    version = str(item.explanation.get("occurred_at") or "")
    if version:
        mappings.advance_version(
            tenant_id,
            erp,
            resource_type,
            external_id,
            version,
            str(item.explanation.get("event_id", "")),
        )
    reviews.remove(tenant_id, erp, resource_type, external_id)
    audit.record(
        tenant_id,
        [
            {
                "entry_id": f"REVIEW#{erp}#{resource_type}#{external_id}",
                "actor": actor,
                "source": "review",
                "action": action,
                "erp": erp,
                "resource_type": resource_type,
                "external_id": external_id,
                "internal_id": internal_id,
                "before": before,
                "after": fields,
            }
        ],
    )
    logger.info("review item decided", extra={"resource_type": resource_type, "action": action})
    return {"external_id": external_id, "internal_id": internal_id, "action": action}


def list_review_items(
    reviews: Any, tenant_id: str, erp: str, resource_type: str, cursor: str | None, limit: int
) -> Page:
    return reviews.list(tenant_id, erp, resource_type, cursor, limit)
