"""What a person does on the review page: look, search, correct, accept, submit.

Every call is scoped by the tenant of the caller's principal (the API passes it from the
authorizer context, never from the request), so one tenant can only ever reach its own
setup, proposals and home records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any

from syncbridge.domain.errors import Conflict, InvalidInput
from syncbridge.domain.home import HomePlatform

from .errors import (
    DuplicateLinks,
    NotInReview,
    ProposalNotFound,
    SetupNotFound,
    UnconfirmedProposals,
)
from .learning import labels_from_edit
from .models import (
    DECISIONS,
    LABELS,
    RESOURCE_ORDER,
    ApplyMessage,
    Page,
    Proposal,
    Resolution,
    Setup,
    proposal_scope,
)
from .ports import (
    LabelRepository,
    MappingRepository,
    MessageQueue,
    ProposalRepository,
    SetupRepository,
)
from .progress import ExpectedCounts, measured
from .records import home_fields

CONFIDENT_THRESHOLD = 0.9


EXPECTED = ExpectedCounts()
"""Home-record counts a warm container reuses for the import's estimate (see progress)."""


@dataclass
class ReviewService:
    setups: SetupRepository
    proposals: ProposalRepository
    home: HomePlatform
    mappings: MappingRepository
    apply_queue: MessageQueue
    labels: LabelRepository | None = None  # where answers are kept for the matcher to learn

    # ------------------------------------------------------------------ reading
    def setup_for(self, tenant_id: str) -> Setup:
        setup = self.setups.latest(tenant_id)
        if setup is None:
            raise SetupNotFound("no setup has started yet: connect your ERP first")
        return setup

    def state(self, tenant_id: str) -> dict[str, Any]:
        """Progress per type, in order, with the type the person should work on now."""
        setup = self.setups.latest(tenant_id)
        if setup is None:
            return {"status": "not_started", "current_type": None, "types": []}
        types = []
        for rtype in RESOURCE_ORDER:
            p = setup.progress(rtype)
            expected = None
            if rtype == setup.current_type and p.status in ("pending", "importing", "failed"):
                expected = EXPECTED.get(
                    tenant_id, rtype, partial(self._home_count, tenant_id, rtype)
                )
            types.append(
                {
                    "resource_type": rtype,
                    "label": LABELS[rtype],
                    "status": p.status,
                    "pages": p.pages,
                    "records": p.records,
                    "counts": {d: p.counts.get(d, 0) for d in DECISIONS},
                    "applied": p.applied,
                    "error": p.error,
                    "attempts": p.attempts,
                    "resumable": bool(p.cursor),
                    "can_retry": p.status == "failed",
                    "progress": measured(p, expected),
                    "match_total": p.match_total,
                    "matched": p.matched,
                    "apply_total": p.apply_total,
                    "applied_records": p.applied_records,
                }
            )
        return {
            "status": setup.status,
            "erp": setup.erp,
            "connection_id": setup.connection_id,
            "current_type": setup.current_type,
            "started_at": setup.started_at,
            "completed_at": setup.completed_at,
            "types": types,
        }

    def _home_count(self, tenant_id: str, resource_type: str) -> int:
        """The organisation's own records of a kind: what the import expects to find."""
        return self.home.count(tenant_id, resource_type)  # type: ignore[arg-type]

    def list_proposals(
        self,
        tenant_id: str,
        resource_type: str,
        decision: str,
        query: str = "",
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page:
        if decision not in DECISIONS:
            raise InvalidInput("decision must be match, review or create", field="decision")
        setup = self.setup_for(tenant_id)
        scope = proposal_scope(tenant_id, setup.connection_id, resource_type, setup.run_id)
        page = self.proposals.list(scope, decision, query.strip().lower(), cursor, limit)
        return page.model_copy(update={"items": self.with_names(tenant_id, page.items)})

    def summary(self, tenant_id: str, resource_type: str) -> dict[str, Any]:
        """How far the person is: per group and overall, proposals total and decided (a
        link confirmed, or a create); and how many imported records are not proposals."""
        setup = self.setup_for(tenant_id)
        scope = proposal_scope(tenant_id, setup.connection_id, resource_type, setup.run_id)
        groups = {d: {"total": 0, "decided": 0} for d in DECISIONS}
        for proposal in self.proposals.iter_all(scope):
            group = groups[proposal.decision]
            group["total"] += 1
            group["decided"] += 0 if proposal.needs_confirmation else 1
        total = sum(g["total"] for g in groups.values())
        imported = setup.progress(resource_type).records
        return {
            "resource_type": resource_type,
            "status": setup.progress(resource_type).status,
            "imported": imported,
            "proposals": total,
            # tombstones (deleted in the ERP) and records already linked get no proposal
            "left_out": max(imported - total, 0),
            "decided": sum(g["decided"] for g in groups.values()),
            "groups": groups,
        }

    def with_names(self, tenant_id: str, proposals: list[Proposal]) -> list[Proposal]:
        """Batches name their product (the id is ours, the person knows the name)."""
        names = self._product_names(
            tenant_id,
            [side.get("product_id") for p in proposals for side in (p.external, p.internal or {})],
        )
        out = []
        for proposal in proposals:
            sides = [proposal.external, proposal.internal or {}]
            if any(side.get("product_id") for side in sides):
                proposal = proposal.model_copy(
                    update={
                        "external": _named(proposal.external, names),
                        "internal": _named(proposal.internal, names) if proposal.internal else None,
                    }
                )
            out.append(proposal)
        return out

    def candidates(
        self, tenant_id: str, resource_type: str, query: str, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Internal records a person can link to: not yet mapped, matching the search."""
        setup = self.setup_for(tenant_id)
        taken = self.mappings.internal_ids(tenant_id, setup.erp, resource_type)
        found = self.home.search(tenant_id, resource_type, query, limit + len(taken))  # type: ignore[arg-type]
        records = [
            {"id": r.id, **home_fields(resource_type, r.fields)} for r in found if r.id not in taken
        ][:limit]
        names = self._product_names(tenant_id, [r.get("product_id") for r in records])
        return [_named(r, names) for r in records]

    def _product_names(self, tenant_id: str, product_ids: list[Any]) -> dict[str, str]:
        names: dict[str, str] = {}
        for product_id in product_ids:
            if product_id and product_id not in names:
                record = self.home.get(tenant_id, "products", str(product_id))
                names[product_id] = str(record.fields.get("name") or "") if record else ""
        return names

    # ------------------------------------------------------------------ changing
    def edit(
        self,
        tenant_id: str,
        resource_type: str,
        external_id: str,
        resolution: Resolution,
        expected_version: int,
    ) -> Proposal:
        """Link the external record to a chosen internal one, or mark it to be created."""
        setup, scope, current = self._reviewed_proposal(tenant_id, resource_type, external_id)
        internal = None
        if resolution.action == "link":
            if not resolution.internal_id:
                raise InvalidInput("internal_id is required to link", field="internal_id")
            record = self.home.get(tenant_id, resource_type, resolution.internal_id)  # type: ignore[arg-type]
            if record is None or record.archived:
                raise InvalidInput(
                    f"no {resource_type} record {resolution.internal_id}", field="internal_id"
                )
            if resolution.internal_id in self.mappings.internal_ids(
                tenant_id, setup.erp, resource_type
            ):
                raise Conflict("that record is already mapped to another ERP record")
            internal = {"id": record.id, **home_fields(resource_type, record.fields)}
        else:
            resolution = Resolution(action="create")
        changed = current.model_copy(
            update={
                "resolution": resolution,
                "confirmed": True,
                "internal": internal if resolution.action == "link" else current.internal,
            }
        )
        saved = self.proposals.update(scope, changed, expected_version)
        if self.labels is not None:  # after the update: a stale version teaches nothing
            self.labels.add(tenant_id, resource_type, labels_from_edit(current, resolution))
        return self.with_names(tenant_id, [saved])[0]

    def _reviewed_proposal(
        self, tenant_id: str, resource_type: str, external_id: str
    ) -> tuple[Setup, str, Proposal]:
        """The setup in review, its proposal scope and the proposal a person changes (edit
        and undo read them the same way)."""
        setup = self._in_review(tenant_id, resource_type)
        scope = proposal_scope(tenant_id, setup.connection_id, resource_type, setup.run_id)
        current = self.proposals.get(scope, external_id)
        if current is None:
            raise ProposalNotFound(f"no proposal for {external_id}", external_id=external_id)
        return setup, scope, current

    def restore(
        self, tenant_id: str, resource_type: str, external_id: str, expected_version: int
    ) -> Proposal:
        """Undo a person's choice: back to the matcher's proposal, undecided again."""
        _setup, scope, current = self._reviewed_proposal(tenant_id, resource_type, external_id)
        internal = None
        if current.proposed_internal_id:
            record = self.home.get(tenant_id, resource_type, current.proposed_internal_id)  # type: ignore[arg-type]
            if record is not None:
                internal = {"id": record.id, **home_fields(resource_type, record.fields)}
        resolution = (
            Resolution(action="link", internal_id=current.proposed_internal_id)
            if internal is not None
            else Resolution(action="create")
        )
        restored = current.model_copy(
            update={"resolution": resolution, "confirmed": False, "internal": internal}
        )
        return self.with_names(
            tenant_id, [self.proposals.update(scope, restored, expected_version)]
        )[0]

    def accept_confident(
        self, tenant_id: str, resource_type: str, threshold: float = CONFIDENT_THRESHOLD
    ) -> int:
        """Confirm every untouched `match` proposal scoring at least `threshold`."""
        setup = self._in_review(tenant_id, resource_type)
        scope = proposal_scope(tenant_id, setup.connection_id, resource_type, setup.run_id)
        confident = [
            p.model_copy(update={"confirmed": True})
            for p in self.proposals.iter_all(scope)
            if p.decision == "match"
            and not p.confirmed
            and p.score >= threshold
            and p.resolution.action == "link"
        ]
        return self.proposals.replace_many(scope, confident)

    def submit(self, tenant_id: str, resource_type: str) -> dict[str, Any]:
        """Check every link is confirmed and one-to-one, then hand the type to the applier."""
        setup = self.setup_for(tenant_id)
        status = setup.progress(resource_type).status
        message = ApplyMessage(
            tenant_id=tenant_id,
            connection_id=setup.connection_id,
            erp=setup.erp,
            resource_type=resource_type,  # type: ignore[arg-type]
            run_id=setup.run_id,
        )
        if status == "applying":
            self.apply_queue.send(message)  # a retried submit: the applier is idempotent
            return {"status": "applying", "resource_type": resource_type}
        if status != "awaiting_review":
            raise NotInReview(
                f"{resource_type} is {status}, not awaiting review", current_status=status
            )
        scope = proposal_scope(tenant_id, setup.connection_id, resource_type, setup.run_id)
        unconfirmed = 0
        links: Counter[str] = Counter()
        for proposal in self.proposals.iter_all(scope):
            if proposal.needs_confirmation:
                unconfirmed += 1
            if proposal.resolution.action == "link" and proposal.resolution.internal_id:
                links[proposal.resolution.internal_id] += 1
        if unconfirmed:
            raise UnconfirmedProposals(
                f"{unconfirmed} proposed links still need a decision", count=unconfirmed
            )
        duplicates = sorted(i for i, n in links.items() if n > 1)
        if duplicates:
            raise DuplicateLinks(
                "some internal records are chosen for more than one ERP record",
                internal_ids=duplicates[:20],
            )
        if not self.setups.transition(tenant_id, setup.connection_id, resource_type, "applying"):
            raise NotInReview(f"{resource_type} is no longer awaiting review")
        self.apply_queue.send(message)
        return {"status": "applying", "resource_type": resource_type}

    def _in_review(self, tenant_id: str, resource_type: str) -> Setup:
        setup = self.setup_for(tenant_id)
        status = setup.progress(resource_type).status
        if status != "awaiting_review":
            raise NotInReview(
                f"{resource_type} is {status}, not awaiting review", current_status=status
            )
        return setup


def _named(fields: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    product_id = fields.get("product_id")
    if not product_id or not names.get(product_id):
        return fields
    return {**fields, "product_name": names[product_id]}
