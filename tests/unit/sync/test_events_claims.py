"""An ERP event is applied by one delivery only (a claim keyed on the event id).

SQS delivers at least once: a FIFO message can reach two consumers (a redelivery after
the visibility timeout, a replayed dead letter, a receive race in a local stand-in). The
version check alone does not stop a second delivery that starts while the first is still
writing: both write the home record. The claim does: the second delivery is retried (and
acknowledged as a duplicate once the first finished).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from syncbridge.domain.sync.events import (
    CLAIM_LEASE_SECONDS,
    DependencyNotMapped,
    EventInProgress,
    apply_erp_event,
)
from tests.unit.sync.fakes import FakeAudit, FakeEventClaims, FakeHome, FakeMappings
from tests.unit.sync.test_events_apply import queued

TENANT = "tenant-a"


@pytest.fixture
def ports() -> dict[str, Any]:
    home, mappings = FakeHome(), FakeMappings()
    home.create(TENANT, "products", {"name": "Hazy"}, record_id="home-1")
    mappings.put(TENANT, "ekos", "products", "p-1", "home-1", "setup")
    return {"mappings": mappings, "home": home, "audit": FakeAudit(), "claims": FakeEventClaims()}


class SecondDeliveryMidWrite(FakeHome):
    """A home platform during whose first update the same event is delivered again."""

    def __init__(self, redeliver: Any) -> None:
        super().__init__()
        self.redeliver = redeliver
        self.second: list[Any] = []

    def update(self, *args: Any, **kwargs: Any) -> Any:
        if self.redeliver is not None:
            again, self.redeliver = self.redeliver, None
            try:
                self.second.append(again())
            except Exception as exc:  # what the second consumer's invocation reports
                self.second.append(exc)
        return super().update(*args, **kwargs)


def test_a_delivery_meeting_another_still_applying_the_event_writes_nothing(
    ports: dict[str, Any],
) -> None:
    event = queued(name="Hazy IPA v2")
    home = SecondDeliveryMidWrite(lambda: apply_erp_event(event, **{**ports, "home": home}))
    home.records = ports["home"].records
    ports["home"] = home

    assert apply_erp_event(event, **ports) == "updated"
    [second] = home.second
    assert isinstance(second, EventInProgress) and second.code == "event_in_progress"
    assert home.writes == 1  # the home record was written by one delivery only
    assert len(ports["audit"].entries) == 1
    # the retry of the second delivery comes after the first finished: a duplicate
    assert apply_erp_event(event, **ports) == "duplicate"
    assert home.writes == 1


def test_an_applied_event_delivered_again_is_acknowledged_as_a_duplicate(
    ports: dict[str, Any],
) -> None:
    event = queued(name="Hazy IPA v2")
    assert apply_erp_event(event, **ports) == "updated"
    writes = ports["home"].writes
    assert apply_erp_event(event.model_copy(deep=True), **ports) == "duplicate"
    assert ports["home"].writes == writes


def test_a_failed_delivery_releases_its_claim_so_the_retry_applies_it(
    ports: dict[str, Any],
) -> None:
    batch = queued(action="created", rtype="product-batches", rid="b-1", product_id="p-9")
    with pytest.raises(DependencyNotMapped):
        apply_erp_event(batch, **ports)
    ports["mappings"].put(TENANT, "ekos", "products", "p-9", "home-1", "setup")
    assert apply_erp_event(batch, **ports) == "created"


def test_a_claim_left_by_a_killed_delivery_is_taken_over_once_its_lease_ended(
    ports: dict[str, Any],
) -> None:
    event = queued(name="Hazy IPA v3")
    claims: FakeEventClaims = ports["claims"]
    # a delivery claimed the event and was killed (timeout, out of memory) before finishing
    assert claims.claim(TENANT, "ekos", str(event.event.event_id), CLAIM_LEASE_SECONDS)
    with pytest.raises(EventInProgress):
        apply_erp_event(event, **ports)
    claims.now += CLAIM_LEASE_SECONDS + 1
    assert apply_erp_event(event, **ports) == "updated"


def test_events_of_two_tenants_with_the_same_event_id_are_both_applied(
    ports: dict[str, Any],
) -> None:
    same = uuid.uuid4()
    ports["home"].create("tenant-b", "products", {"name": "Hazy"}, record_id="home-b")
    ports["mappings"].put("tenant-b", "ekos", "products", "p-1", "home-b", "setup")
    assert apply_erp_event(queued(event_id=same, name="A"), **ports) == "updated"
    assert apply_erp_event(queued(event_id=same, name="B", tenant="tenant-b"), **ports) == (
        "updated"
    )
