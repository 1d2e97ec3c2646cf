"""Key standardization: turn messy field values into comparable keys.

Every function takes a raw value (any type, possibly None) and returns a plain
string key ("" when there is nothing usable) or a number. They are pure, total
(never raise on odd input) and cheap on the common ASCII path, because the
engine calls them once per record and field at million-record scale.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_FIELD_CHARS = 400
"""Longer values are cut: nothing useful for matching lives past this."""

_PUNCT_TO_SPACE = {
    ord(c): " " for c in '!"#$%()*+,-./:;<=>?@[\\]^_`{|}~\u00a0\u2013\u2014\u2018\u2019\u201c\u201d'
}
_PUNCT_TO_SPACE[ord("'")] = None  # "Lefty's" -> "leftys"
_PUNCT_TO_SPACE[ord("&")] = " and "
_PUNCT_TABLE = str.maketrans(_PUNCT_TO_SPACE)
_ASCII_TABLE = bytes(
    32 if (b < 128 and _PUNCT_TO_SPACE.get(b, 0) == " ") else b for b in range(256)
)  # apostrophes are handled separately: bytes.translate cannot delete and map at once

LEGAL_WORDS = {
    "co": "co", "company": "co", "cos": "co", "companies": "co",
    "corp": "corp", "corporation": "corp",
    "inc": "inc", "incorporated": "inc",
    "llc": "llc", "l l c": "llc", "ltd": "ltd", "limited": "ltd",
    "llp": "llp", "lp": "lp", "plc": "plc", "pty": "pty", "gmbh": "gmbh",
    "ag": "ag", "sa": "sa", "sarl": "sarl", "srl": "srl", "spa": "spa", "bv": "bv",
    "nv": "nv", "oy": "oy", "ab": "ab", "as": "as", "kg": "kg", "sp": "sp", "zoo": "zoo",
    "dba": "dba", "the": "the", "and": "and", "of": "of",
}  # fmt: skip
"""Legal forms and filler words: canonicalized, then ignored in the core name."""

STREET_WORDS = {
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "road": "rd",
    "boulevard": "blvd", "drive": "dr", "lane": "ln", "court": "ct", "place": "pl",
    "parkway": "pkwy", "highway": "hwy", "square": "sq", "terrace": "ter",
    "circle": "cir", "trail": "trl", "way": "way", "suite": "ste", "unit": "ste",
    "building": "bldg", "floor": "fl", "north": "n", "south": "s", "east": "e",
    "west": "w", "northeast": "ne", "northwest": "nw", "southeast": "se",
    "southwest": "sw", "route": "rte", "mount": "mt", "saint": "st", "fort": "ft",
    "number": "no", "apartment": "apt",
}  # fmt: skip
"""Street abbreviations (USPS style) applied to addresses and city names."""

_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "gv", "ltd", "plc"}
_ZIP_US = re.compile(r"^(\d{5})(?:\d{4})?$")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_DIGIT = re.compile(r"\D+")
_NON_DIGIT_BYTES = bytes(b for b in range(256) if not 48 <= b <= 57)


def text(value: object) -> str:
    """Fold a value to lower-case, accent-free, punctuation-free, single-spaced text."""
    return " ".join(_words(value))


def _words(value: object) -> list[str]:
    """The folded words of a value (the hot path: one call per text field and record)."""
    if value is None:
        return []
    s = value if type(value) is str else str(value)
    if len(s) > MAX_FIELD_CHARS:
        s = s[:MAX_FIELD_CHARS]
    if s.isascii():
        if "&" in s:
            s = s.replace("&", " and ")
        return s.lower().encode("ascii").translate(_ASCII_TABLE, b"'").decode("ascii").split()
    return _fold_unicode(s).translate(_PUNCT_TABLE).split()


@lru_cache(maxsize=65536)
def _fold_unicode(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold()
    decomposed = unicodedata.normalize("NFD", s)
    out: list[str] = []
    base_latin = False
    for c in decomposed:
        if unicodedata.combining(c):
            if base_latin:
                continue  # an accent on a Latin letter: "é" -> "e"
        else:
            base_latin = ord(c) < 0x0250 or 0x1E00 <= ord(c) <= 0x1EFF
        out.append(c)  # marks elsewhere carry meaning (Japanese dakuten, Hangul, ...)
    return unicodedata.normalize("NFC", "".join(out))


def tokens(value: object, canon: dict[str, str] | None = None) -> list[str]:
    """Folded tokens, each mapped through `canon` (abbreviation table) when given."""
    toks = _words(value)
    if canon is not None:
        get = canon.get
        toks = [get(t, t) for t in toks]
    return toks


def _typo_variants(word: str) -> set[str]:
    """Every string one edit (delete, substitute, swap, insert) away from `word`."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:k], word[k:]) for k in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b for a, b in splits for c in letters}
    return out


_LEGAL_TYPOS = {
    variant: canon
    for long, canon in (("company", "co"), ("corporation", "corp"), ("incorporated", "inc"),
                        ("limited", "ltd"), ("companies", "co"))
    for variant in _typo_variants(long)
    if len(variant) >= 5
}  # fmt: skip
_NAME_CANON = {**_LEGAL_TYPOS, **LEGAL_WORDS}
"""Legal forms, and one-typo misspellings of the long ones ("Compnay" -> "co"): a typo
must not turn a legal suffix into the most distinctive word of a name."""


def name_tokens(value: object) -> list[str]:
    """Name tokens with legal forms canonicalized ("Company", "Compnay" -> "co")."""
    return tokens(value, _NAME_CANON)


def address(value: object) -> str:
    """Street address with USPS-style abbreviations: "12 North Main Street" -> "12 n main st"."""
    return " ".join(tokens(value, STREET_WORDS))


def street_key(addr: str) -> str:
    """House number + first street word of a standardized address ("12 n main st" ->
    "12 main"): the same place even when suites, directions or suffixes differ."""
    parts = addr.split()
    if len(parts) < 2 or not parts[0][:1].isdigit():
        return ""
    for word in parts[1:]:
        if len(word) > 2 and word.isalpha():
            return parts[0] + " " + word
    return parts[0] + " " + parts[1]


@lru_cache(maxsize=65536)
def city(value: object) -> str:
    return " ".join(tokens(value, STREET_WORDS))


@lru_cache(maxsize=65536)
def postal_code(value: object) -> str:
    """Upper-case alphanumerics; US ZIP+4 cut to the 5-digit ZIP."""
    s = text(value).replace(" ", "")
    if not s:
        return ""
    m = _ZIP_US.match(s)
    return m.group(1) if m else s.upper()


def phone(value: object) -> str:
    """E.164-style "+digits" (international prefix 00 -> +); "" when too short to be a number."""
    if value is None:
        return ""
    raw = str(value)[:MAX_FIELD_CHARS]
    if raw.isascii():
        digits = raw.encode("ascii").translate(None, _NON_DIGIT_BYTES).decode("ascii")
    else:
        digits = _NON_DIGIT.sub("", unicodedata.normalize("NFKC", raw))
    if raw.lstrip().startswith("00"):
        digits = digits[2:]
    if len(digits) < 7:
        return ""
    return "+" + digits


def phone_key(value: object) -> str:
    """The subscriber part of a phone number (last 9 digits).

    Country codes and trunk prefixes ("+353 1 ..." vs "01 ...", "+1 303" vs "303")
    vary between systems for the same line; the last nine digits do not.
    """
    e164 = phone(value)
    return e164[-9:] if e164 else ""


def website_domain(value: object) -> str:
    """Registrable domain: "https://www.Shop.example.co.uk/x" -> "example.co.uk"."""
    s = text_raw_lower(value)
    if not s:
        return ""
    cut = s.find("://")
    if cut >= 0:
        s = s[cut + 3 :]
    for sep in "/?#":
        cut = s.find(sep)
        if cut >= 0:
            s = s[:cut]
    host = s.rpartition("@")[2].partition(":")[0].strip(". ")
    labels = [lab for lab in host.split(".") if lab]
    if len(labels) < 2:
        return ""
    if labels[0] == "www":
        labels = labels[1:]
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def text_raw_lower(value: object) -> str:
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    return s[:MAX_FIELD_CHARS].strip().lower()


def code(value: object) -> str:
    """SKU / lot code / model number: upper-case alphanumerics only ("ab-12/3" -> "AB123")."""
    s = text(value)
    return _NON_ALNUM.sub("", s).upper() if s else ""


def model_numbers(*values: object) -> list[str]:
    """Model-number-like codes in free text: tokens mixing letters and digits.

    "Sony VGN-CS180J/Q 14.1-Inch" -> ["VGNCS180JQ", "CS180JQ", "141INCH"]. Both the
    hyphen-joined whole and its digit-bearing parts are kept, so "WM2455HG" and
    "WM-2455HG" meet. Adjacent short tokens are joined as well ("A590 IS" -> "A590IS").
    """
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        if value is None:
            continue
        raw = str(value)[:MAX_FIELD_CHARS]
        if not raw.isascii():
            raw = _fold_unicode(raw)
        chunks = raw.upper().replace(",", " ").replace("(", " ").replace(")", " ").split()
        prev = ""
        for chunk in chunks:
            whole = _NON_ALNUM.sub("", chunk.lower()).upper()
            candidates = [whole, *(p.upper() for p in re.split(r"[-/._]+", chunk.lower()))]
            if prev and whole and ((len(whole) <= 3 and whole.isalpha()) or _is_model(whole)):
                candidates.append(prev + whole)  # "A590 IS" -> "A590IS", "MDR EX55" -> ...
            for cand in candidates:
                cand = _NON_ALNUM.sub("", cand.lower()).upper()
                if _is_model(cand) and cand not in seen:
                    seen.add(cand)
                    out.append(cand)
            prev = whole if _is_model(whole) or (2 <= len(whole) <= 8 and whole.isalpha()) else ""
    return out


def model_stem(code_: str) -> str:
    """A model code without its trailing variant letters: "SD1100ISB" -> "SD1100".

    Colour and region variants ("RXV663BK" / "RXV663BL") share the stem.
    """
    end = len(code_)
    while end and code_[end - 1].isalpha():
        end -= 1
    stem = code_[:end]
    return stem if len(stem) >= 4 and any(c.isalpha() for c in stem) else ""


def model_suffixes(stem: str) -> list[str]:
    """Tails of a model stem that still look like a model: "MDREX55" -> ["DREX55", "REX55", "EX55"].

    One shop writes the series prefix ("MDR-EX55"), the other leaves it out ("EX55").
    """
    return [stem[k:] for k in range(1, len(stem) - 3) if _is_model(stem[k:]) and stem[k].isalpha()]


def _is_model(tok: str) -> bool:
    if len(tok) < 3 or len(tok) > 24:
        return False
    has_digit = any(c.isdigit() for c in tok)
    has_alpha = any(c.isalpha() for c in tok)
    if has_digit and has_alpha:
        return True
    return has_digit and len(tok) >= 5  # long pure numbers: part numbers, UPCs


def number(value: object) -> float:
    """A float from a number or numeric string ("$1,239.97" -> 1239.97); NaN when absent."""
    if value is None or isinstance(value, bool):
        return float("nan")
    if isinstance(value, int | float):
        return float(value)
    s = re.sub(r"[^0-9.\-]", "", str(value)[:64])
    try:
        return float(s)
    except ValueError:
        return float("nan")


def date_days(value: object) -> float:
    """Days since 1970-01-01 from an ISO 8601 date/datetime string; NaN when unparseable."""
    if not isinstance(value, str) or len(value) < 10:
        return float("nan")
    from datetime import date

    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return float("nan")
    return float(d.toordinal() - 719163)


# ---- column-wise forms: the same keys for a whole column at once ---------------------
# Reading a million records a side, per-value Python calls dominate; these fold a whole
# column in a few C-level string operations (one join, lower, translate, split) and
# fall back to the per-value functions above for anything the fast path cannot prove
# equal (non-ASCII text, a value holding the separator). Each equals mapping its
# per-value function over the column (tests/unit/matching/test_standardize.py).

_SEP = "\x1f"
_NON_DIGIT_KEEP_SEP = bytes(b for b in range(256) if not (48 <= b <= 57 or b == 0x1F))


def _as_strings(values: list) -> list[str]:
    out = ["" if v is None else (v if type(v) is str else str(v)) for v in values]
    if out and max(map(len, out)) > MAX_FIELD_CHARS:
        out = [s[:MAX_FIELD_CHARS] for s in out]
    return out


def _joined_ascii(strings: list[str]) -> str | None:
    """The strings joined by the separator, when all are ASCII and none holds it."""
    big = _SEP.join(strings)
    if not big.isascii() or big.count(_SEP) != len(strings) - 1:
        return None
    return big


def _fold_many(values: list) -> list[str]:
    """Per value, the folded text `_words` splits (punctuation already spaces)."""
    strings = _as_strings(values)
    big = _joined_ascii(strings)
    if big is not None:
        return _fold_ascii(big)
    plain = [k for k, s in enumerate(strings) if s.isascii() and _SEP not in s]
    out = [" ".join(_words(s)) for s in strings] if len(plain) < 64 else None
    if out is None:  # the ASCII values the fast way, the others one by one
        out = strings[:]
        plain_set = set(plain)
        for k, s in enumerate(strings):
            if k not in plain_set:
                out[k] = " ".join(_words(s))
        for k, folded in zip(
            plain, _fold_ascii(_SEP.join([strings[k] for k in plain])), strict=True
        ):
            out[k] = folded
    return out


def _fold_ascii(big: str) -> list[str]:
    if "&" in big:
        big = big.replace("&", " and ")
    return big.lower().encode("ascii").translate(_ASCII_TABLE, b"'").decode("ascii").split(_SEP)


def folded_words_many(values: list) -> list[list[str]]:
    """`_words` of every value: the folded words, no abbreviation table applied."""
    return [s.split() for s in _fold_many(values)]


NAME_CANON = _NAME_CANON
"""The table `name_tokens` maps words through (for callers that map words later)."""


def address_many(values: list) -> list[str]:
    """`address` of every value."""
    get = STREET_WORDS.get
    return [" ".join(map(get, t, t)) for t in (s.split() for s in _fold_many(values))]


def phone_ints_many(values: list) -> list[int]:
    """Per value, `int(phone_key(v))`, -1 when there is no usable number."""
    strings = _as_strings(values)
    big = _joined_ascii(strings)
    if big is None:
        return [int(k) if (k := phone_key(v)) else -1 for v in values]
    digits = big.encode("ascii").translate(None, _NON_DIGIT_KEEP_SEP).decode("ascii")
    out = []
    for raw, d in zip(strings, digits.split(_SEP), strict=True):
        if d[:2] == "00" and raw.lstrip().startswith("00"):
            d = d[2:]
        out.append(int(d[-9:]) if len(d) >= 7 else -1)
    return out


def distinct_map(fn, values: list) -> list:
    """`fn` applied once per distinct value (towns, postcodes, domains repeat a lot)."""
    return list(map(distinct_table(fn, values).__getitem__, values))


def distinct_table(fn, values: list) -> dict:
    """Each distinct value -> `fn` of it, in first-seen order."""
    return {v: fn(v) for v in dict.fromkeys(values)}


_SIMPLE_SITE = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9-]+\.[a-z]{2,})/?")


def website_domains_many(values: list) -> list[str]:
    """`website_domain` of every value; "http://www.name.com"-like ones by one regex."""
    return list(map(website_domain_table(values).__getitem__, values))


def website_domain_table(values: list) -> dict:
    """Each distinct value -> its `website_domain`, in first-seen order."""

    def one(value: object) -> str:
        if type(value) is str and len(value) <= MAX_FIELD_CHARS:
            m = _SIMPLE_SITE.fullmatch(value.strip().lower())
            if m is not None and not m.group(1).startswith("www."):
                return m.group(1)
        return website_domain(value)

    return distinct_table(one, values)
