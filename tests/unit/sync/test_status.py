"""The sync status page: per connection, its next and last run, counts per type, recent
errors newest first with a link to their audit entry, and refused scans without their text."""

from __future__ import annotations

from dataclasses import dataclass

from syncbridge.domain.setup.models import Page
from syncbridge.domain.sync.models import RESOURCE_TYPES
from syncbridge.domain.sync.schedules import ScheduleInfo
from syncbridge.domain.sync.status import connection_status, sync_status

TENANT = "tenant-a"


@dataclass
class Conn:
    connection_id: str = "ekos"
    erp: str = "ekos"
    status: str = "active"
    connected_at: str = "2026-12-01T10:00:00Z"
    tenant_id: str = TENANT


class FakeSchedules:
    def __init__(self, infos):
        self.infos = infos

    def describe(self, tenant_id, connection_id):
        return self.infos if (tenant_id, connection_id) == (TENANT, "ekos") else []


class FakeReads:
    def __init__(self, runs=(), failed=()):
        self._runs, self._failed, self.run_limits = list(runs), list(failed), []

    def cursor(self, tenant_id, connection_id, resource_type):
        return f"cursor-{resource_type}"

    def mapped_count(self, tenant_id, erp, resource_type):
        return 2 if resource_type == RESOURCE_TYPES[0] else 1

    def review_count(self, tenant_id, erp, resource_type):
        return 3 if resource_type == RESOURCE_TYPES[-1] else 0

    def runs(self, tenant_id, connection_id, limit):
        self.run_limits.append(limit)
        return self._runs[:limit]

    def failed_scans(self, tenant_id):
        return self._failed


class FakeAudit:
    """Entries per action, newest first, as the audit store answers `query`."""

    def __init__(self, entries):
        self.entries = entries

    def query(self, tenant_id, query, cursor=None, limit=50):
        hits = [e for e in self.entries if e["action"] == query.action]
        return Page(items=sorted(hits, key=lambda e: e["audit_id"], reverse=True)[:limit])


def status(schedules=(), runs=(), failed=(), errors=()):
    return connection_status(
        TENANT,
        Conn(),
        FakeSchedules(list(schedules)),
        FakeReads(runs, failed),
        FakeAudit(list(errors)),
    )


def test_next_run_is_the_earliest_schedule_and_none_without_one():
    infos = [
        ScheduleInfo(name="a", action="reconcile", expression="x", next_run="2026-12-08T03:00:00Z"),
        ScheduleInfo(
            name="b", action="incremental_sync", expression="y", next_run="2026-12-07T10:15:00Z"
        ),
        ScheduleInfo(name="c", action="other", expression="z", next_run=None),
    ]
    shown = status(schedules=infos)
    assert shown["next_run"] == "2026-12-07T10:15:00Z" and len(shown["schedules"]) == 3
    assert status()["next_run"] is None


def test_last_run_is_the_latest_finished_run_else_the_latest_started():
    rtype = RESOURCE_TYPES[0]
    running = {"run_id": "r3", "resource_type": rtype, "finished_at": None}
    done = {"run_id": "r2", "resource_type": rtype, "finished_at": "2026-12-07T09:00:00Z"}
    assert status(runs=[running, done])["last_run"] == done
    assert status(runs=[running])["last_run"] == running
    assert status()["last_run"] is None


def test_each_type_shows_its_cursor_counts_and_own_last_run_and_the_totals_add_up():
    first, last = RESOURCE_TYPES[0], RESOURCE_TYPES[-1]
    run = {"run_id": "r1", "resource_type": last, "finished_at": "2026-12-07T09:00:00Z"}
    shown = status(runs=[run])
    by_type = {t["resource_type"]: t for t in shown["types"]}
    assert list(by_type) == list(RESOURCE_TYPES)
    assert by_type[first] == {"resource_type": first, "cursor": f"cursor-{first}", "mapped": 2,
                              "awaiting_review": 0, "last_run": None}  # fmt: skip
    assert by_type[last]["last_run"] == run and by_type[last]["awaiting_review"] == 3
    assert shown["counts"] == {"mapped": len(RESOURCE_TYPES) + 1, "awaiting_review": 3,
                               "failed_scans": 0, "recent_errors": 0}  # fmt: skip
    assert (shown["connection_id"], shown["erp"], shown["state"]) == ("ekos", "ekos", "active")
    assert shown["connected_at"] == "2026-12-01T10:00:00Z"


def test_the_run_history_asks_for_the_last_20_runs():
    reads = FakeReads()
    connection_status(TENANT, Conn(), FakeSchedules([]), reads, FakeAudit([]))
    assert reads.run_limits == [20]


def test_recent_errors_newest_first_with_reason_detail_and_a_link_to_their_entry():
    errors = [
        {"audit_id": "a1", "action": "dead_lettered", "at": "t1", "reason": "poison", "detail": "bad json"},
        {"audit_id": "a3", "action": "scan_rejected", "at": "t3", "status": "refused", "errors": ["no lot"],
         "resource_type": "batches", "external_id": "b-1"},
        {"audit_id": "a2", "action": "conflict", "at": "t2"},
        {"audit_id": "a0", "action": "updated", "at": "t0"},  # not an error
    ]  # fmt: skip
    shown = status(errors=errors)
    assert [e["audit_id"] for e in shown["recent_errors"]] == ["a3", "a2", "a1"]
    newest, conflict, dead = shown["recent_errors"]
    assert (newest["reason"], newest["detail"]) == ("refused", ["no lot"])
    assert newest["link"] == "/audit?resource_type=batches&external_id=b-1#a3"
    assert (dead["reason"], dead["detail"]) == ("poison", "bad json")
    assert dead["link"] == "/audit?action=dead_lettered#a1"
    assert conflict == {"audit_id": "a2", "at": "t2", "action": "conflict", "reason": None,
                        "detail": None, "resource_type": None, "external_id": None,
                        "link": "/audit?action=conflict#a2"}  # fmt: skip
    assert shown["counts"]["recent_errors"] == 3


def test_at_most_ten_errors_per_kind_are_read_and_twenty_shown():
    errors = [{"audit_id": f"{kind}-{n:02d}", "action": kind} for kind in ("conflict", "dead_lettered",
              "scan_rejected") for n in range(15)]  # fmt: skip
    shown = status(errors=errors)
    assert shown["counts"]["recent_errors"] == 30 and len(shown["recent_errors"]) == 20
    assert shown["recent_errors"][0]["audit_id"] == "scan_rejected-14"


def test_refused_scans_are_listed_without_their_message():
    failed = [{"scan_id": "s1", "reason": "unknown lot", "message": "raw ERP text"}]
    shown = status(failed=failed)
    assert shown["failed_scans"] == [{"scan_id": "s1", "reason": "unknown lot"}]
    assert shown["counts"]["failed_scans"] == 1


def test_the_page_lists_every_connection_of_the_tenant():
    class Lister:
        def list(self, tenant_id):
            return [Conn(), Conn(connection_id="other")] if tenant_id == TENANT else []

    page = sync_status(TENANT, Lister(), FakeSchedules([]), FakeReads(), FakeAudit([]))
    assert [c["connection_id"] for c in page["connections"]] == ["ekos", "other"]
    assert sync_status("tenant-b", Lister(), FakeSchedules([]), FakeReads(), FakeAudit([])) == {
        "connections": []
    }
