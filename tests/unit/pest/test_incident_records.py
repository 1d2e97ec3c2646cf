"""What an alert leaves behind: the ERP incident, the group, the per-alert result, the
cursors, and how a run ends when a store or a system will not cooperate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncbridge.domain.pest.errors import Conflict, RecordMissing, SourceUnavailable
from syncbridge.domain.pest.models import Alert, Device
from tests.unit.pest.fakes import T0

TENANT = "golden-crust"
RODENT = "io.microshare.event.alert.rodent"
TRAP = "io.microshare.event.alert.trap"
SILO_A = "ERP024_025_01"
EUI_SILO_A = "58-A0-CB-00-00-10-2F-01"


def _alert(
    n: int,
    ref: str | None = SILO_A,
    minutes: float = 0,
    event: str = "rodent_present",
    deveui: str | None = EUI_SILO_A,
    rec_type: str = RODENT,
) -> Alert:
    return Alert(
        id=f"evt-{n}",
        created=T0 + timedelta(minutes=minutes),
        rec_type=rec_type,
        event=event,
        deveui=deveui,
        location=["Golden Crust Manchester", "", "Flour Storage Silo A", ref or "", "Internal"],
    )


@pytest.fixture
def primed(world):
    world.discovery.inventory(TENANT, world.config)
    return world


def _by_id(result):
    return {r.alert_id: r for r in result.results}


def test_the_incident_names_the_point_and_the_alert_and_the_run_records_where_it_went(primed):
    w = primed
    w.iot.alerts = [_alert(1, minutes=5)]
    result = w.incidents.sync(TENANT, w.config)
    ((incident_id, draft),) = w.erp.incidents.items()
    assert draft.title == "Rodent detected: " + w.erp.points["1"].name + f" ({SILO_A})"
    assert draft.occurred_at == T0 + timedelta(minutes=5)
    assert draft.tags == ["pest-control", "rodent_present"]
    assert f"from device {EUI_SILO_A}" in draft.description
    assert "Golden Crust Manchester / Flour Storage Silo A / ERP024_025_01 / Internal" in (
        draft.description
    )
    assert "Event id evt-1." in draft.description
    res = _by_id(result)["evt-1"]
    assert (res.outcome, res.point_id, res.incident_id) == ("created", "1", incident_id)
    assert w.store.alerts[(TENANT, "evt-1")] == {
        "state": "done", "outcome": "created", "incident": incident_id
    }  # fmt: skip
    (group,) = w.incidents.open_incidents(TENANT)
    assert (group.point_id, group.count, group.event_ids) == ("1", 1, ["evt-1"])
    assert group.first_at == group.last_at == T0 + timedelta(minutes=5)


def test_an_event_without_a_label_is_titled_by_its_name_and_an_unknown_device_is_said(primed):
    w = primed
    config = w.config.model_copy(update={"actionable_events": ["bait_taken"]})
    w.iot.alerts = [_alert(1, event="bait_taken", deveui=None)]
    w.incidents.sync(TENANT, config)
    (draft,) = w.erp.incidents.values()
    assert draft.title.startswith("Bait taken: ")
    assert draft.tags == ["pest-control", "bait_taken"]
    assert "from device unknown;" in draft.description


def test_ignored_and_unlinked_alerts_say_why(primed):
    w = primed
    w.iot.alerts = [
        _alert(1, event="false_triggering"),
        _alert(2, ref="NOPE", deveui=None, minutes=1),
        # no reference, and a DevEUI that is not one: unlinked, not a crash
        _alert(3, ref=None, deveui="not-a-deveui", minutes=2),
    ]
    result = _by_id(w.incidents.sync(TENANT, w.config))
    assert (result["evt-1"].outcome, result["evt-1"].detail) == ("ignored", "false_triggering")
    assert result["evt-2"].outcome == "unlinked" and "'NOPE'" in result["evt-2"].detail
    assert result["evt-3"].outcome == "unlinked" and result["evt-3"].detail
    assert w.erp.incidents == {}


def test_an_alert_without_a_reference_links_through_our_device_record(primed):
    w = primed
    eui = "70-B3-D5-32-60-00-12-34"
    w.devices.create(
        Device(
            tenant_id=TENANT, device_id="d-5", point_id="5", point_ref="ERP024_025_05",
            deveui=eui, created_at=T0, updated_at=T0,
        )
    )  # fmt: skip
    w.iot.alerts = [_alert(1, ref=None, deveui="70b3d53260001234")]
    res = _by_id(w.incidents.sync(TENANT, w.config))["evt-1"]
    assert (res.outcome, res.point_id) == ("created", "5")


def test_an_active_point_wins_over_an_archived_one_with_the_same_reference(primed):
    w = primed
    archived = w.erp.points["1"].model_copy(update={"id": "0", "active": False})
    w.store.upsert_points(TENANT, [archived])
    w.iot.alerts = [_alert(1)]
    res = _by_id(w.incidents.sync(TENANT, w.config))["evt-1"]
    assert res.point_id == "1"


def test_grouped_alerts_widen_the_group_and_send_the_erp_a_note(primed):
    w = primed
    window = w.config.incident_window_minutes
    w.iot.alerts = [_alert(1, minutes=10)]
    w.incidents.sync(TENANT, w.config)
    # a late delivery raised before the first (read again through the overlap), and one
    # exactly one window after the group's last alert
    w.iot.alerts += [_alert(2, minutes=9), _alert(3, minutes=10 + window)]
    second = _by_id(w.incidents.sync(TENANT, w.config))
    (incident_id,) = w.erp.incidents
    for n in (2, 3):
        grouped = second[f"evt-{n}"]
        assert (grouped.outcome, grouped.point_id, grouped.incident_id, grouped.detail) == (
            "grouped", "1", incident_id, None
        )  # fmt: skip
    (group,) = w.incidents.open_incidents(TENANT)
    assert group.first_at == T0 + timedelta(minutes=9)
    assert group.last_at == T0 + timedelta(minutes=10 + window)
    assert group.count == 3 and group.event_ids == ["evt-1", "evt-2", "evt-3"]
    notes = w.erp.notes[incident_id]
    assert len(notes) == 2 and "evt-2" in notes[0] and "2 alerts so far" in notes[0]
    assert "evt-3" in notes[1] and "3 alerts so far" in notes[1]


def test_a_grouped_alert_says_when_the_erp_takes_no_note_or_refuses_it(primed):
    w = primed
    w.iot.alerts = [_alert(1), _alert(2, minutes=1)]
    w.erp.append_to_incident = lambda incident_id, note: False  # an ERP without notes
    no_notes = _by_id(w.incidents.sync(TENANT, w.config))["evt-2"]
    assert no_notes.outcome == "grouped" and "no notes" in no_notes.detail

    def refuse(incident_id, note):
        raise RecordMissing("task 7 was deleted")

    w.erp.append_to_incident = refuse
    w.iot.alerts.append(_alert(3, minutes=2))
    refused = _by_id(w.incidents.sync(TENANT, w.config))["evt-3"]
    assert refused.outcome == "grouped" and "task 7 was deleted" in refused.detail


def test_a_note_queued_while_the_erp_is_down_says_so(primed):
    w = primed
    w.iot.alerts = [_alert(1)]
    w.incidents.sync(TENANT, w.config)
    w.erp.outage.fail("append_to_incident")
    w.iot.alerts.append(_alert(2, minutes=1))
    res = _by_id(w.incidents.sync(TENANT, w.config))["evt-2"]
    assert res.outcome == "grouped" and "queued" in res.detail


def test_queued_notes_go_out_in_order_for_every_incident_and_stop_at_the_first_failure(primed):
    w = primed
    # two traps with an open incident each, and a third without queued notes listed first
    w.iot.alerts = [_alert(1, "ERP024_025_03"), _alert(2), _alert(3, "ERP024_025_05")]
    w.incidents.sync(TENANT, w.config)
    w.erp.outage.is_down = True
    w.iot.alerts += [_alert(n, minutes=n) for n in (4, 5)]
    w.iot.alerts += [_alert(n, "ERP024_025_05", minutes=n) for n in (6, 7)]
    w.incidents.sync(TENANT, w.config)
    queued = {g.point_id: len(g.pending_notes) for g in w.incidents.open_incidents(TENANT)}
    assert queued == {"3": 0, "1": 2, "5": 2}
    # back for three notes, then down again: three go out, the fourth waits
    w.erp.outage.is_down = False
    sent = []
    real_append = w.erp.append_to_incident

    def three_then_down(incident_id, note):
        if len(sent) == 3:
            raise SourceUnavailable("erp", "down again")
        sent.append(note)
        return real_append(incident_id, note)

    w.erp.append_to_incident = three_then_down
    assert w.incidents.deliver_pending_notes(TENANT) == 3
    left = {g.point_id: len(g.pending_notes) for g in w.incidents.open_incidents(TENANT)}
    assert sum(left.values()) == 1
    w.erp.append_to_incident = real_append
    assert w.incidents.deliver_pending_notes(TENANT) == 1
    assert all(not g.pending_notes for g in w.incidents.open_incidents(TENANT))
    assert ["(event evt-4)" in sent[0], "(event evt-5)" in sent[1], "(event evt-6)" in sent[2]] == [
        True, True, True
    ]  # fmt: skip


def test_a_run_that_meets_another_delivering_the_notes_goes_on_without_counting_them(primed):
    w = primed
    w.iot.alerts = [_alert(1)]
    w.incidents.sync(TENANT, w.config)
    w.erp.outage.is_down = True
    w.iot.alerts.append(_alert(2, minutes=1))
    w.incidents.sync(TENANT, w.config)
    w.erp.outage.is_down = False
    real_put = w.store.put_group

    def another_run_was_first(tenant, group, expected_version):
        if group.key == "point#1" and group.pending_notes == []:
            raise Conflict("group changed")
        return real_put(tenant, group, expected_version)

    w.store.put_group = another_run_was_first
    w.iot.alerts.append(_alert(3, ref="ERP024_025_05", minutes=2))
    result = w.incidents.sync(TENANT, w.config)
    assert "notes_delivered" not in result.summary
    assert _by_id(result)["evt-3"].outcome == "created"


def test_a_group_that_changed_meanwhile_is_read_again(primed):
    w = primed
    w.iot.alerts = [_alert(1)]
    w.incidents.sync(TENANT, w.config)
    real_put = w.store.put_group
    conflicts = {"left": 1}

    def changed_once(tenant, group, expected_version):
        if conflicts["left"]:
            conflicts["left"] -= 1
            raise Conflict("group changed")
        return real_put(tenant, group, expected_version)

    w.store.put_group = changed_once
    w.iot.alerts.append(_alert(2, minutes=1))
    assert _by_id(w.incidents.sync(TENANT, w.config))["evt-2"].outcome == "grouped"
    w.iot.alerts.append(_alert(3, "ERP024_025_05", minutes=2))
    conflicts["left"] = 1
    assert _by_id(w.incidents.sync(TENANT, w.config))["evt-3"].outcome == "created"


def test_a_group_that_keeps_changing_stops_the_share_after_three_reads(primed):
    w = primed
    w.iot.alerts = [_alert(1), _alert(2, "ERP024_025_05", minutes=1)]
    attempts = []

    def always_changed(tenant, group, expected_version):
        attempts.append(group.key)
        raise Conflict("group changed")

    w.store.put_group = always_changed
    result = w.incidents.sync(TENANT, w.config)
    assert len(attempts) == 3
    assert result.stale and set(result.problems) == {f"alerts:{RODENT}", "incident store"}
    failed = _by_id(result)["evt-1"]
    assert failed.outcome == "failed" and failed.detail == result.errors["incident store"]
    assert "evt-2" not in _by_id(result)  # the share stopped at evt-1
    assert w.store.alerts == {}  # its claim was released for the next run
    assert w.store.get_meta(TENANT, f"alerts:{RODENT}").cursor is None


def test_each_share_keeps_its_own_cursor_and_freshness(primed):
    w = primed
    w.iot.alerts = [_alert(1, minutes=3), _alert(2, "ERP024_025_05", minutes=4, rec_type=TRAP)]
    w.clock.advance(minutes=30)
    result = w.incidents.sync(TENANT, w.config)
    assert result.cursors[RODENT] == T0 + timedelta(minutes=3)
    assert result.cursors[TRAP] == T0 + timedelta(minutes=4)
    rodent = w.store.get_meta(TENANT, f"alerts:{RODENT}")
    assert rodent.refreshed_at == rodent.as_of == w.clock() and rodent.last_error is None
    # the rodent share fails; the trap share still runs and its cursor moves on
    w.clock.advance(minutes=30)
    real_list = w.iot.list_alerts

    def rodent_down(rec_type, since):
        if rec_type == RODENT:
            raise SourceUnavailable("iot", "rodent share down")
        return real_list(rec_type, since)

    w.iot.list_alerts = rodent_down
    w.iot.alerts.append(_alert(3, "ERP024_025_05", minutes=40, rec_type=TRAP))
    result = w.incidents.sync(TENANT, w.config)
    assert result.cursors[RODENT] == T0 + timedelta(minutes=3)
    assert result.cursors[TRAP] == T0 + timedelta(minutes=40)
    assert _by_id(result)["evt-3"].outcome == "grouped"
    assert result.errors == {f"alerts:{RODENT}": str(SourceUnavailable("iot", "rodent share down"))}


def test_an_erp_failure_mid_run_is_kept_on_the_share_until_a_run_succeeds(primed):
    w = primed
    w.iot.alerts = [_alert(1)]
    w.clock.advance(minutes=10)
    w.erp.outage.is_down = True
    result = w.incidents.sync(TENANT, w.config)
    share = f"alerts:{RODENT}"
    assert set(result.errors) == {share, "erp"} and result.errors[share] == result.errors["erp"]
    assert _by_id(result)["evt-1"].detail == result.errors["erp"]
    meta = w.store.get_meta(TENANT, share)
    assert meta.last_error == result.errors[share] and meta.as_of is None
    assert meta.refreshed_at == w.clock()
    w.erp.outage.is_down = False
    w.incidents.sync(TENANT, w.config)
    meta = w.store.get_meta(TENANT, share)
    assert meta.last_error is None and meta.as_of == w.clock()


def test_open_incidents_are_listed_most_recent_alert_first(primed):
    w = primed
    w.iot.alerts = [
        _alert(1, "ERP024_025_05", minutes=1),
        _alert(2, minutes=2),
        _alert(3, "ERP024_025_03", minutes=3),
    ]
    w.incidents.sync(TENANT, w.config)
    w.iot.alerts.append(_alert(4, "ERP024_025_05", minutes=4))
    w.incidents.sync(TENANT, w.config)
    assert [g.point_id for g in w.incidents.open_incidents(TENANT)] == ["5", "3", "1"]
