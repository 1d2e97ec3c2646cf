"""create-devices: dry run, idempotency, failure halfway through and resume."""

from __future__ import annotations

import pytest

from syncbridge.domain.pest.errors import SourceUnavailable
from syncbridge.domain.pest.models import ProvisionState

TENANT = "golden-crust"


def test_dry_run_returns_the_plan_and_changes_nothing(world):
    result = world.provisioning.create_devices(TENANT, world.config, "ops", dry_run=True)
    assert result.dry_run and result.summary == {"create": 9}
    assert len(world.iot.devices) == 2 and world.devices.devices == {}
    assert result.plan[0].template.location[3] == "ERP024_025_03"


def test_create_devices_creates_nine_pending_devices_once(world):
    result = world.provisioning.create_devices(TENANT, world.config, "ops")
    assert result.summary == {"created": 9}
    assert len(world.iot.devices) == 11
    new = [d for d in world.iot.devices if d.deveui == "00-00-00-00-00-00-00-00"]
    assert len(new) == 9 and all(d.status == "pending" for d in new)
    assert {d.location[3] for d in new} == {f"ERP024_025_{n:02d}" for n in range(3, 12)}
    # the ERP point's status follows; barcodes stay empty (unique per company)
    assert world.erp.points["3"].status == "pending" and world.erp.points["3"].barcode is None
    # running again does nothing
    world.clock.advance(seconds=120)
    again = world.provisioning.create_devices(TENANT, world.config, "ops")
    assert again.results == [] and len(world.iot.devices) == 11
    assert all(d.provision is ProvisionState.DONE for d in world.devices.list(TENANT))


def test_failure_halfway_is_finished_by_a_retry_without_duplicates(world):
    # Given three points were provisioned, then Microshare went down
    world.provisioning.create_devices(TENANT, world.config, "ops", point_ids=["3", "4", "5"])
    world.clock.advance(seconds=120)
    world.iot.outage.is_down = True
    down = world.provisioning.create_devices(TENANT, world.config, "ops")
    assert down.results == [] or all(r.outcome == "failed" for r in down.results)
    # (the IoT snapshot is stale but the ERP snapshot still lists the gaps)
    assert {(r.failed_step, r.state) for r in down.results} == {("iot", ProvisionState.INTENT)}
    assert len(down.results) == 6
    # When Microshare is back but the ERP fails on two of the status writes
    world.iot.outage.is_down = False
    world.clock.advance(seconds=120)
    calls = {"n": 0}
    real_write = world.erp.write_point_fields

    def flaky_write(point_id, fields):
        calls["n"] += 1
        if calls["n"] in (2, 4):
            raise SourceUnavailable("erp", "boom")
        real_write(point_id, fields)

    world.erp.write_point_fields = flaky_write
    second = world.provisioning.create_devices(TENANT, world.config, "ops")
    failed = [r for r in second.results if r.outcome == "failed"]
    assert {(r.failed_step, r.state) for r in failed} == {("erp", ProvisionState.IOT_CREATED)}
    assert len(failed) == 2 and second.summary["resumed"] == 4
    # Then a third run finishes only what is missing, and nothing exists twice
    world.erp.write_point_fields = real_write
    world.clock.advance(seconds=120)
    plan = world.provisioning.create_devices(TENANT, world.config, "ops", dry_run=True)
    assert plan.summary == {"resume": 2}
    third = world.provisioning.create_devices(TENANT, world.config, "ops")
    assert third.summary == {"resumed": 2}
    refs = [d.point_ref for d in world.iot.devices]
    assert len(refs) == len(set(refs)) == 11
    assert all(d.provision is ProvisionState.DONE for d in world.devices.list(TENANT))
    assert all(world.erp.points[str(n)].status == "pending" for n in range(3, 12))


def test_crash_after_iot_write_before_recording_does_not_duplicate(world):
    # Given a run that added the device to Microshare but died before recording it
    world.provisioning.create_devices(TENANT, world.config, "ops", point_ids=["3"], dry_run=True)
    real_advance = world.provisioning._advance
    world.provisioning._advance = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash"))
    with pytest.raises(RuntimeError):
        world.provisioning.create_devices(TENANT, world.config, "ops", point_ids=["3"])
    world.provisioning._advance = real_advance
    world.devices.claims.clear()  # the crashed run's lease expired
    assert world.devices.get(TENANT, "3").provision is ProvisionState.INTENT
    # When retried
    world.provisioning.create_devices(TENANT, world.config, "ops", point_ids=["3"])
    # Then the existing Microshare device is recognised, not added again
    assert [d.point_ref for d in world.iot.devices].count("ERP024_025_03") == 1
    assert world.devices.get(TENANT, "3").provision is ProvisionState.DONE


def test_explicit_point_ids_report_unknown_and_mapped_points(world):
    result = world.provisioning.create_devices(
        TENANT, world.config, "ops", point_ids=["1", "4", "nope"]
    )
    outcomes = {r.point_id: r.outcome for r in result.results}
    assert outcomes == {"1": "skipped", "4": "created", "nope": "not_found"}


def test_placeholder_barcode_policy_writes_unique_barcodes(world):
    world.config.pending_barcode = "placeholder"
    world.provisioning.create_devices(TENANT, world.config, "ops", point_ids=["3", "4"])
    assert world.erp.points["3"].barcode == "PENDING-3"
    assert world.erp.points["4"].barcode == "PENDING-4"


def test_point_moved_on_by_another_run_is_reported_busy_not_failed(world):
    # Given another run saves point 3 between our read and our save
    real_save = world.devices.save
    raced = {"done": False}

    def racing_save(device):
        if device.device_id == "3" and not raced["done"]:
            raced["done"] = True
            real_save(world.devices.get(TENANT, "3"))  # the other run's write bumps the version
        return real_save(device)

    world.devices.save = racing_save
    result = world.provisioning.create_devices(TENANT, world.config, "ops", point_ids=["3", "4"])
    outcomes = {r.point_id: r.outcome for r in result.results}
    assert outcomes == {"3": "busy", "4": "created"}
    # and a later run finishes it
    world.devices.save = real_save
    again = world.provisioning.create_devices(TENANT, world.config, "ops", point_ids=["3"])
    assert again.summary == {"resumed": 1}


def test_limit_bounds_one_call_and_reports_what_remains(world):
    first = world.provisioning.create_devices(TENANT, world.config, "ops", limit=4)
    assert first.summary == {"created": 4} and first.remaining == 5
    world.clock.advance(seconds=120)
    second = world.provisioning.create_devices(TENANT, world.config, "ops", limit=4)
    assert second.summary == {"created": 4} and second.remaining == 1
    world.clock.advance(seconds=120)
    third = world.provisioning.create_devices(TENANT, world.config, "ops", limit=4)
    assert third.summary == {"created": 1} and third.remaining == 0
    assert len(world.iot.devices) == 11
