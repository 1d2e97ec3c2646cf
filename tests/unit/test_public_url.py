"""One derivation of our own base URL for the API, the OAuth server and the portal links.

Regression caught: two derivations that disagreed (the connections route always said
https and always added the stage, the OAuth server did neither off API Gateway), so an
OAuth redirect URI and the sign-in page it came from could name different origins.
"""

from __future__ import annotations

import pytest

from syncbridge.public_url import public_base_url


def event(headers: dict[str, str], stage: str = "dev") -> dict:
    return {"headers": headers, "requestContext": {"stage": stage}}


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)


def test_the_configured_url_wins_without_its_trailing_slash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://api.example.com/")
    assert public_base_url(event({"Host": "abc.execute-api.eu-west-1.amazonaws.com"})) == (
        "https://api.example.com"
    )


def test_api_gateway_host_is_https_with_its_stage() -> None:
    url = public_base_url(event({"Host": "abc.execute-api.eu-west-1.amazonaws.com"}))
    assert url == "https://abc.execute-api.eu-west-1.amazonaws.com/dev"


def test_a_custom_domain_keeps_the_forwarded_scheme_and_no_stage() -> None:
    url = public_base_url(event({"host": "bridge.example.com", "X-Forwarded-Proto": "https"}))
    assert url == "https://bridge.example.com"


def test_the_local_runtime_is_plain_http() -> None:
    assert public_base_url(event({"Host": "127.0.0.1:9200"})) == "http://127.0.0.1:9200"


def test_multi_value_headers_count_too() -> None:
    only_multi = {"multiValueHeaders": {"Host": ["127.0.0.1:9201"]}, "requestContext": {}}
    assert public_base_url(only_multi) == "http://127.0.0.1:9201"
