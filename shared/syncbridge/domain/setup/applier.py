"""Apply a submitted resource type: write mappings, create home records, start the next type.

Idempotent: a record created for an ERP record gets an id derived from (tenant, ERP, type,
external id), and the home platform never creates an id twice; mappings are conditional
puts that accept the same value again; audit entries have deterministic ids. Only the
`applying -> done` write is conditional on the state, and a redelivery after it only
re-sends the next type's import (the importer ignores duplicates).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from syncbridge.domain.home import HomePlatform
from syncbridge.observability import logger

from .models import ApplyMessage, ImportMessage, Proposal, Setup, next_type, proposal_scope
from .ports import AuditLog, MappingRepository, MessageQueue, ProposalRepository, SetupRepository
from .progress import ProgressReporter
from .records import home_fields

ApplyOutcome = Literal["applied", "already_applied", "not_applying", "no_setup"]
APPLY_CHUNK = 100  # proposals written between two progress counts


def home_id_for(tenant_id: str, erp: str, resource_type: str, external_id: str) -> str:
    """The id of the home record created for an ERP record: the same on every retry."""
    digest = hashlib.sha256(f"{tenant_id}|{erp}|{resource_type}|{external_id}".encode())
    return f"{erp}-{digest.hexdigest()[:20]}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class ApplyService:
    setups: SetupRepository
    proposals: ProposalRepository
    home: HomePlatform
    mappings: MappingRepository
    audit: AuditLog
    import_queue: MessageQueue
    now: Callable[[], str] = field(default=_now)
    chunk_size: int = APPLY_CHUNK

    def handle(self, msg: ApplyMessage) -> ApplyOutcome:
        setup = self.setups.get(msg.tenant_id, msg.connection_id)
        if setup is None:
            return "no_setup"
        status = setup.progress(msg.resource_type).status
        if status == "done":
            self._start_next(setup, msg)
            return "already_applied"
        if status != "applying" or setup.run_id != msg.run_id:
            logger.warning("apply skipped", extra={"status": status})
            return "not_applying"

        rtype = msg.resource_type
        scope = proposal_scope(msg.tenant_id, msg.connection_id, rtype, msg.run_id)
        proposals = list(self.proposals.iter_all(scope))
        # An ERP record mapped meanwhile to something else keeps its mapping: create nothing.
        mapped = self.mappings.external_to_internal(msg.tenant_id, msg.erp, rtype)
        to_create = {
            home_id_for(msg.tenant_id, msg.erp, rtype, p.external_id): home_fields(
                rtype, p.external
            )
            for p in proposals
            if p.resolution.action == "create"
            and mapped.get(p.external_id, home_id_for(msg.tenant_id, msg.erp, rtype, p.external_id))
            == home_id_for(msg.tenant_id, msg.erp, rtype, p.external_id)
        }
        targets = {
            p.external_id: (
                home_id_for(msg.tenant_id, msg.erp, rtype, p.external_id)
                if p.resolution.action == "create"
                else p.resolution.internal_id or ""
            )
            for p in proposals
        }
        conflicts = self._write_in_chunks(msg, proposals, to_create, targets)
        counts = {"linked": 0, "created": 0, "conflicts": len(conflicts)}
        entries: list[dict[str, Any]] = []
        for proposal in proposals:
            if proposal.external_id in conflicts:
                action = "conflict"
                logger.warning(
                    "mapping already points elsewhere; left unchanged",
                    extra={"external_id": proposal.external_id},
                )
            else:
                action = proposal.resolution.action
                counts["created" if action == "create" else "linked"] += 1
            entries.append(
                {
                    "entry_id": f"SETUP#{msg.run_id}#{rtype}#{proposal.external_id}",
                    "at": self.now(),
                    "actor": "setup",
                    "action": action,
                    "erp": msg.erp,
                    "resource_type": rtype,
                    "external_id": proposal.external_id,
                    "internal_id": targets[proposal.external_id],
                    "decision": proposal.decision,
                    "score": proposal.score,
                }
            )
        self.audit.record(msg.tenant_id, entries)
        self.setups.transition(msg.tenant_id, msg.connection_id, rtype, "done", applied=counts)
        logger.info("setup type applied", extra={"resource_type": rtype, "applied": counts})
        self._start_next(setup, msg)
        return "applied"

    def _write_in_chunks(
        self,
        msg: ApplyMessage,
        proposals: list[Proposal],
        to_create: dict[str, dict[str, Any]],
        targets: dict[str, str],
    ) -> set[str]:
        """Home records and mappings, `chunk_size` proposals at a time, counting the records
        written so the page shows how far the apply has got."""
        rtype = msg.resource_type
        progress = ProgressReporter(
            lambda done: self.setups.transition(
                msg.tenant_id, msg.connection_id, rtype, "applying", applied_records=done
            ),
            total=len(proposals),
        )
        self.setups.transition(
            msg.tenant_id, msg.connection_id, rtype, "applying",
            apply_total=len(proposals), applied_records=0,
        )  # fmt: skip
        conflicts: set[str] = set()
        for start in range(0, len(proposals), self.chunk_size):
            chunk = proposals[start : start + self.chunk_size]
            home_ids = {home_id_for(msg.tenant_id, msg.erp, rtype, p.external_id) for p in chunk}
            self.home.create_many(
                msg.tenant_id, rtype, {k: v for k, v in to_create.items() if k in home_ids}
            )
            chunk_targets = {p.external_id: targets[p.external_id] for p in chunk}
            conflicts |= set(
                self.mappings.put_many(msg.tenant_id, msg.erp, rtype, chunk_targets, source="setup")
            )
            progress(start + len(chunk))
        return conflicts

    def _start_next(self, setup: Setup, msg: ApplyMessage) -> None:
        following = next_type(msg.resource_type)
        if following is None:
            self.setups.complete(msg.tenant_id, msg.connection_id)
            return
        self.import_queue.send(
            ImportMessage(
                tenant_id=msg.tenant_id,
                connection_id=msg.connection_id,
                erp=setup.erp,
                resource_type=following,
                run_id=setup.run_id,
            )
        )
