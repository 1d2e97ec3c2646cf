"""The Odoo contract (../shared/contracts/odoo-api.md), case by case, on every target.

Each case runs against the simulator over JSON-2 and XML-RPC, and against a real Odoo 19
over both when `ODOO_REAL_URL` / `ODOO_REAL_API_KEY` are set (see conftest.py). Where the
two protocols answer differently the case says what each must answer; the simulator
passes only by answering exactly what the real server does.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from syncbridge.adapters.erp import (
    ErpAuthError,
    ErpConfigurationMissing,
    ErpConflict,
    ErpNotFound,
    IncidentDraft,
    PointFields,
)
from syncbridge.domain.pest.config import default_config
from syncbridge.domain.pest.location import LocationParser
from syncbridge.domain.pest.models import Point
from syncbridge_local.simulators.odoo import seed
from tests.contract.odoo.conftest import OdooTarget, body_of

pytestmark = pytest.mark.integration

SEEDED = {p.reference: p for p in seed.POINTS}
ODOO_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def _seeded_points(adapter):
    return {p.reference: p for p in adapter.list_inspection_points() if p.reference in SEEDED}


def _restore_barcode(odoo: OdooTarget, point_id: int) -> None:
    before = odoo.admin("product.product", "read", [[point_id]], fields=["barcode"])[0]
    odoo.restore(
        lambda: odoo.admin("product.product", "write", [[point_id], {"barcode": before["barcode"]}])
    )


def _remove_tasks_marked(odoo: OdooTarget, marker: str) -> None:
    def remove() -> None:
        ids = odoo.admin(
            "project.task", "search", [[["description", "ilike", marker]]],
            context={"active_test": False},
        )  # fmt: skip
        if ids:
            odoo.admin("project.task", "unlink", [ids])

    odoo.restore(remove)


# --- reading the seeded inspection points --------------------------------------------------


def test_the_seeded_inspection_points_read_the_same_on_every_target(odoo):
    points = _seeded_points(odoo.adapter())
    assert set(points) == set(SEEDED)
    for reference, expected in SEEDED.items():
        point = points[reference]
        assert point.name == f"{seed.SITE} - {expected.area}" == point.location_text
        assert point.category == seed.CATEGORY and point.active
        assert point.write_date.tzinfo is not None and point.write_date.microsecond == 0
    barcodes = {ref: p.barcode for ref, p in points.items() if p.barcode}
    assert barcodes == {p.reference: p.deveui for p in seed.MAPPED}
    assert all(p.description is None and p.device_status is None for p in points.values())


def test_every_seeded_name_parses_with_no_configuration(odoo):
    parser = LocationParser(default_config().location)
    for point in _seeded_points(odoo.adapter()).values():
        outcome = parser.parse(
            Point(id=point.id, name=point.name, default_code=point.reference,
                  description=point.description)
        )  # fmt: skip
        assert outcome.error is None, outcome.error
        assert outcome.location.as_list() == SEEDED[point.reference].location


def test_empty_values_are_false_many2one_are_pairs_and_write_dates_whole_seconds(odoo):
    raw = odoo.call(
        "product.product",
        "search_read",
        domain=[["default_code", "=", "ERP024_025_03"]],
        fields=["barcode", "description_sale", "categ_id", "write_date"],
    )
    assert raw.ok, body_of(raw)
    (row,) = raw.value
    assert row["barcode"] is False and row["description_sale"] is False
    assert isinstance(row["categ_id"], list) and row["categ_id"][1] == seed.CATEGORY
    assert ODOO_STAMP.match(row["write_date"])


def test_reading_a_missing_id_leaves_it_out_while_writing_one_is_missing_error(odoo):
    existing = odoo.point_id("ERP024_025_03")
    if odoo.protocol == "json2":
        read = odoo.json2(
            "product.product", "read", {"ids": [424242, existing], "fields": ["name"]}
        )
        write = odoo.json2("product.product", "write", {"ids": [424242], "vals": {"name": "x"}})
        assert (write.status, write.name) == (404, "odoo.exceptions.MissingError")
    else:
        read = odoo.execute_kw(
            "product.product", "read", [[424242, existing]], {"fields": ["name"]}
        )
        write = odoo.execute_kw("product.product", "write", [[424242], {"name": "x"}], {})
        assert write.fault == 2
    assert read.ok and [r["id"] for r in read.value] == [existing]
    assert write.message.startswith("Record does not exist or has been deleted.\n(Record: ")
    assert "product.product(424242,)" in write.message
    with pytest.raises(ErpNotFound, match=r"Record does not exist.*\n.*424242"):
        odoo.adapter()._transport.call("product.product", "write", ids=[424242], vals={"name": "x"})


def test_archived_points_are_hidden_unless_active_test_is_false(odoo):
    adapter = odoo.adapter()
    point_id = odoo.point_id("ERP024_025_11")
    odoo.admin("product.product", "write", [[point_id], {"active": False}])
    odoo.restore(lambda: odoo.admin("product.product", "write", [[point_id], {"active": True}]))
    visible = {p.id for p in adapter.list_inspection_points()}
    everything = {p.id: p for p in adapter.list_inspection_points(include_archived=True)}
    assert str(point_id) not in visible
    assert everything[str(point_id)].active is False


# --- the optional device-status field ------------------------------------------------------


def test_a_stock_odoo_has_no_status_field_and_nothing_needs_it(odoo):
    adapter = odoo.adapter()
    (status,) = adapter.optional_fields()
    assert (status.name, status.present, status.required_by_settings) == (
        "x_device_status", False, False
    )  # fmt: skip
    point_id = str(odoo.point_id("ERP024_025_04"))
    written = adapter.write_point_fields(point_id, PointFields(device_status="pending"))
    assert written.device_status is None and written.barcode is None
    # asking Odoo for the field anyway is a 500 ValueError / Fault 1
    raw = odoo.call("product.product", "search_read", domain=[], fields=["x_device_status"])
    assert raw.status == 500 if odoo.protocol == "json2" else raw.fault == 1
    assert "Invalid field 'x_device_status' on 'product.product'" in raw.message


def test_a_status_field_named_in_settings_but_absent_is_a_configuration_error(odoo):
    adapter = odoo.adapter(status_field="x_device_status")
    assert len(_seeded_points(adapter)) == 11  # reads never need it
    point_id = str(odoo.point_id("ERP024_025_04"))
    with pytest.raises(ErpConfigurationMissing) as raised:
        adapter.write_point_fields(point_id, PointFields(device_status="active"))
    assert (raised.value.setting, raised.value.tried) == ("status_field", "x_device_status")


def test_the_status_field_is_created_in_one_call_and_then_used(odoo):
    adapter = odoo.adapter()

    def drop_field() -> None:
        ids = odoo.admin("ir.model.fields", "search",
                         [[["model", "=", "product.product"], ["name", "=", "x_device_status"]]])  # fmt: skip
        if ids:
            odoo.admin("ir.model.fields", "unlink", [ids])

    odoo.restore(drop_field)
    created = adapter.create_optional_field("device_status")
    assert created.present and created.name == "x_device_status"
    again = odoo.adapter()
    assert again.create_optional_field("device_status").present  # idempotent
    point_id = str(odoo.point_id("ERP024_025_05"))
    assert again.write_point_fields(
        point_id, PointFields(device_status="active")
    ).device_status == ("active")
    assert again.get_point(point_id).device_status == "active"


# --- writes: the DevEUI in the barcode ------------------------------------------------------


def test_a_deveui_written_as_barcode_reads_back_and_clears(odoo):
    adapter = odoo.adapter()
    point_id = odoo.point_id("ERP024_025_06")
    _restore_barcode(odoo, point_id)
    written = adapter.write_point_fields(
        str(point_id), PointFields(barcode="70-B3-D5-32-60-00-00-06")
    )
    assert written.barcode == "70-B3-D5-32-60-00-00-06"
    assert adapter.write_point_fields(str(point_id), PointFields(barcode=None)).barcode is None


def test_a_duplicate_barcode_is_a_conflict_with_the_whole_text_and_changes_nothing(odoo):
    adapter = odoo.adapter()
    point_id = odoo.point_id("ERP024_025_03")
    _restore_barcode(odoo, point_id)
    taken = SEEDED["ERP024_025_01"].deveui
    with pytest.raises(ErpConflict) as raised:
        adapter.write_point_fields(str(point_id), PointFields(barcode=taken))
    text = str(raised.value)
    assert "Barcode(s) already assigned:" in text
    assert f'- Barcode "{taken}" already assigned to product(s): ' in text
    assert "[ERP024_025_01] Golden Crust Manchester - Flour Storage Silo A" in text
    assert "[ERP024_025_03] Golden Crust Manchester - Dough Mixing Room" in text
    assert "Note: products that you don't have access to will not be shown above." in text
    assert adapter.get_point(str(point_id)).barcode is None
    raw = odoo.call("product.product", "write", ids=[point_id], vals={"barcode": taken})
    if odoo.protocol == "json2":
        assert (raw.status, raw.name) == (422, "odoo.exceptions.ValidationError")
        assert raw.arguments == [raw.message]
    else:
        assert raw.fault == 2 and raw.message.startswith("Barcode(s) already assigned:")


# --- create: positional values, list answers -----------------------------------------------


def test_create_takes_its_values_positionally_and_answers_a_list(odoo):
    tag = f"contract-{uuid.uuid4().hex[:8]}"

    def drop_tags() -> None:
        ids = odoo.admin("project.tags", "search", [[["name", "=like", f"{tag}%"]]])
        if ids:
            odoo.admin("project.tags", "unlink", [ids])

    odoo.restore(drop_tags)
    if odoo.protocol == "json2":
        many = odoo.json2("project.tags", "create", {"vals_list": [{"name": f"{tag}-a"}]})
        single = odoo.json2("project.tags", "create", {"vals_list": {"name": f"{tag}-b"}})
        assert isinstance(many.value, list) and isinstance(single.value, list)
        with_ids = odoo.json2("project.tags", "create", {"ids": [1], "vals_list": []})
        assert (with_ids.status, with_ids.message) == (
            422, "cannot call project.tags.create with ids"
        )  # fmt: skip
        assert with_ids.arguments == [with_ids.message, 422]
    else:
        many = odoo.execute_kw("project.tags", "create", [[{"name": f"{tag}-a"}]], {})
        single = odoo.execute_kw("project.tags", "create", [{"name": f"{tag}-b"}], {})
        assert isinstance(many.value, list) and isinstance(single.value, int)
        keyword = odoo.execute_kw(
            "project.tags", "create", [], {"vals_list": [{"name": f"{tag}-c"}]}
        )
        assert keyword.fault == 1 and "IndexError: list index out of range" in keyword.message
    names = {
        r["name"]
        for r in odoo.admin(
            "project.tags", "search_read", [[["name", "=like", f"{tag}%"]]], fields=["name"]
        )
    }
    assert names == {f"{tag}-a", f"{tag}-b"}  # the keyword create made nothing


# --- incidents --------------------------------------------------------------------------------


def test_an_incident_lands_in_the_pest_project_as_html_once_and_takes_notes(odoo):
    adapter = odoo.adapter()
    key = f"contract:{uuid.uuid4().hex}"
    _remove_tasks_marked(odoo, key)
    point = _seeded_points(adapter)["ERP024_025_01"]
    draft = IncidentDraft(
        title="Rodent detected: Flour Storage Silo A",
        description="Microshare rodent_present <3 in 10 min> & counting",
        point_id=point.id,
        point_reference=point.reference,
        dedupe_key=key,
        occurred_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        tags=["pest-control"],
    )
    first = adapter.create_incident(draft)
    assert odoo.adapter().create_incident(draft) == first  # a retry finds it
    (task,) = odoo.admin("project.task", "read", [[int(first.id)]],
                         fields=["description", "project_id", "stage_id", "tag_ids"])  # fmt: skip
    assert task["project_id"][1] == seed.INCIDENT_PROJECT
    assert task["description"].startswith(
        "<p>Microshare rodent_present &lt;3 in 10 min&gt; &amp; counting</p>"
    )
    assert "ERP024_025_01" in task["description"] and f"[sync-bridge:{key}]" in task["description"]
    assert len(task["tag_ids"]) == 1
    adapter.add_incident_note(first.id, "rodent_present again at 08:04")
    raw = odoo.call("project.task", "message_post", ids=[int(first.id)], body="raw note",
                    message_type="comment")  # fmt: skip
    assert raw.ok and isinstance(raw.value, list) and len(raw.value) == 1


def test_a_named_incident_project_that_does_not_exist_is_a_configuration_error(odoo):
    adapter = odoo.adapter(incident_container="Pest incidents")
    with pytest.raises(ErpConfigurationMissing) as raised:
        adapter.create_incident(IncidentDraft(title="x", dedupe_key=f"c:{uuid.uuid4().hex}"))
    assert (raised.value.setting, raised.value.tried) == ("incident_container", "Pest incidents")


def test_an_incident_model_that_is_not_installed_is_a_configuration_error(odoo):
    adapter = odoo.adapter(incident_model="helpdesk.ticket")
    with pytest.raises(ErpConfigurationMissing) as raised:
        adapter.find_incident("anything")
    assert (raised.value.setting, raised.value.tried) == ("incident_model", "helpdesk.ticket")


# --- errors users can act on ----------------------------------------------------------------


def test_a_wrong_api_key_is_credentials_refused_and_never_shown(odoo):
    wrong = "0" * 40
    with pytest.raises(ErpAuthError) as raised:
        odoo.adapter(api_key=wrong).find_category()
    assert wrong not in str(raised.value) and odoo.api_key not in str(raised.value)
    if odoo.protocol == "json2":
        raw = odoo.json2("product.category", "search_count", {"domain": []}, key=wrong)
        assert (raw.status, raw.name, raw.message) == (
            401, "werkzeug.exceptions.Unauthorized", "Invalid apikey"
        )  # fmt: skip
        assert raw.arguments == ["Invalid apikey", 401]
    else:
        assert odoo.xmlrpc("common").authenticate(odoo.database, odoo.login, wrong, {}) is False
        raw = odoo.xmlrpc("object")
        with pytest.raises(Exception, match="Access Denied") as fault:
            raw.execute_kw(odoo.database, odoo.uid, wrong, "res.partner", "search", [[]], {})
        assert fault.value.faultCode == 3


def test_a_wrong_database_is_a_configuration_error_naming_it(odoo):
    with pytest.raises(ErpConfigurationMissing) as raised:
        odoo.adapter(database="no_such_db").find_category()
    assert (raised.value.setting, raised.value.tried) == ("database", "no_such_db")
    if odoo.protocol == "json2":
        raw = odoo.json2("product.product", "search", {"domain": []}, database="no_such_db")
        assert raw.status == 404 and raw.html and "No database is selected" in raw.message
        alone = odoo.json2("product.product", "search_count", {"domain": []}, database=None)
        assert alone.ok and alone.value >= 11  # one database on the server: no header needed
    else:
        with pytest.raises(Exception, match=r'database "no_such_db" does not exist') as fault:
            odoo.xmlrpc("common").authenticate("no_such_db", odoo.login, odoo.api_key, {})
        assert fault.value.faultCode == 1 and "OperationalError" in fault.value.faultString


def test_an_unknown_field_is_a_configuration_error_naming_it(odoo):
    transport = odoo.adapter()._transport
    for kwargs, text in (
        ({"domain": [["nope", "=", 1]]},
         "Invalid field product.product.nope in condition ('nope', '=', 1)"),
        ({"domain": [], "order": "nope asc"}, "Invalid field 'nope' on model 'product.product'"),
    ):  # fmt: skip
        with pytest.raises(ErpConfigurationMissing) as raised:
            transport.call("product.product", "search", **kwargs)
        assert (raised.value.setting, raised.value.tried) == ("field", "nope")
        assert text in str(raised.value)


def test_unknown_models_and_methods_answer_as_the_contract_says(odoo):
    if odoo.protocol == "json2":
        model = odoo.json2("helpdesk.ticket", "search", {"domain": []})
        assert (model.status, model.name, model.message) == (
            404, "werkzeug.exceptions.NotFound", "the model 'helpdesk.ticket' does not exist"
        )  # fmt: skip
        method = odoo.json2("product.product", "no_such_method", {})
        assert (method.status, method.message) == (
            404, "The method 'product.product.no_such_method' does not exist"
        )  # fmt: skip
        unexpected = odoo.json2("product.product", "search", {"domain": [], "bogus": 1})
        assert (unexpected.status, unexpected.name) == (
            422,
            "werkzeug.exceptions.UnprocessableEntity",
        )
        assert unexpected.message == "got an unexpected keyword argument 'bogus'"
    else:
        model = odoo.execute_kw("helpdesk.ticket", "search", [[]], {})
        assert (model.fault, model.message) == (2, "Object helpdesk.ticket doesn't exist")
        method = odoo.execute_kw("product.product", "no_such_method", [[]], {})
        assert method.fault == 1
        assert "AttributeError: The method 'product.product.no_such_method' does not exist" in (
            method.message
        )
        extra = odoo.execute_kw("product.product", "search", [[]], {}, {})
        assert extra.fault == 1 and "too many values to unpack" in extra.message


def test_the_server_describes_itself_and_does_not_throttle_xmlrpc_logins(odoo):
    if odoo.protocol == "json2":
        raw = odoo.json2("product.category", "search_count", {"domain": []})
        assert raw.ok and isinstance(raw.value, int)
        return
    common = odoo.xmlrpc("common")
    version = common.version()
    assert version["server_serie"] == "19.0" and version["protocol_version"] == 1
    assert (
        version["server_version_info"][:2] == [19, 0] and len(version["server_version_info"]) == 6
    )
    for attempt in range(6):
        assert common.authenticate(odoo.database, odoo.login, f"wrong-{attempt}", {}) is False
    assert common.authenticate(odoo.database, odoo.login, odoo.api_key, {}) == odoo.uid


# --- the whole flow, zero configuration --------------------------------------------------------


def _pest_context(odoo: OdooTarget):
    """The pest services on this Odoo target, Microshare's simulator and in-memory stores,
    with the default configuration; returns (context, Microshare simulator)."""
    from syncbridge.adapters.microshare import MicroshareClient
    from syncbridge.roots.pest import ErpBridge, IotBridge, PestContext
    from syncbridge_local.simulators import microshare as microshare_sim
    from tests.unit.pest.fakes import MemoryAudit, MemoryDeviceStore, MemoryPestStore

    microshare = microshare_sim.start()
    odoo.restore(microshare.stop)
    iot = MicroshareClient.from_secret(
        microshare.url, microshare.auth_url, microshare.credentials, settle_seconds=0.05
    )
    odoo.restore(iot.close)
    stores = (MemoryPestStore(), MemoryDeviceStore(), MemoryAudit())
    ctx = PestContext("golden-crust", default_config(), *stores, ErpBridge(odoo.adapter()),
                      IotBridge(iot))  # fmt: skip
    return ctx, microshare


def test_zero_configuration_flow_discovery_devices_deveui_and_incidents(odoo):
    """Discovery, gap analysis, device creation, DevEUI write-back and incidents on the
    seed's naming with the default configuration (Microshare is its simulator here)."""
    _remove_tasks_marked(odoo, "[sync-bridge:microshare:")
    ctx, _ = _pest_context(odoo)
    tenant, config = ctx.tenant, ctx.config

    inventory = ctx.discovery.inventory(tenant, config)
    seeded = [v for v in inventory.views if v.point.default_code in SEEDED]
    assert len(seeded) == 11 and not inventory.freshness.stale
    assert [p for p in inventory.parse_errors if p.name.startswith(seed.SITE)] == []
    gaps = [g for g in ctx.discovery.unmapped(inventory, config) if g.point.default_code in SEEDED]
    assert sorted(g.point.default_code for g in gaps) == [p.reference for p in seed.UNMAPPED]

    ids = {g.point.default_code: g.point.id for g in gaps}
    created = ctx.provisioning.create_devices(tenant, config, "ops", point_ids=list(ids.values()))
    assert created.summary == {"created": 9}, created

    device_id = ids["ERP024_025_03"]
    _restore_barcode(odoo, int(device_id))
    ctx.device_service.propose_deveui(tenant, device_id, "70b3d53260001234", "alice")
    confirmed = ctx.device_service.confirm_deveui(tenant, device_id, "bob")
    assert confirmed.pending_sync == [] and confirmed.deveui == "70-B3-D5-32-60-00-12-34"
    (row,) = odoo.admin("product.product", "read", [[int(device_id)]], fields=["barcode"])
    assert row["barcode"] == "70-B3-D5-32-60-00-12-34"

    result = ctx.incidents.sync(tenant, config)
    assert result.errors == {}, result.problems
    assert result.summary.get("created") == 2 and result.summary.get("grouped") == 4
    task_ids = {r.incident_id for r in result.results if r.outcome == "created"}
    tasks = odoo.admin("project.task", "read", [[int(i) for i in task_ids]],
                       fields=["project_id", "description"])  # fmt: skip
    assert {t["project_id"][1] for t in tasks} == {seed.INCIDENT_PROJECT}
    assert all(t["description"].startswith("<p>") for t in tasks)


def test_a_deveui_odoo_refuses_is_rolled_back_in_microshare_too(odoo):
    """The DevEUI saga: Microshare takes the new DevEUI, Odoo refuses the barcode (another
    product holds it), so Microshare and our record go back to the old one."""
    from syncbridge.domain.pest.errors import UpstreamConflict
    from syncbridge.domain.pest.models import DEFAULT_DEVEUI

    eui = "70-B3-D5-32-60-00-77-77"
    spare = odoo.admin(
        "product.product",
        "create",
        [{"name": "Spare trap (stock)", "default_code": "SPARE-CONTRACT", "barcode": eui}],
    )
    odoo.restore(lambda: odoo.admin("product.product", "unlink", [[spare]]))
    ctx, microshare = _pest_context(odoo)
    point_id = str(odoo.point_id("ERP024_025_07"))
    _restore_barcode(odoo, int(point_id))
    created = ctx.provisioning.create_devices(ctx.tenant, ctx.config, "ops", point_ids=[point_id])
    assert created.summary == {"created": 1}, created
    ctx.device_service.propose_deveui(ctx.tenant, point_id, eui, "alice")
    with pytest.raises(UpstreamConflict) as raised:
        ctx.device_service.confirm_deveui(ctx.tenant, point_id, "bob")
    assert "[SPARE-CONTRACT] Spare trap (stock)" in raised.value.message
    assert "[ERP024_025_07] Golden Crust Manchester - Packing Hall" in raised.value.message
    device = ctx.device_service.get(ctx.tenant, point_id)
    assert device.deveui == DEFAULT_DEVEUI and device.pending_sync == []
    assert device.deveui_change.state == "rolled_back"
    in_microshare = [
        d["id"] for d in microshare.state.devices() if d["meta"]["location"][3] == "ERP024_025_07"
    ]
    assert in_microshare == [DEFAULT_DEVEUI]
    (row,) = odoo.admin("product.product", "read", [[int(point_id)]], fields=["barcode"])
    assert row["barcode"] is False
