"""Key standardization: equal things get equal keys, different things stay apart."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncbridge.matching import standardize as std


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Brewing Company", "Brewing Co"),
        ("Brewing Co.", "BREWING COMPANY"),
        ("Acme Corporation", "acme corp"),
        ("Lefty's Brewing", "Leftys Brewing"),
        ("Bräu-Haus Zürich", "Brau Haus Zurich"),
        ("\uff26\uff55\uff4c\uff4c\u3000\uff37\uff49\uff44\uff54\uff48", "full width"),  # NFKC
        ("Ben & Jerry", "ben and jerry"),
        ("Brave Creek Brewing Compnay", "Brave Creek Brewing Co"),  # a typo in a legal form
    ],
)
def test_given_spelling_variants_when_name_tokens_then_equal(a: str, b: str) -> None:
    assert std.name_tokens(a) == std.name_tokens(b)


def test_given_street_abbreviations_when_address_then_usps_forms() -> None:
    assert std.address("12 North Main Street, Suite 4") == std.address("12 N Main St Ste 4")
    assert std.address("500 Boulevard of Heroes") == "500 blvd of heroes"


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("20151-4009", "20151"),
        ("201514009", "20151"),
        ("bn27 4qr", "BN274QR"),
        ("", ""),
        (None, ""),
    ],
)
def test_postal_codes(raw: object, want: str) -> None:
    assert std.postal_code(raw) == want


def test_given_phone_formats_when_standardized_then_same_subscriber_key() -> None:
    assert std.phone("+1 (303) 555-1212") == "+13035551212"
    assert std.phone("0044 20 7946 0958") == "+442079460958"
    keys = {std.phone_key(p) for p in ("(303) 555-1212", "+1 303 555 1212", "303.555.1212")}
    assert keys == {"035551212"}
    assert std.phone_key("123") == ""
    assert std.phone_key(None) == ""
    assert std.phone_key(3035551212) == "035551212"


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("https://www.Shop.example.co.uk/x?y", "example.co.uk"),
        ("http://www.msbrewing.com", "msbrewing.com"),
        ("msbrewing.com/", "msbrewing.com"),
        ("https://user@sub.brewery.beer:8080/path", "brewery.beer"),
        ("not a url", ""),
        (None, ""),
    ],
)
def test_website_to_registrable_domain(raw: object, want: str) -> None:
    assert std.website_domain(raw) == want


def test_codes_and_model_numbers() -> None:
    assert std.code("ab-12/3") == "AB123"
    assert std.code(None) == ""
    models = std.model_numbers("Sony VGN-CS180J/Q Notebook", None)
    assert "VGNCS180JQ" in models
    assert "CS180J" in models
    assert std.model_numbers("Canon PowerShot A590 IS") == ["A590", "A590IS"]
    assert std.model_stem("SD1100ISB") == "SD1100"
    assert "EX55" in std.model_suffixes("MDREX55")


def test_numbers_and_dates() -> None:
    assert std.number("$1,239.97") == pytest.approx(1239.97)
    assert std.number(5) == 5.0
    assert math.isnan(std.number(None))
    assert math.isnan(std.number(True))
    assert std.date_days("1970-01-02T10:00:00Z") == 1.0
    assert math.isnan(std.date_days("yesterday"))


def test_given_hostile_values_when_standardized_then_no_crash() -> None:
    long = "x" * 100_000
    assert len(std.text(long)) <= std.MAX_FIELD_CHARS
    assert std.text("東京 ビール") == "東京 ビール"
    assert std.text("서울 브루어리") == "서울 브루어리"
    assert std.text("") == ""
    assert std.text("!!!") == ""
    assert std.name_tokens(None) == []
    assert std.model_numbers("\u0000\uffff" * 50) == []


def test_a_typo_in_a_distinctive_word_is_not_taken_for_a_legal_form() -> None:
    assert std.name_tokens("Compass Brewing") == ["compass", "brewing"]


_MESSY = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.text(alphabet=st.sampled_from(list("aZ09 &'-.,/()#\t\x1f\u00e9\u00df\u3000")), max_size=30),
    st.text(max_size=12),
    st.sampled_from(["Main Street", "00353 1 234 5678", "Brewing Compnay", "x" * 450]),
)


@given(st.lists(_MESSY, max_size=12))
def test_column_wise_standardisers_equal_the_per_value_ones(values: list) -> None:
    names = [std.name_tokens(v) for v in values]
    canon = std.NAME_CANON
    assert [[canon.get(t, t) for t in w] for w in std.folded_words_many(values)] == names
    assert std.address_many(values) == [std.address(v) for v in values]
    assert std.phone_ints_many(values) == [
        int(k) if (k := std.phone_key(v)) else -1 for v in values
    ]
    assert std.distinct_map(std.city, values) == [std.city(v) for v in values]
    assert std.website_domains_many(values) == [std.website_domain(v) for v in values]


_SITES = st.from_regex(
    r"\s?(HTTPS?://|https?://|ftp://)?(www\.|WWW\.)?([a-z0-9-]{0,6}\.){0,3}[a-z]{0,3}(/[a-z?#:@.]*)?",
    fullmatch=True,
)


@given(st.lists(st.one_of(_SITES, _MESSY), max_size=8))
def test_column_wise_website_domains_equal_the_per_value_ones(values: list) -> None:
    assert std.website_domains_many(values) == [std.website_domain(v) for v in values]


@settings(max_examples=25)
@given(st.lists(_MESSY, min_size=64, max_size=90))
def test_column_wise_folding_of_long_mixed_columns_equals_per_value(values: list) -> None:
    # 64+ values with some non-ASCII: the ASCII ones take the fast path, the rest not
    values = [*values, "Caf\u00e9 Zur Stra\u00dfe"]
    assert std.address_many(values) == [std.address(v) for v in values]


_TEXT = st.one_of(st.none(), st.sampled_from(["Main Street", "12 N Main St", "", "Denver"]),
                  st.text(alphabet=st.sampled_from(list("aZ09 &'-./\u00e9")), max_size=14))  # fmt: skip
_CODE = st.one_of(_TEXT, st.integers(min_value=0, max_value=99_999))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "name": _TEXT, "address": _TEXT, "city": _TEXT, "postal_code": _CODE, "phone": _CODE,
    "website": st.one_of(_TEXT, st.sampled_from(["http://www.a.com", "b.co.uk/x"])),
    "lat": st.one_of(st.none(), st.floats(-90, 90)),
}), max_size=12))  # fmt: skip
def test_a_batch_added_column_wise_equals_records_added_one_by_one(rows: list) -> None:
    from syncbridge.matching.profiles import SPECS
    from syncbridge.matching.records import SideBuilder

    recs = [{"id": f"r{k}", **row} for k, row in enumerate(rows)]
    sides = []
    for batch in (True, False):
        vocabs: dict = {}
        builder = SideBuilder(SPECS["location"], "x", vocabs)
        if batch:
            builder.add_many([dict(r) for r in recs])
        else:
            for k, rec in enumerate(recs):
                builder.add(dict(rec), k + 1)
        columns = {
            name: tuple(x.tolist() for x in col) if isinstance(col, tuple) else list(col)
            for name, col in builder.columns.items()
        }
        sides.append((columns, {name: v.words for name, v in vocabs.items()}))
    (cols_a, words_a), (cols_b, words_b) = sides
    assert words_a == words_b
    assert cols_a.keys() == cols_b.keys()
    for name in cols_a:
        a, b = cols_a[name], cols_b[name]
        if name in ("lat", "lon"):  # NaN != NaN
            a, b = [repr(x) for x in a], [repr(x) for x in b]
        assert a == b, name
