"""Alerts -> incidents: linking, dedupe by event id, grouping, cursor, outage handling."""

from __future__ import annotations

from datetime import timedelta

from syncbridge.domain.pest.models import Alert
from tests.unit.pest.fakes import T0

TENANT = "golden-crust"
RODENT = "io.microshare.event.alert.rodent"


def _alert(
    n: int, ref: str = "ERP024_025_01", minutes: int = 0, event: str = "rodent_present"
) -> Alert:
    return Alert(
        id=f"evt-{n}",
        created=T0 + timedelta(minutes=minutes),
        rec_type=RODENT,
        event=event,
        deveui="58-A0-CB-00-00-10-2F-01",
        location=[
            "Golden Crust Manchester",
            "Manchester Production",
            "Flour Storage Silo A",
            ref,
            "Internal",
            "Bait/Lured",
        ],
    )


def _prime(world):
    world.discovery.inventory(TENANT, world.config)


def test_alert_becomes_incident_linked_by_reference(world):
    _prime(world)
    world.iot.alerts = [_alert(1)]
    result = world.incidents.sync(TENANT, world.config)
    assert result.summary == {"created": 1}
    (draft,) = world.erp.incidents.values()
    assert draft.point_id == "1" and draft.point_ref == "ERP024_025_01"
    assert draft.dedupe_key == "microshare:evt-1"


def test_same_event_twice_creates_one_incident(world):
    _prime(world)
    world.iot.alerts = [_alert(1), _alert(1)]
    world.incidents.sync(TENANT, world.config)
    world.incidents.sync(TENANT, world.config)
    assert len(world.erp.incidents) == 1


def test_repeated_alerts_from_one_trap_are_grouped(world):
    _prime(world)
    world.iot.alerts = [_alert(1, minutes=0), _alert(2, minutes=10), _alert(3, minutes=50)]
    result = world.incidents.sync(TENANT, world.config)
    assert result.summary == {"created": 1, "grouped": 2}
    assert len(world.erp.incidents) == 1
    (group,) = world.incidents.open_incidents(TENANT)
    assert group.count == 3 and group.event_ids == ["evt-1", "evt-2", "evt-3"]
    assert len(world.erp.notes[group.incident_id]) == 2
    # outside the window a new incident opens
    world.iot.alerts.append(_alert(4, minutes=200))
    world.incidents.sync(TENANT, world.config)
    assert len(world.erp.incidents) == 2


def test_different_traps_get_different_incidents_and_noise_is_ignored(world):
    _prime(world)
    world.iot.alerts = [
        _alert(1, "ERP024_025_01"),
        _alert(2, "ERP024_025_05", minutes=1),
        _alert(3, "ERP024_025_05", minutes=2, event="false_triggering"),
        _alert(4, "NOPE", minutes=3),
    ]
    result = world.incidents.sync(TENANT, world.config)
    assert result.summary == {"created": 2, "ignored": 1, "unlinked": 1}


def test_cursor_means_each_run_reads_only_new_alerts(world):
    _prime(world)
    world.iot.alerts = [_alert(1, minutes=0)]
    world.incidents.sync(TENANT, world.config)
    cursor = world.store.get_meta(TENANT, f"alerts:{RODENT}").cursor
    assert cursor == T0
    world.iot.alerts = [_alert(0, minutes=-60), _alert(1), _alert(2, "ERP024_025_05", minutes=30)]
    result = world.incidents.sync(TENANT, world.config)
    # the old alert is not read again; the overlap's repeat is dropped by its event id
    assert {r.alert_id: r.outcome for r in result.results} == {
        "evt-1": "duplicate",
        "evt-2": "created",
    }
    assert len(world.erp.incidents) == 2


def test_erp_down_stops_and_next_run_resumes(world):
    _prime(world)
    world.iot.alerts = [_alert(1, "ERP024_025_01"), _alert(2, "ERP024_025_05", minutes=1)]
    world.erp.outage.is_down = True
    result = world.incidents.sync(TENANT, world.config)
    assert result.stale and result.summary == {"failed": 1}
    assert world.store.get_meta(TENANT, f"alerts:{RODENT}").cursor is None
    world.erp.outage.is_down = False
    result = world.incidents.sync(TENANT, world.config)
    assert result.summary == {"created": 2}


def test_iot_down_reports_stale(world):
    _prime(world)
    world.iot.outage.is_down = True
    result = world.incidents.sync(TENANT, world.config)
    assert result.stale and f"alerts:{RODENT}" in result.errors


def test_no_point_snapshot_means_alerts_wait(world):
    world.iot.alerts = [_alert(1)]
    result = world.incidents.sync(TENANT, world.config)
    assert result.stale and "erp" in result.errors and result.results == []
    _prime(world)
    assert world.incidents.sync(TENANT, world.config).summary == {"created": 1}


def test_a_run_handles_at_most_max_alerts_and_the_next_continues(world):
    _prime(world)
    world.iot.alerts = [_alert(n, f"ERP024_025_{n:02d}", minutes=n) for n in range(3, 9)]
    first = world.incidents.sync(TENANT, world.config, max_alerts=4)
    assert first.more and first.summary == {"created": 4}
    second = world.incidents.sync(TENANT, world.config, max_alerts=4)
    assert second.summary == {"created": 2, "duplicate": 3} and not second.more  # 2 min overlap
    assert len(world.erp.incidents) == 6


def test_a_note_grouped_while_the_erp_is_down_is_delivered_once_it_is_back(world):
    _prime(world)
    world.iot.alerts = [_alert(1, minutes=0)]
    world.incidents.sync(TENANT, world.config)
    world.erp.outage.is_down = True
    world.iot.alerts.append(_alert(2, minutes=10))
    down = world.incidents.sync(TENANT, world.config)
    assert down.summary.get("grouped") == 1  # (evt-1 comes again in the overlap: duplicate)
    (group,) = world.incidents.open_incidents(TENANT)
    assert len(group.pending_notes) == 1 and "evt-2" in group.pending_notes[0]
    assert world.erp.notes.get(group.incident_id, []) == []
    # still down: the next run keeps the note
    world.incidents.sync(TENANT, world.config)
    assert len(world.incidents.open_incidents(TENANT)[0].pending_notes) == 1
    world.erp.outage.is_down = False
    back = world.incidents.sync(TENANT, world.config)
    assert back.summary.get("notes_delivered") == 1
    (group,) = world.incidents.open_incidents(TENANT)
    assert group.pending_notes == [] and "evt-2" in world.erp.notes[group.incident_id][0]
    assert world.incidents.sync(TENANT, world.config).summary.get("notes_delivered") is None


def test_a_missing_incident_project_is_a_configuration_error_in_the_result(world):
    from syncbridge.domain.pest.errors import ConfigurationMissing

    _prime(world)
    world.iot.alerts = [_alert(1), _alert(2, minutes=90)]

    def no_project(draft):
        raise ConfigurationMissing(
            "erp", "Odoo has no project.project named 'Pest incidents'",
            setting="incident_container", tried="Pest incidents",
        )  # fmt: skip

    real_create = world.erp.create_incident
    world.erp.create_incident = no_project
    result = world.incidents.sync(TENANT, world.config)  # reports, never raises
    problem = result.problems["erp"]
    assert (problem.code, problem.setting, problem.tried) == (
        "configuration_missing", "incident_container", "Pest incidents"
    )  # fmt: skip
    assert result.stale and result.summary == {"failed": 1}
    # once configured, the next run handles both alerts: nothing was lost
    world.erp.create_incident = real_create
    assert world.incidents.sync(TENANT, world.config).summary == {"created": 2}


def test_an_alert_the_erp_refuses_fails_alone_and_the_others_go_on(world):
    from syncbridge.domain.pest.errors import UpstreamConflict

    _prime(world)
    world.iot.alerts = [_alert(1), _alert(2, ref="ERP024_025_02", minutes=1)]
    real_create = world.erp.create_incident

    def refuse_silo_a(draft):
        if draft.point_ref == "ERP024_025_01":
            raise UpstreamConflict("Odoo refused project.task.create: a rule says no")
        return real_create(draft)

    world.erp.create_incident = refuse_silo_a
    result = world.incidents.sync(TENANT, world.config)
    assert result.summary == {"failed": 1, "created": 1} and not result.stale
    failed = next(r for r in result.results if r.outcome == "failed")
    assert failed.alert_id == "evt-1" and "a rule says no" in failed.detail
