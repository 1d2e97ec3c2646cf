"""Insights integration fixtures: the pest-control simulators fixture is shared."""

from tests.integration.pest.conftest import sims  # noqa: F401 - a fixture, used by name
