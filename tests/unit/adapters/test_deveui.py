"""DevEUI normalization: every spelling of one DevEUI compares equal, nothing else does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncbridge.domain.pest.deveui import (
    UNASSIGNED_DEVEUI,
    InvalidDevEui,
    is_unassigned,
    normalize_deveui,
    same_deveui,
    try_normalize_deveui,
)

eui_bytes = st.binary(min_size=8, max_size=8)


def spellings(raw: bytes, upper: bool, sep: str) -> str:
    pairs = [f"{b:02X}" if upper else f"{b:02x}" for b in raw]
    return sep.join(pairs)


@given(eui_bytes, st.booleans(), st.sampled_from(["", "-", ":"]), st.booleans())
def test_every_spelling_normalizes_to_the_dashed_upper_case_form(raw, upper, sep, padded):
    written = spellings(raw, upper, sep)
    if padded:
        written = f"  {written}\n"
    canonical = "-".join(f"{b:02X}" for b in raw)
    assert normalize_deveui(written) == canonical
    assert normalize_deveui(canonical) == canonical  # idempotent
    assert same_deveui(written, canonical)


@given(eui_bytes, eui_bytes)
def test_different_devices_never_compare_equal(a, b):
    assert same_deveui(a.hex(), b.hex()) == (a == b)


@given(st.text(max_size=30))
def test_anything_else_is_rejected_with_a_clear_error(text):
    stripped = text.strip()
    digits = stripped.replace("-", "").replace(":", "")
    looks_valid = len(digits) == 16 and all(c in "0123456789abcdefABCDEF" for c in digits)
    if looks_valid:
        return
    with pytest.raises(InvalidDevEui, match="16 hex digits"):
        normalize_deveui(text)
    assert try_normalize_deveui(text) is None


@pytest.mark.parametrize(
    "bad",
    ["58-A0-CB-00-00-10-2F", "58-A0-CB-00-00-10-2F-01-02", "58-A0:CB-00-00-10-2F-01",
     "58A0-CB00-0010-2F01", "G8-A0-CB-00-00-10-2F-01", "58--A0-CB-00-00-10-2F-01", ""],
)  # fmt: skip
def test_mixed_separators_wrong_groups_and_non_hex_are_invalid(bad):
    with pytest.raises(InvalidDevEui):
        normalize_deveui(bad)


def test_the_all_zero_placeholder_is_unassigned_in_any_spelling():
    assert is_unassigned(UNASSIGNED_DEVEUI)
    assert is_unassigned("0000000000000000")
    assert is_unassigned(None)
    assert not is_unassigned("58-A0-CB-00-00-10-2F-01")
    assert not same_deveui(None, None)


def test_one_definition_serves_the_domain_and_the_microshare_adapter() -> None:
    # regression: two modules disagreed ("58:A0-CB-..." valid in the domain, an error in
    # the adapter), so a DevEUI the API accepted could be refused on its way to Microshare
    import syncbridge.adapters.microshare as microshare
    from syncbridge.domain.pest import deveui

    assert microshare.normalize_deveui is deveui.normalize_deveui
    with pytest.raises(deveui.InvalidDevEui):
        deveui.normalize_deveui("58:A0-CB-00-00-10-2F-01")
    assert deveui.is_default("") and deveui.is_default(None)
    assert not deveui.is_default("not a deveui")
