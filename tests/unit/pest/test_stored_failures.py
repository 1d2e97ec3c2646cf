"""A source's failure is stored with its snapshot and raised again, the same error, later.

The ERP may refuse our credentials or miss a setting during a refresh nobody watches: the
next read served from the snapshot, and the incident sync that needs the points, must tell
a person the same thing (code, action, setting and value tried, the same sentence).
"""

from __future__ import annotations

import pytest

from syncbridge.domain.pest.errors import (
    ConfigurationMissing,
    CredentialsRefused,
    SourceUnavailable,
    UpstreamRejected,
)

TENANT = "golden-crust"

FAILURES = {
    "down": SourceUnavailable("erp", "connection refused"),
    "down, no detail": SourceUnavailable("erp"),
    "credentials": CredentialsRefused("erp", "access denied for res.users"),
    "credentials, no detail": CredentialsRefused("erp"),
    "rejected": UpstreamRejected("erp", "unknown field x_deveui"),
    "rejected, no detail": UpstreamRejected("erp"),
    "configuration": ConfigurationMissing(
        "erp", "no field x_deveui", setting="deveui_field", tried="x_deveui"
    ),
    "configuration, no detail": ConfigurationMissing("erp", setting="tag", tried="Pest"),
}


def _same(raised: Exception, error: SourceUnavailable) -> None:
    assert type(raised) is type(error)
    assert isinstance(raised, SourceUnavailable)
    assert str(raised) == str(error)
    assert (raised.code, raised.action, raised.source, raised.detail) == (
        error.code, error.action, error.source, error.detail
    )  # fmt: skip
    assert raised.details == error.details
    assert getattr(raised, "setting", None) == getattr(error, "setting", None)
    assert getattr(raised, "tried", None) == getattr(error, "tried", None)


def _erp_fails_with(world, error: SourceUnavailable) -> None:
    def refuse(since):
        raise error

    world.erp.list_inspection_points = refuse


@pytest.mark.parametrize("error", FAILURES.values(), ids=FAILURES.keys())
def test_a_first_read_that_failed_is_raised_again_as_the_same_error(world, error):
    _erp_fails_with(world, error)
    with pytest.raises(SourceUnavailable) as first:
        world.discovery.inventory(TENANT, world.config)
    _same(first.value, error)
    # within the TTL the stored failure answers, and still says the same
    with pytest.raises(SourceUnavailable) as again:
        world.discovery.inventory(TENANT, world.config)
    _same(again.value, error)


@pytest.mark.parametrize("error", FAILURES.values(), ids=FAILURES.keys())
def test_alerts_wait_for_the_points_and_the_run_says_why_the_erp_failed(world, error):
    _erp_fails_with(world, error)
    world.discovery.refresh(TENANT, world.config)
    result = world.incidents.sync(TENANT, world.config)
    assert result.stale and result.results == []
    assert result.errors == {"erp": str(error)}
    problem = result.problems["erp"]
    assert (problem.code, problem.action, problem.message) == (error.code, error.action, str(error))
    assert (problem.setting, problem.tried) == (
        getattr(error, "setting", None), getattr(error, "tried", None)
    )  # fmt: skip


def test_before_any_read_the_run_says_the_erp_was_never_read(world):
    result = world.incidents.sync(TENANT, world.config)
    problem = result.problems["erp"]
    assert (problem.code, problem.action) == ("source_unavailable", "retry_later")
    assert result.errors["erp"] == problem.message
    assert problem.message.startswith("erp is unavailable: ") and "never read" in problem.message


def test_a_failed_refresh_after_a_good_one_serves_the_snapshot_and_names_the_setting(world):
    world.discovery.inventory(TENANT, world.config)
    world.clock.advance(seconds=61)
    error = FAILURES["configuration"]
    _erp_fails_with(world, error)
    inv = world.discovery.inventory(TENANT, world.config)
    assert len(inv.views) == 11 and inv.freshness.stale
    erp = inv.freshness.sources["erp"]
    assert (erp.ok, erp.error, erp.code) == (False, str(error), "configuration_missing")
    assert erp.details == {"setting": "deveui_field", "tried": "x_deveui"}
    # the ERP is fine again: the failure is forgotten
    del world.erp.list_inspection_points
    world.clock.advance(seconds=61)
    erp = world.discovery.inventory(TENANT, world.config).freshness.sources["erp"]
    assert (erp.ok, erp.error, erp.code, erp.details) == (True, None, None, {})


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (FAILURES["down"], "erp is unavailable: connection refused; retry later"),
        (FAILURES["down, no detail"], "erp is unavailable; retry later"),
        (
            FAILURES["credentials"],
            "reconnect erp: credentials refused: access denied for res.users",
        ),
        (FAILURES["credentials, no detail"], "reconnect erp: credentials refused"),
        (FAILURES["rejected"], "erp rejected the request: unknown field x_deveui"),
        (FAILURES["rejected, no detail"], "erp rejected the request"),
        (FAILURES["configuration"], "erp configuration missing: no field x_deveui"),
        (FAILURES["configuration, no detail"], "erp configuration missing"),
        # a detail that already says it is never said twice
        (SourceUnavailable("iot", "iot is unavailable: 503"), "iot is unavailable: 503"),
    ],
)
def test_each_failure_says_what_a_person_should_do(error, sentence):
    assert str(error) == error.message == sentence
