"""Hypothesis: whatever the records, the output is sound.

One decision per external record, one-to-one links, deterministic, and no crash on
null, empty, non-Latin or very long fields.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncbridge.matching import MatchOptions, match_records

_text = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(
        [
            "Red Dog Brewing Co",
            "Red Dog Brewing Company",
            "東京ビール",
            "서울 브루어리",
            "Café Zürich",
            "Main St",
            "x" * 5000,
            "  ",
            "Ω≈ç√",
            "\u0000",
        ]
    ),
    st.text(max_size=40),
)
_coord = st.one_of(st.none(), st.floats(-90, 90, allow_nan=False), st.just(0.0))


@st.composite
def _location(draw, rid: str) -> dict:
    return {
        "id": rid,
        "name": draw(_text),
        "address": draw(_text),
        "city": draw(st.one_of(st.none(), st.sampled_from(["Denver", "denver", "Köln", ""]))),
        "postal_code": draw(st.one_of(st.none(), st.sampled_from(["80205", "80205-1234", "BN27"]))),
        "phone": draw(
            st.one_of(st.none(), st.sampled_from(["3035551212", "+1 303 555 1212", "1"]))
        ),
        "website": draw(st.one_of(st.none(), st.sampled_from(["http://a.com", "b.co.uk/x", "::"]))),
        "lat": draw(_coord),
        "lon": draw(_coord),
    }


@st.composite
def _sides(draw):
    n_i = draw(st.integers(1, 12))
    n_e = draw(st.integers(1, 12))
    internal = [draw(_location(f"k{n}")) for n in range(n_i)]
    external = [draw(_location(f"e{n}")) for n in range(n_e)]
    # some exact copies, so that links exist
    for n in range(min(n_i, n_e, draw(st.integers(0, 4)))):
        external[n] = {**internal[n], "id": f"e{n}"}
    return internal, external


_settings = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(_sides())
def test_output_is_one_line_per_external_and_one_to_one(sides) -> None:
    internal, external = sides
    result = match_records(internal, external)
    assert [d.external_id for d in result.decisions] == [r["id"] for r in external]
    linked = [d.internal_id for d in result.decisions if d.decision != "create"]
    assert len(linked) == len(set(linked))
    valid = {r["id"] for r in internal}
    for d in result.decisions:
        assert (d.internal_id is None) == (d.decision == "create")
        assert d.internal_id is None or d.internal_id in valid
        assert 0.0 <= d.score <= 1.0


@_settings
@given(_sides())
def test_output_is_deterministic(sides) -> None:
    internal, external = sides
    first = match_records(internal, external).decisions
    second = match_records(internal, external).decisions
    assert [d.model_dump() for d in first] == [d.model_dump() for d in second]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "name": _text,
                "sku": st.one_of(st.none(), st.text(max_size=12), st.integers()),
                "price": st.one_of(
                    st.none(), st.floats(0, 1e6, allow_nan=False), st.text(max_size=8)
                ),
                "description": _text,
            }
        ),
        min_size=1,
        max_size=10,
    )
)
def test_product_profile_survives_anything(rows) -> None:
    internal = [{"id": f"k{n}", **r} for n, r in enumerate(rows)]
    external = [{"id": f"e{n}", **r} for n, r in enumerate(reversed(rows))]
    result = match_records(internal, external, MatchOptions(profile="product"))
    assert len(result.decisions) == len(external)
    linked = [d.internal_id for d in result.decisions if d.decision != "create"]
    assert len(linked) == len(set(linked))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "lot_code": st.one_of(st.none(), st.text(max_size=10)),
                "product_id": st.one_of(st.none(), st.text(max_size=6), st.integers()),
                "produced_at": st.one_of(
                    st.none(), st.just("2024-02-30"), st.just("2024-03-01"), st.text(max_size=12)
                ),
                "quantity": st.one_of(
                    st.none(), st.floats(-5, 1e9, allow_nan=False), st.just("12")
                ),
                "name": _text,
            }
        ),
        min_size=1,
        max_size=10,
    )
)
def test_batch_profile_survives_anything(rows) -> None:
    internal = [{"id": f"k{n}", **r} for n, r in enumerate(rows)]
    external = [{"id": f"e{n}", **r} for n, r in enumerate(rows)]
    result = match_records(internal, external, MatchOptions(profile="batch"))
    assert len(result.decisions) == len(external)
    linked = [d.internal_id for d in result.decisions if d.decision != "create"]
    assert len(linked) == len(set(linked))
