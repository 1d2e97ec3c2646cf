"""Match one staged resource type against the home platform and write proposals.

Idempotent: it only runs while the type is `matching`; proposals are keyed by external id
(a rerun overwrites, never duplicates) and the final `matching -> awaiting_review` write is
conditional, so a redelivered message after that finds nothing to do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from syncbridge.domain.home import HomePlatform
from syncbridge.observability import logger

from .errors import MatchTooLarge
from .models import (
    PROFILE_BY_TYPE,
    MatchGuidance,
    MatchMessage,
    Proposal,
    Resolution,
    proposal_scope,
    staging_key,
)
from .ports import (
    LabelRepository,
    MappingRepository,
    Matcher,
    ProposalRepository,
    SetupRepository,
    StagingRepository,
)
from .progress import ProgressReporter
from .records import RecordMappers, home_fields, home_shape, mapper_for

MatchOutcomeKind = Literal["matched", "not_matching", "no_setup", "too_large"]


@dataclass
class MatchService:
    setups: SetupRepository
    staging: StagingRepository
    proposals: ProposalRepository
    home: HomePlatform
    mappings: MappingRepository
    matcher: Matcher
    labels: LabelRepository | None = None  # the tenant's review answers and learned weights
    mappers: RecordMappers | None = None  # each ERP's records in the home shape (None: already)

    def handle(self, msg: MatchMessage) -> MatchOutcomeKind:
        setup = self.setups.get(msg.tenant_id, msg.connection_id)
        if setup is None:
            return "no_setup"
        progress = setup.progress(msg.resource_type)
        if progress.status != "matching" or setup.run_id != msg.run_id:
            logger.info("match skipped", extra={"status": progress.status})
            return "not_matching"

        rtype = msg.resource_type
        product_ids: dict[str, str] | None = None
        product_names: dict[str, str] | None = None
        if rtype == "product-batches":
            product_ids = self.mappings.external_to_internal(msg.tenant_id, msg.erp, "products")
            product_names = {
                r.id: str(r.fields.get("name") or "")
                for r in self.home.iter_all(msg.tenant_id, "products")
            }
        already_mapped = self.mappings.external_to_internal(msg.tenant_id, msg.erp, rtype)
        key = staging_key(msg.tenant_id, msg.connection_id, rtype, msg.run_id)
        mapper = mapper_for(self.mappers, msg.erp)
        external = [
            home_shape(mapper, rtype, record, product_ids, product_names)
            for record in self.staging.iter_records(key)
            if not record.get("deleted") and str(record.get("id")) not in already_mapped
        ]
        taken = set(already_mapped.values())
        internal_records = {
            r.id: r for r in self.home.iter_all(msg.tenant_id, rtype) if r.id not in taken
        }
        internal = [{"id": rid, **r.fields} for rid, r in internal_records.items()]
        profile = PROFILE_BY_TYPE[rtype]
        guidance = None
        if self.labels is not None:
            guidance = MatchGuidance(
                labels=self.labels.labels(msg.tenant_id, rtype),
                parameters=self.labels.parameters(msg.tenant_id, profile),
            )
        self.setups.transition(
            msg.tenant_id, msg.connection_id, rtype, "matching",
            match_total=len(external), matched=0,
        )  # fmt: skip
        extra: dict[str, Any] = {}
        if guidance is not None:
            extra["guidance"] = guidance
        if getattr(self.matcher, "reports_progress", False):
            extra["on_progress"] = ProgressReporter(
                lambda done: self._scored(msg, done), total=len(external)
            )
        try:
            outcomes = self.matcher.match(internal, external, profile, **extra)
        except MatchTooLarge as exc:
            # a redelivery would be refused the same way: say why and wait for a person
            # (a larger MatcherMemoryMb, or a smaller import) instead of retrying
            self.setups.transition(
                msg.tenant_id, msg.connection_id, rtype, "matching", error=exc.message
            )
            logger.warning("match refused: too large for the matcher's memory",
                           extra={"needed_mb": exc.details.get("needed_mb")})  # fmt: skip
            return "too_large"
        if guidance is not None and guidance.learned and self.labels is not None:
            self.labels.save_parameters(msg.tenant_id, profile, guidance.learned)

        by_id = {e["id"]: e for e in external}
        proposals: list[Proposal] = []
        for outcome in outcomes:
            ext = by_id.get(outcome.external_id)
            if ext is None:
                continue
            candidate = internal_records.get(outcome.internal_id or "")
            linked = outcome.decision != "create" and candidate is not None
            proposals.append(
                Proposal(
                    external_id=outcome.external_id,
                    decision=outcome.decision if linked else "create",
                    score=round(float(outcome.score), 4),
                    proposed_internal_id=candidate.id if linked and candidate else None,
                    explanation=_jsonable(outcome.explanation),
                    external=_display(rtype, ext),
                    internal=(
                        {"id": candidate.id, **home_fields(rtype, candidate.fields)}
                        if linked and candidate
                        else None
                    ),
                    resolution=(
                        Resolution(action="link", internal_id=candidate.id)
                        if linked and candidate
                        else Resolution(action="create")
                    ),
                )
            )
        scope = proposal_scope(msg.tenant_id, msg.connection_id, rtype, msg.run_id)
        self.proposals.put_many(scope, proposals)
        counts = Counter(p.decision for p in proposals)
        self.setups.transition(
            msg.tenant_id,
            msg.connection_id,
            rtype,
            "awaiting_review",
            counts={d: counts.get(d, 0) for d in ("match", "review", "create")},
            matched=len(external),
        )
        logger.info("proposals written", extra={"resource_type": rtype, "counts": dict(counts)})
        return "matched"

    def _scored(self, msg: MatchMessage, done: int) -> None:
        """A progress write: `done` ERP records scored (the page shows the percentage)."""
        self.setups.transition(
            msg.tenant_id, msg.connection_id, msg.resource_type, "matching", matched=done
        )


def _display(resource_type: str, record: dict[str, Any]) -> dict[str, Any]:
    """The external side as the page shows it: home-shaped fields plus the ERP's ids."""
    shown = {"id": record["id"], **home_fields(resource_type, record)}
    if record.get("erp_product_id") is not None:
        shown["erp_product_id"] = record["erp_product_id"]
    return shown


def _jsonable(explanation: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in explanation.items():
        if isinstance(value, float):
            out[name] = round(value, 4)
        elif value is None or isinstance(value, int | str | bool):
            out[name] = value
        else:
            out[name] = str(value)
    return out
