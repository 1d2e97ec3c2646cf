"""Importer service: every page staged once, progress counted, matching enqueued once."""

import pytest

from syncbridge.domain.setup.importer import ImportBusy
from syncbridge.domain.setup.models import MatchMessage, staging_key

from .conftest import CONNECTION, TENANT


def _staged(world, rtype="customer-locations", run="run-1"):
    return world.staging.items.get(staging_key(TENANT, CONNECTION, rtype, run), {})


def test_first_import_starts_the_setup_and_stages_every_page(world):
    # Given a connection with no setup yet
    # When the first import message arrives
    outcome = world.importer.handle(world.import_message())
    # Then every record of every page is staged, progress counted, matching enqueued
    assert outcome == "imported"
    assert sorted(_staged(world)) == ["c-1", "c-2", "c-3", "c-4"]
    progress = world.setups.get(TENANT, CONNECTION).progress("customer-locations")
    assert (progress.status, progress.pages, progress.records) == ("matching", 2, 4)
    assert world.match_queue.sent == [
        MatchMessage(tenant_id=TENANT, connection_id=CONNECTION, erp="ekos",
                     resource_type="customer-locations", run_id="run-1")
    ]  # fmt: skip


def test_a_redelivered_import_never_reads_or_stages_again(world):
    world.importer.handle(world.import_message())
    reads = world.source.reads
    # When the same message is delivered again (matching not done yet)
    outcome = world.importer.handle(world.import_message())
    # Then nothing is read; the match message is re-sent (the matcher ignores duplicates)
    assert outcome == "resent_match"
    assert world.source.reads == reads
    assert len(_staged(world)) == 4
    # And once matched, a further redelivery does nothing at all
    world.matcher_service.handle(world.match_queue.sent[0])
    assert world.importer.handle(world.import_message()) == "already_imported"
    assert len(world.match_queue.sent) == 2


def test_a_second_delivery_while_the_first_runs_is_retried_later(world):
    world.importer.handle(world.import_message())
    world.setups.setups[(TENANT, CONNECTION)].types["customer-locations"].status = "importing"
    world.setups.setups[(TENANT, CONNECTION)].types["customer-locations"].lease_until = int(
        world.now + 60
    )
    with pytest.raises(ImportBusy):
        world.importer.handle(world.import_message())


def test_a_crash_mid_import_releases_the_lease_and_the_retry_stages_without_duplicates(world):
    world.source.fail_after = 1
    with pytest.raises(ConnectionError):
        world.importer.handle(world.import_message())
    progress = world.setups.get(TENANT, CONNECTION).progress("customer-locations")
    assert progress.status == "importing" and progress.lease_until == 0
    assert "ConnectionError" in progress.error
    # When SQS redelivers
    reads = world.source.reads
    assert world.importer.handle(world.import_message()) == "imported"
    # Then it resumes after the checkpointed page: page 2 only, each record staged once
    assert world.source.reads == reads + 1
    progress = world.setups.get(TENANT, CONNECTION).progress("customer-locations")
    assert (progress.pages, progress.records, progress.error) == (2, 4, "")
    assert (progress.attempts, progress.cursor) == (2, "")
    assert len(_staged(world)) == 4


def test_a_type_is_not_imported_before_the_previous_one_is_applied(world):
    world.importer.handle(world.import_message())
    assert world.importer.handle(world.import_message("products")) == "out_of_order"
    assert _staged(world, "products") == {}


def test_a_message_of_another_run_is_ignored_while_a_setup_runs(world):
    world.importer.handle(world.import_message())
    assert world.importer.handle(world.import_message(run_id="run-2")) == "stale_run"


class AlwaysDown:
    def __init__(self, source):
        self.source = source

    def iter_pages(self, resource, updated_since=None, cursor=None):
        for page in self.source.iter_pages(resource, cursor=cursor):
            if page.next_cursor is None:  # the last page never comes
                raise TimeoutError("ekos does not answer")
            yield page


def test_a_persistent_failure_parks_the_type_as_failed_until_a_person_retries(world):
    from syncbridge.domain.setup.errors import ImportNotFailed
    from syncbridge.domain.setup.importer import ImportService, retry_import
    from syncbridge.domain.setup.models import ImportMessage

    down = AlwaysDown(world.source)
    importer = ImportService(world.setups, world.staging, lambda _m: down, world.match_queue,
                             clock=lambda: world.now)  # fmt: skip
    # the first attempts fail and are retried by SQS (raise), the last one is parked
    for _ in range(2):
        with pytest.raises(TimeoutError):
            importer.handle(world.import_message())
    assert importer.handle(world.import_message()) == "failed"
    progress = world.setups.get(TENANT, CONNECTION).progress("customer-locations")
    assert progress.status == "failed" and "TimeoutError: ekos does not answer" in progress.error
    assert progress.pages == 1  # the first page stays staged and checkpointed
    # a redelivery does not read Ekos again; only a person's retry does
    assert importer.handle(world.import_message()) == "failed"
    with pytest.raises(ImportNotFailed) as refused:
        retry_import(world.setups, world.import_queue, TENANT, "storage-locations")
    assert refused.value.details == {"current_status": "pending"}  # the 409 says what it is
    failed = world.setups.get(TENANT, CONNECTION).progress("customer-locations")
    assert failed.attempts == 3
    world.setups._progress(TENANT, CONNECTION, "customer-locations").lease_until = (
        10**12
    )  # left by a crashed worker
    assert world.setups.get(TENANT, CONNECTION).progress("customer-locations").lease_until > 0
    assert retry_import(world.setups, world.import_queue, TENANT, "customer-locations") == {
        "status": "importing", "resource_type": "customer-locations"}  # fmt: skip
    # the retry starts afresh: no lease held, no attempts counted
    retried = world.setups.get(TENANT, CONNECTION).progress("customer-locations")
    assert (retried.status, retried.lease_until, retried.attempts) == ("importing", 0, 0)
    [again] = world.import_queue.sent
    assert isinstance(again, ImportMessage) and again.run_id == "run-1"
    # Ekos is back: the retried import resumes from the cursor and reaches matching
    reads = world.source.reads
    assert world.importer.handle(again) == "imported"
    assert world.source.reads == reads + 1
    progress = world.setups.get(TENANT, CONNECTION).progress("customer-locations")
    assert (progress.status, progress.pages, progress.records) == ("matching", 2, 4)
