"""Apply one ERP change event to the home platform, once, newest-wins per record.

Events arrive duplicated (Ekos retries with the same event id; SQS delivers at least
once) and out of order (retries overtake). Two guards:
- a claim keyed on the event (`EventClaims`, a conditional write) lets one delivery apply
  it: a delivery of an event already applied is acknowledged as `duplicate`, one that
  meets another delivery still applying it fails and is retried later, and a delivery
  that fails releases its claim so the retry goes ahead;
- each mapping remembers the `occurred_at` of the newest change applied to its record
  (`source_version`); an event no newer than that is acknowledged and dropped. The
  version is advanced with a conditional write *after* the home write, so a crash
  between the two re-applies the same change on redelivery instead of losing it.

A record not mapped yet waits for the guided setup of its type. After that, its possible
twins are looked up by candidate key (`HomePlatform.candidates`, never a read of every
home record), those some ERP record already holds are dropped, and the matcher (the
engine behind `domain.setup.ports.Matcher`) decides on the rest: a confident match
links, a possible match (the engine's review band) becomes a review item for a person,
and a record with no plausible twin is created (there is nothing it could duplicate).
A new record's mapping is written before its home record, so a home record the sync
created is never seen unmapped by a concurrent event. A batch whose product is not
mapped yet raises `DependencyNotMapped`: SQS retries it, and its last attempt is parked
in the DLQ with that reason.

Every change is audited with the record's fields before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any, Literal

from syncbridge.domain.errors import Conflict
from syncbridge.domain.home import HomePlatform, HomeRecordNotFound
from syncbridge.domain.setup.applier import home_id_for
from syncbridge.domain.setup.models import PROFILE_BY_TYPE, Proposal, Resolution
from syncbridge.domain.setup.ports import Matcher
from syncbridge.domain.setup.records import RecordMappers, home_fields, home_shape, mapper_for
from syncbridge.domain.sync.models import QueuedErpEvent
from syncbridge.domain.sync.ports import (
    AuditTrail,
    EventClaims,
    EventMappings,
    ReviewItems,
    SetupProgress,
)
from syncbridge.observability import logger

EventOutcome = Literal[
    "created",
    "linked",
    "review",
    "updated",
    "archived",
    "stale",
    "unmapped",
    "awaiting_setup",
    "conflict",
    "duplicate",
]
MATCH_SOURCE = "event-match"
CLAIM_LEASE_SECONDS = 60.0
"""How long a delivery may take to apply one event before another delivery of it may
take over (one event takes well under a second; the version check stays the backstop)."""


class DependencyNotMapped(Conflict):
    """The record refers to one not mapped yet (a batch's product): retried, then parked."""

    code = "dependency_not_mapped"


class EventInProgress(Conflict):
    """Another delivery of the same event is applying it right now: retried later (by
    then it is applied, and this delivery is acknowledged as a duplicate)."""

    code = "event_in_progress"


def apply_erp_event(
    queued: QueuedErpEvent | Mapping[str, Any] | str | bytes,
    mappings: EventMappings,
    home: HomePlatform,
    setup: SetupProgress | None = None,
    audit: AuditTrail | None = None,
    matcher: Matcher | None = None,
    reviews: ReviewItems | None = None,
    source: str | None = None,
    claims: EventClaims | None = None,
    mappers: RecordMappers | None = None,
) -> EventOutcome:
    """Apply `queued` unless it was applied already or a newer change of the same record was.

    `queued` may be the EventsQueue message body as it arrives (JSON text or dict). The
    ports are always passed in (the applier's are wired by `syncbridge.roots.keg`); the
    optional ones relax the flow for tools and tests: without a setup gate every type
    counts as set up, without a matcher an unmapped record is created, without claims
    only the version check keeps a duplicate harmless, without `mappers` (each ERP's
    `RecordMapper`) the event's data is taken as home-shaped already.
    """
    if not isinstance(queued, QueuedErpEvent):
        queued = (
            QueuedErpEvent.model_validate_json(queued)
            if isinstance(queued, str | bytes)
            else QueuedErpEvent.model_validate(queued)
        )
    if claims is None:
        return _apply(queued, mappings, home, setup, audit, matcher, reviews, source, mappers)
    event_id = str(queued.event.event_id)
    claim = claims.claim(queued.tenant_id, queued.erp, event_id, CLAIM_LEASE_SECONDS)
    if claim == "done":
        logger.info("erp event applied before; duplicate delivery acknowledged",
                    extra={"event_id": event_id})  # fmt: skip
        return "duplicate"
    if claim == "busy":
        raise EventInProgress(
            f"event {event_id} is being applied by another delivery", event_id=event_id
        )
    try:
        outcome = _apply(queued, mappings, home, setup, audit, matcher, reviews, source, mappers)
    except BaseException:
        claims.release(queued.tenant_id, queued.erp, event_id)
        raise
    claims.finish(queued.tenant_id, queued.erp, event_id, outcome)
    return outcome


def _apply(
    queued: QueuedErpEvent,
    mappings: EventMappings,
    home: HomePlatform,
    setup: SetupProgress | None,
    audit: AuditTrail | None,
    matcher: Matcher | None,
    reviews: ReviewItems | None,
    source: str | None,
    mappers: RecordMappers | None,
) -> EventOutcome:
    event = queued.event
    source = source or queued.source
    tenant, erp, rtype, external_id = (
        queued.tenant_id,
        queued.erp,
        event.resource_type,
        event.resource_id,
    )
    version = queued.version
    log = {"event_id": str(event.event_id), "resource_type": rtype, "event_action": event.action}

    internal_id, seen = mappings.snapshot(tenant, erp, rtype, external_id)
    if seen is not None and seen >= version:
        logger.info("erp event older than applied state; skipped", extra=log)
        return "stale"

    if internal_id is None:
        buried = mappings.tombstone_version(tenant, erp, rtype, external_id)
        if buried is not None and buried >= version:
            logger.info("change older than the record's delete; skipped", extra=log)
            return "stale"
    outcome: EventOutcome
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    if event.action == "deleted":
        if internal_id is None:
            mappings.bury(tenant, erp, rtype, external_id, version)
            if reviews is not None:
                reviews.remove(tenant, erp, rtype, external_id)  # nothing left to decide
            logger.info("delete of an unmapped record; remembered", extra=log)
            return "unmapped"
        with suppress(HomeRecordNotFound):  # already gone: the delete is satisfied
            current = home.get(tenant, rtype, internal_id)  # type: ignore[arg-type]
            before = dict(current.fields) if current else None
            home.archive(tenant, rtype, internal_id)  # type: ignore[arg-type]
        outcome = "archived"
    else:
        fields = erp_home_fields(queued, mappings, mappers)
        after = fields
        if internal_id is None:
            if setup is not None and not setup.type_done(tenant, erp, rtype):
                logger.info("record not mapped and its setup is not applied yet", extra=log)
                return "awaiting_setup"
            placed = _place_unmapped(queued, fields, mappings, home, matcher, reviews)
            if placed is None:
                _audit(audit, queued, "", "review", None, fields, source)
                return "review"
            internal_id, outcome, before = placed
            if outcome == "conflict":
                logger.warning("mapping points elsewhere; event not applied", extra=log)
                return "conflict"
        else:
            current = home.get(tenant, rtype, internal_id)  # type: ignore[arg-type]
            before = dict(current.fields) if current else None
            try:
                home.update(tenant, rtype, internal_id, fields)  # type: ignore[arg-type]
            except HomeRecordNotFound:
                home.create(tenant, rtype, fields, record_id=internal_id)  # type: ignore[arg-type]
            outcome = "updated"

    if not mappings.advance_version(tenant, erp, rtype, external_id, version, str(event.event_id)):
        logger.info("a newer change was applied concurrently", extra=log)
        return "stale"
    _audit(audit, queued, internal_id, outcome, before, after, source)
    logger.info("erp event applied", extra={**log, "outcome": outcome})
    return outcome


def _place_unmapped(
    queued: QueuedErpEvent,
    fields: dict[str, Any],
    mappings: EventMappings,
    home: HomePlatform,
    matcher: Matcher | None,
    reviews: ReviewItems | None,
) -> tuple[str, EventOutcome, dict[str, Any] | None] | None:
    """Link, create, or (None) hand to a person: (home id, outcome, fields before)."""
    tenant, erp, event = queued.tenant_id, queued.erp, queued.event
    rtype, external_id = event.resource_type, event.resource_id
    candidate = None
    decision = "create"
    outcome_score = 0.0
    explanation: dict[str, Any] = {}
    if matcher is not None:
        # home first, then mappings: the sync maps a record before creating it at home,
        # so a record it created is never taken for an unmapped one
        unmapped = {
            r.id: r
            for r in home.candidates(tenant, rtype, fields)  # type: ignore[arg-type]
            if mappings.external_for(tenant, erp, rtype, r.id) is None
        }
        if unmapped:
            [result] = matcher.match(
                _population(home, tenant, rtype, unmapped),
                [{"id": external_id, **fields}],
                PROFILE_BY_TYPE[rtype],
            )
            decision, outcome_score = result.decision, float(result.score)
            explanation = dict(result.explanation)
            candidate = unmapped.get(result.internal_id or "")
    if decision == "match" and candidate is not None:
        if not mappings.put(tenant, erp, rtype, external_id, candidate.id, source=MATCH_SOURCE):
            return candidate.id, "conflict", None
        before = dict(candidate.fields)
        home.update(tenant, rtype, candidate.id, fields)  # type: ignore[arg-type]
        if reviews is not None:
            reviews.remove(tenant, erp, rtype, external_id)
        return candidate.id, "linked", before
    if decision != "create" and reviews is not None:
        reviews.put(
            tenant,
            erp,
            rtype,
            Proposal(
                external_id=external_id,
                decision="review",
                score=round(outcome_score, 4),
                proposed_internal_id=candidate.id if candidate else None,
                explanation={
                    **{k: v for k, v in explanation.items() if isinstance(v, int | float | str)},
                    "occurred_at": queued.version,
                    "event_id": str(event.event_id),
                },
                external={"id": external_id, **fields},
                internal=(
                    {"id": candidate.id, **home_fields(rtype, candidate.fields)}
                    if candidate
                    else None
                ),
                resolution=(
                    Resolution(action="link", internal_id=candidate.id)
                    if candidate
                    else Resolution(action="create")
                ),
            ),
        )
        logger.info(
            "possible match needs a person's decision",
            extra={"score": outcome_score, "decision": decision},
        )
        return None
    internal_id = home_id_for(tenant, erp, rtype, external_id)
    if not mappings.put(tenant, erp, rtype, external_id, internal_id, source="event"):
        return internal_id, "conflict", None
    home.create(tenant, rtype, fields, record_id=internal_id)  # type: ignore[arg-type]
    if reviews is not None:
        reviews.remove(tenant, erp, rtype, external_id)
    return internal_id, "created", None


REFERENCE_RECORDS = 50
"""Home records given to the engine beside the candidates: the engine learns what a
non-matching pair looks like from the records it is given (a lone candidate teaches it
nothing, and it would call even a renamed twin new)."""


def _population(
    home: HomePlatform, tenant: str, rtype: str, candidates: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The candidates plus a first page of the tenant's records of the type (one keyed
    read), as the engine's internal side. Only a candidate can be linked (see caller)."""
    page, _ = home.list(tenant, rtype, limit=REFERENCE_RECORDS)  # type: ignore[arg-type]
    records = {r.id: r for r in page if not r.archived}
    records.update(candidates)
    return [{"id": rid, **r.fields} for rid, r in records.items()]


def erp_home_fields(
    queued: QueuedErpEvent, mappings: EventMappings, mappers: RecordMappers | None = None
) -> dict[str, Any]:
    """The home-shaped fields of the event's record (a batch's product mapped first; a
    product the ERP deleted before it was ever mapped will never be, so its batches go
    without the link instead of waiting forever)."""
    event = queued.event
    record = {**event.data, "id": event.resource_id}
    product_ids: dict[str, str] = {}
    if event.resource_type == "product-batches" and record.get("product_id") is not None:
        erp_product = str(record["product_id"])
        mapped = mappings.get(queued.tenant_id, queued.erp, "products", erp_product)
        gone = not mapped and mappings.tombstone_version(
            queued.tenant_id, queued.erp, "products", erp_product
        )
        if not mapped and not gone:
            raise DependencyNotMapped(
                f"batch {event.resource_id}: its product {erp_product} is not mapped yet",
                product_id=erp_product,
            )
        if mapped:
            product_ids[erp_product] = mapped
    mapper = mapper_for(mappers, queued.erp)
    return home_fields(
        event.resource_type, home_shape(mapper, event.resource_type, record, product_ids)
    )


def _audit(
    audit: AuditTrail | None,
    queued: QueuedErpEvent,
    internal_id: str,
    outcome: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    source: str,
) -> None:
    if audit is None:
        return
    event = queued.event
    audit.record(
        queued.tenant_id,
        [
            {
                "entry_id": f"EVENT#{queued.erp}#{event.event_id}",
                "at": queued.received_at.isoformat(),
                "actor": f"{queued.erp}-{'events' if source == 'event' else 'sync'}",
                "source": source,
                "action": outcome,
                "erp": queued.erp,
                "resource_type": event.resource_type,
                "external_id": event.resource_id,
                "internal_id": internal_id,
                "occurred_at": queued.version,
                "before": before,
                "after": after,
            }
        ],
    )
