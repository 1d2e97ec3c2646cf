"""Apply service: mappings written, creates made once, next type started, setup completed."""

import re

from syncbridge.domain.setup.applier import _now, home_id_for
from syncbridge.domain.setup.models import RESOURCE_ORDER, ImportMessage

from .conftest import CONNECTION, TENANT

CL = "customer-locations"


def test_applying_writes_mappings_creates_records_and_starts_the_next_type(world):
    world.run_until_review()
    creates_before = world.home.creates
    world.confirm_all_and_submit(CL)
    # Then links and creates are mapped
    mapped = world.mappings.external_to_internal(TENANT, "ekos", CL)
    new_id = home_id_for(TENANT, "ekos", CL, "c-3")
    assert mapped == {"c-1": "k-1", "c-2": "k-2", "c-3": new_id}
    created = world.home.get(TENANT, CL, new_id)
    assert created.fields["name"] == "Brand New Bar" and created.fields["postal_code"] == "97203"
    assert world.home.creates == creates_before + 1
    # And every decision is audited, and the type is done with its counts
    assert len(world.audit.entries) == 3
    progress = world.setups.get(TENANT, CONNECTION).progress(CL)
    assert progress.status == "done"
    assert progress.applied == {"linked": 2, "created": 1, "conflicts": 0}
    # And the storage locations import is enqueued
    assert world.import_queue.sent[-1] == ImportMessage(
        tenant_id=TENANT, connection_id=CONNECTION, erp="ekos",
        resource_type="storage-locations", run_id="run-1")  # fmt: skip


def test_a_redelivered_apply_never_creates_twice(world):
    world.run_until_review()
    world.confirm_all_and_submit(CL)
    creates = world.home.creates
    # When the apply message is delivered again
    assert world.applier.handle(world.apply_queue.sent[-1]) == "already_applied"
    # Then nothing is created; the next import is only re-sent (the importer ignores it)
    assert world.home.creates == creates
    assert len(world.audit.entries) == 3
    assert [m.resource_type for m in world.import_queue.sent] == ["storage-locations"] * 2


def test_a_crash_before_done_is_replayed_without_duplicates(world):
    world.run_until_review()
    world.review.accept_confident(TENANT, CL)
    p = world.review.list_proposals(TENANT, CL, "review").items[0]
    world.review.edit(TENANT, CL, p.external_id, p.resolution, p.version)
    world.review.submit(TENANT, CL)
    message = world.apply_queue.sent[-1]
    # Given the applier ran once but crashed before marking the type done
    world.applier.handle(message)
    world.setups.setups[(TENANT, CONNECTION)].types[CL].status = "applying"
    creates = world.home.creates
    # When it runs again
    assert world.applier.handle(message) == "applied"
    # Then the deterministic id and the conditional mapping make it a no-op
    assert world.home.creates == creates
    assert len(world.mappings.external_to_internal(TENANT, "ekos", CL)) == 3


def test_a_whole_setup_walks_every_type_to_complete(world):
    # Given the first import message from the OAuth callback
    world.importer.handle(world.import_message())
    # When each type is matched, reviewed and submitted, and the applier starts the next
    for rtype in RESOURCE_ORDER:
        if rtype != CL:
            world.importer.handle(world.import_queue.sent[-1])
        world.matcher_service.handle(world.match_queue.sent[-1])
        world.confirm_all_and_submit(rtype)
    # Then the setup is complete and every batch points at a home product
    setup = world.setups.get(TENANT, CONNECTION)
    assert setup.status == "complete" and setup.current_type is None
    assert world.review.state(TENANT)["status"] == "complete"
    batch_map = world.mappings.external_to_internal(TENANT, "ekos", "product-batches")
    assert batch_map["pb-1"] == "kb-1"
    created_batch = world.home.get(TENANT, "product-batches", batch_map["pb-2"])
    product_map = world.mappings.external_to_internal(TENANT, "ekos", "products")
    assert created_batch.fields["product_id"] == product_map["p-2"]


def test_a_reconnect_after_completion_starts_a_new_run_with_nothing_left_to_review(world):
    # Given a setup that went all the way to complete
    world.importer.handle(world.import_message())
    for rtype in RESOURCE_ORDER:
        if rtype != CL:
            world.importer.handle(world.import_queue.sent[-1])
        world.matcher_service.handle(world.match_queue.sent[-1])
        world.confirm_all_and_submit(rtype)
    # When the tenant reconnects (a new run starts with the first type)
    assert world.importer.handle(world.import_message(run_id="run-2")) == "imported"
    world.matcher_service.handle(world.match_queue.sent[-1])
    # Then the old run's proposals are gone from view and every record is already mapped
    setup = world.setups.get(TENANT, CONNECTION)
    assert setup.run_id == "run-2" and setup.status == "in_progress"
    assert setup.progress(CL).counts == {"match": 0, "review": 0, "create": 0}
    assert world.review.list_proposals(TENANT, CL, "match").items == []


def test_home_ids_are_stable_per_record_and_carry_the_erp_and_80_bits_of_digest():
    new_id = home_id_for(TENANT, "ekos", CL, "c-3")
    assert (
        new_id == home_id_for(TENANT, "ekos", CL, "c-3") != home_id_for(TENANT, "ekos", CL, "c-4")
    )
    assert re.fullmatch(r"ekos-[0-9a-f]{20}", new_id)


def test_the_default_clock_stamps_utc_to_the_millisecond():
    """Audit entries and progress times are compared and sorted as text: one fixed shape."""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", _now())
