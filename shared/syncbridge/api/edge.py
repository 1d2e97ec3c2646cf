"""Limits every request body meets before any route (or Powertools' validation) parses it.

Each check fails with a typed 4xx (`syncbridge.domain.errors`), never a 500:
- over `MAX_BODY_BYTES` -> 413 `payload_too_large`;
- a content type the route does not take -> 415 `unsupported_media_type`;
- bytes that are not UTF-8 -> 400 `invalid_encoding`;
- JSON nested deeper than `MAX_JSON_DEPTH` -> 400 `json_too_deep` (counted without recursion,
  so 100,000 brackets cost one linear scan, not a RecursionError);
- a number longer than `MAX_NUMBER_DIGITS` digits -> 422 `number_too_large` (Python refuses
  integers over 4,300 digits with a ValueError deep inside the parser);
- a string with a lone surrogate such as `\\ud800` -> 400 `invalid_unicode` (it cannot be
  encoded back to UTF-8 for storage or logs);
- anything else JSON refuses (NaN, trailing data) -> 400 `malformed_body`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from syncbridge.domain.errors import (
    InvalidEncoding,
    JsonTooDeep,
    MalformedBody,
    NumberTooLarge,
    PayloadTooLarge,
    UnsupportedMediaType,
)

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_NUMBER_DIGITS = 64

MEDIA_TYPES = {
    "json": ("application/json",),
    "form": ("application/x-www-form-urlencoded",),
}


def body_bytes(event: dict[str, Any]) -> bytes:
    """The request body as API Gateway delivered it (base64 for binary), as bytes."""
    body = event.get("body")
    if body is None or body == "":
        return b""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedBody("the body is marked base64 but is not") from None
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:  # a str holding lone surrogates
        raise InvalidEncoding("the body is not valid UTF-8") from None


def media_type(event: dict[str, Any]) -> str:
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    return str(headers.get("content-type") or "").split(";", 1)[0].strip().lower()


def check_request(event: dict[str, Any], kind: str) -> None:
    """Raise the matching 4xx when the body breaks a limit for a route taking `kind`."""
    raw = body_bytes(event)
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"the body is larger than {MAX_BODY_BYTES} bytes", limit_bytes=MAX_BODY_BYTES
        )
    if not raw or kind == "none":
        return
    accepted = MEDIA_TYPES[kind]
    mtype = media_type(event)
    if not (mtype in accepted or (kind == "json" and mtype.endswith("+json"))):
        raise UnsupportedMediaType(
            f"this route takes {' or '.join(accepted)}", accepted=list(accepted)
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidEncoding("the body is not valid UTF-8") from None
    if kind == "json":
        check_json(text)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """The deepest nesting of objects/arrays in `text`, ignoring brackets inside strings
    (strings are cut out by a regex, then only the brackets are walked: linear, no
    recursion, fast enough for a 1 MB body)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _number(text: str) -> float | int:
    digits = sum(c.isdigit() for c in text)
    if digits > MAX_NUMBER_DIGITS:
        raise NumberTooLarge(
            f"a number has more than {MAX_NUMBER_DIGITS} digits", max_digits=MAX_NUMBER_DIGITS
        )
    return float(text) if any(c in text for c in ".eE") else int(text)


def _constant(name: str) -> None:
    raise MalformedBody(f"{name} is not JSON")


def _check_strings(value: Any) -> None:
    """Every string (keys too) must encode to UTF-8; depth is already bounded."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            key.encode("utf-8")
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def check_json(text: str) -> None:
    if json_depth(text) > MAX_JSON_DEPTH:
        raise JsonTooDeep(
            f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels",
            max_depth=MAX_JSON_DEPTH,
        )
    try:
        parsed = json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except (NumberTooLarge, MalformedBody):
        raise
    except (ValueError, RecursionError):
        raise MalformedBody("request body is not valid JSON") from None
    try:
        _check_strings(parsed)
    except UnicodeEncodeError:
        raise InvalidEncoding(
            "the body holds a lone UTF-16 surrogate (e.g. \\ud800)", code_detail="lone_surrogate"
        ) from None
