"""Production matches with the engine, or not at all (no silent exact-key fallback)."""

from __future__ import annotations

import sys

import pytest

from syncbridge.domain.setup.matchers import EngineMatcher
from syncbridge.roots import keg
from tests.helpers.exact_key_matcher import ExactKeyMatcher


def test_the_match_service_is_wired_to_the_engine() -> None:
    import syncbridge.matching

    service = keg.match_service()
    assert isinstance(service.matcher, EngineMatcher)
    assert not isinstance(service.matcher, ExactKeyMatcher)
    assert service.matcher._match_records is syncbridge.matching.match_records


def test_without_the_engine_the_wiring_fails_instead_of_falling_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "syncbridge.matching", None)  # the import now fails
    with pytest.raises(ImportError):
        keg.matcher()
    with pytest.raises(ImportError):
        keg.match_service()


def test_the_matcher_function_fails_its_init_without_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.helpers.functions import load_function

    monkeypatch.setitem(sys.modules, "syncbridge.matching", None)
    with pytest.raises(ImportError):
        load_function("matcher")
