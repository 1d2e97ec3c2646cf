"""A whole guided setup wired to in-memory fakes, and a tiny brewery to import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from syncbridge.adapters.ekos.mapper import EkosRecordMapper
from syncbridge.domain.setup.applier import ApplyService
from syncbridge.domain.setup.importer import ImportService
from syncbridge.domain.setup.matching import MatchService
from syncbridge.domain.setup.models import ImportMessage
from syncbridge.domain.setup.review import ReviewService
from tests.helpers.exact_key_matcher import ExactKeyMatcher

from .fakes import (
    FakeAudit,
    FakeHome,
    FakeMappings,
    FakeProposals,
    FakeSetups,
    FakeSource,
    FakeStaging,
    ListQueue,
    RecordingMatcher,
)

EKOS_MAPPERS = {"ekos": EkosRecordMapper()}  # the staged pages are Ekos-shaped

TENANT = "brewery-a"
OTHER_TENANT = "brewery-b"
CONNECTION = "conn-1"


def addr(line1: str, postal: str, city: str = "Portland") -> dict[str, Any]:
    return {"line1": line1, "line2": None, "city": city, "state": "OR",
            "postal_code": postal, "country": "US"}  # fmt: skip


EKOS_PAGES: dict[str, list[list[dict[str, Any]]]] = {
    "customer-locations": [
        [
            {"id": "c-1", "updated_at": "2026-01-01T00:00:00Z", "deleted": False,
             "name": "Rusty Anchor", "address": addr("1 Main St", "97201"), "lat": 45.5, "lon": -122.6},
            {"id": "c-2", "updated_at": "2026-01-01T00:00:01Z", "deleted": False,
             "name": "Golden Tap", "address": addr("2 Oak Ave", "97202")},
        ],
        [
            {"id": "c-3", "updated_at": "2026-01-01T00:00:02Z", "deleted": False,
             "name": "Brand New Bar", "address": addr("3 Elm Rd", "97203")},
            {"id": "c-4", "updated_at": "2026-01-01T00:00:03Z", "deleted": True,
             "name": "Closed Pub", "address": addr("4 Pine Ln", "97204")},
        ],
    ],
    "storage-locations": [
        [{"id": "s-1", "updated_at": "2026-01-01T00:00:00Z", "deleted": False,
          "name": "Main Warehouse", "kind": "warehouse", "address": addr("9 Dock St", "97209")}],
    ],
    "products": [
        [
            {"id": "p-1", "updated_at": "2026-01-01T00:00:00Z", "deleted": False,
             "name": "Hazy IPA 1/2 bbl", "sku": "CFB-HI-HB", "brand": "Cascade", "style": "IPA",
             "package": "1/2 bbl keg", "active": True},
            {"id": "p-2", "updated_at": "2026-01-01T00:00:01Z", "deleted": False,
             "name": "Pilsner Sixtel", "sku": "CFB-PS-SX", "brand": "Cascade", "style": "Pilsner",
             "package": "1/6 bbl keg", "active": True},
        ]
    ],
    "product-batches": [
        [
            {"id": "pb-1", "updated_at": "2026-01-01T00:00:00Z", "deleted": False,
             "lot_code": "L26001-001A", "product_id": "p-1", "brewed_at": "2026-01-01T00:00:00Z",
             "packaged_at": "2026-01-20T00:00:00Z", "quantity": 12, "unit": "keg"},
            {"id": "pb-2", "updated_at": "2026-01-01T00:00:01Z", "deleted": False,
             "lot_code": "L26002-002A", "product_id": "p-2", "brewed_at": "2026-01-02T00:00:00Z",
             "packaged_at": "2026-01-21T00:00:00Z", "quantity": 8, "unit": "keg"},
        ]
    ],
}  # fmt: skip

HOME_SEED: dict[str, list[dict[str, Any]]] = {
    "customer-locations": [
        {"id": "k-1", "name": "Rusty Anchor", "address": "1 Main Street", "postal_code": "97201"},
        {"id": "k-2", "name": "Golden Tap", "address": "2 Oak", "postal_code": "99999"},
        {"id": "k-9", "name": "Home Only Tavern", "address": "9 Far Rd", "postal_code": "97299"},
    ],
    "storage-locations": [],
    "products": [
        {"id": "kp-1", "name": "Hazy IPA Half Barrel", "sku": "CFB-HI-HB", "brand": "Cascade"},
    ],
    "product-batches": [
        {"id": "kb-1", "lot_code": "L26001-001A", "product_id": "kp-1", "quantity": 12},
    ],
}  # fmt: skip


@dataclass
class World:
    setups: FakeSetups = field(default_factory=FakeSetups)
    staging: FakeStaging = field(default_factory=FakeStaging)
    proposals: FakeProposals = field(default_factory=FakeProposals)
    mappings: FakeMappings = field(default_factory=FakeMappings)
    home: FakeHome = field(default_factory=FakeHome)
    audit: FakeAudit = field(default_factory=FakeAudit)
    import_queue: ListQueue = field(default_factory=ListQueue)
    match_queue: ListQueue = field(default_factory=ListQueue)
    apply_queue: ListQueue = field(default_factory=ListQueue)
    source: FakeSource = field(default_factory=lambda: FakeSource(EKOS_PAGES))
    matcher: RecordingMatcher = field(default_factory=lambda: RecordingMatcher(ExactKeyMatcher()))
    now: float = 1_000_000.0

    @property
    def importer(self) -> ImportService:
        return ImportService(self.setups, self.staging, lambda _m: self.source, self.match_queue,
                             clock=lambda: self.now)  # fmt: skip

    @property
    def matcher_service(self) -> MatchService:
        return MatchService(self.setups, self.staging, self.proposals, self.home, self.mappings,
                            self.matcher, mappers=EKOS_MAPPERS)  # fmt: skip

    @property
    def review(self) -> ReviewService:
        return ReviewService(self.setups, self.proposals, self.home, self.mappings,
                             self.apply_queue)  # fmt: skip

    @property
    def applier(self) -> ApplyService:
        return ApplyService(self.setups, self.proposals, self.home, self.mappings, self.audit,
                            self.import_queue, now=lambda: "2026-11-23T00:00:00Z")  # fmt: skip

    def import_message(self, resource_type: str = "customer-locations", **kw: Any) -> ImportMessage:
        return ImportMessage(tenant_id=kw.get("tenant_id", TENANT), connection_id=CONNECTION,
                             erp="ekos", resource_type=resource_type,  # type: ignore[arg-type]
                             run_id=kw.get("run_id", "run-1"))  # fmt: skip

    def run_until_review(self, resource_type: str = "customer-locations") -> None:
        """Import and match one type (the first import message starts the setup)."""
        self.importer.handle(self.import_message(resource_type))
        self.matcher_service.handle(self.match_queue.sent[-1])  # type: ignore[arg-type]

    def confirm_all_and_submit(self, resource_type: str) -> None:
        self.review.accept_confident(TENANT, resource_type)
        for decision in ("match", "review"):
            for p in self.review.list_proposals(TENANT, resource_type, decision, limit=500).items:
                if p.needs_confirmation:
                    self.review.edit(TENANT, resource_type, p.external_id, p.resolution, p.version)
        self.review.submit(TENANT, resource_type)
        self.applier.handle(self.apply_queue.sent[-1])  # type: ignore[arg-type]


@pytest.fixture
def world() -> World:
    w = World()
    for kind, rows in HOME_SEED.items():
        w.home.seed(TENANT, kind, rows)  # type: ignore[arg-type]
    return w
