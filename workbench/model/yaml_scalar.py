"""YAML scalars: resolving plain scalars (YAML 1.2 core schema), converting and rendering them.

Rendering is the inverse used by the editor: :func:`render_scalar` writes a value so
that loading it gives back exactly that value (strings that look like numbers, booleans
or null, or that contain YAML indicators, are quoted).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

TAG_PREFIX = "tag:yaml.org,2002:"
STR_TAG = TAG_PREFIX + "str"
INT_TAG = TAG_PREFIX + "int"
FLOAT_TAG = TAG_PREFIX + "float"
BOOL_TAG = TAG_PREFIX + "bool"
NULL_TAG = TAG_PREFIX + "null"
TIMESTAMP_TAG = TAG_PREFIX + "timestamp"
MAP_TAG = TAG_PREFIX + "map"
SEQ_TAG = TAG_PREFIX + "seq"
MERGE_TAG = TAG_PREFIX + "merge"
SCALAR_TAGS = frozenset({STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG, TIMESTAMP_TAG})


def short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:int`` -> ``!!int`` for messages."""
    return "!!" + tag[len(TAG_PREFIX) :] if tag.startswith(TAG_PREFIX) else tag


_INT_RE = re.compile(r"[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)")
_FLOAT_RE = re.compile(
    r"[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_BOOL_RE = re.compile(r"true|True|TRUE|false|False|FALSE")
_NULL_RE = re.compile(r"~|null|Null|NULL|")
_TIMESTAMP_RE = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]*))?"
    r"(?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9]{1,2})(?::?(?P<tz_minute>[0-9]{2}))?))?)?"
)


def resolve_plain(value: str) -> str:
    """The YAML 1.2 core-schema tag of an untagged plain scalar."""
    if _NULL_RE.fullmatch(value):
        return NULL_TAG
    first = value[0]
    if first in "tTfF" and _BOOL_RE.fullmatch(value):
        return BOOL_TAG
    if first in "-+0123456789.":
        if _INT_RE.fullmatch(value):
            return INT_TAG
        if _FLOAT_RE.fullmatch(value):
            return FLOAT_TAG
        if first.isdigit() and _TIMESTAMP_RE.fullmatch(value):
            return TIMESTAMP_TAG
    return STR_TAG


def _to_int(text: str) -> int:
    clean = text.replace("_", "")
    sign = -1 if clean.startswith("-") else 1
    clean = clean.lstrip("+-")
    if clean.startswith(("0b", "0o", "0x")):
        return sign * int(clean[2:], {"b": 2, "o": 8, "x": 16}[clean[1]])
    return sign * int(clean, 10)


def _to_float(text: str) -> float:
    clean = text.replace("_", "").lower()
    if clean.endswith(".inf"):
        return -math.inf if clean.startswith("-") else math.inf
    if clean == ".nan":
        return math.nan
    return float(clean)


def _to_timestamp(text: str) -> str:
    match = _TIMESTAMP_RE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if match["hour"] is None:
        return _dt.date(year, month, day).isoformat()
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    tz: _dt.tzinfo | None = None
    if match["tz"] == "Z":
        tz = _dt.UTC
    elif match["tz"]:
        delta = _dt.timedelta(hours=int(match["tz_hour"]), minutes=int(match["tz_minute"] or 0))
        tz = _dt.timezone(-delta if match["tz_sign"] == "-" else delta)
    stamp = _dt.datetime(
        year,
        month,
        day,
        int(match["hour"]),
        int(match["minute"]),
        int(match["second"]),
        int(fraction),
        tzinfo=tz,
    )
    iso = stamp.isoformat()
    return iso[:-6] + "Z" if iso.endswith("+00:00") else iso


def scalar_value(tag: str, text: str) -> Any:
    """Convert scalar text with its resolved tag to plain Python; ``ValueError`` if invalid."""
    if tag in (STR_TAG, MERGE_TAG):
        return text
    if tag == NULL_TAG:
        if not _NULL_RE.fullmatch(text):
            raise ValueError(text)
        return None
    if tag == BOOL_TAG:
        lowered = text.lower()
        if lowered in ("true", "yes", "on", "y"):
            return True
        if lowered in ("false", "no", "off", "n"):
            return False
        raise ValueError(text)
    if tag == INT_TAG:
        if not _INT_RE.fullmatch(text.strip()):
            raise ValueError(text)
        return _to_int(text.strip())
    if tag == FLOAT_TAG:
        stripped = text.strip()
        if _INT_RE.fullmatch(stripped):
            return float(_to_int(stripped))
        if not _FLOAT_RE.fullmatch(stripped):
            raise ValueError(text)
        return _to_float(stripped)
    if tag == TIMESTAMP_TAG:
        try:
            return _to_timestamp(text.strip())
        except (ValueError, OverflowError):
            return text
    raise ValueError(text)


# --------------------------------------------------------------------------- rendering

_PRINTABLE = re.compile(
    "[\x09\x0a\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
_SINGLE_LINE_PRINTABLE = re.compile(
    "[\x09\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_INDICATORS = frozenset(",[]{}")
#: Words YAML 1.1 reads as booleans; quoted so older tools agree with us.
_YAML11_BOOLS = frozenset({"y", "n", "yes", "no", "on", "off"})
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}


def plain_allowed(text: str, *, flow: bool = False) -> bool:
    """Whether ``text`` can be written as a plain (unquoted) scalar and read back as ``text``."""
    if not text or text != text.strip(" ") or text[0] in _INDICATORS:
        return False
    if not _SINGLE_LINE_PRINTABLE.fullmatch(text) or "\t" in text:
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and (_FLOW_INDICATORS & set(text) or ":" in text):
        return False
    if text.lower() in _YAML11_BOOLS or text in ("<<", "=") or text.startswith(("---", "...")):
        return False
    return resolve_plain(text) == STR_TAG


def double_quoted(text: str) -> str:
    """``text`` as a one-line double-quoted YAML scalar."""
    out: list[str] = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _SINGLE_LINE_PRINTABLE.fullmatch(char) and char != "\ufeff":
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def render_string(text: str, *, flow: bool = False) -> str:
    """A string as a plain, single-quoted or double-quoted scalar on one line."""
    if plain_allowed(text, flow=flow):
        return text
    if _SINGLE_LINE_PRINTABLE.fullmatch(text) and "\t" not in text and "\ufeff" not in text:
        return "'" + text.replace("'", "''") + "'"
    return double_quoted(text)


def render_scalar(value: Any, *, flow: bool = False) -> str:
    """A plain-data scalar as YAML text on one line that reads back as exactly ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        return render_string(value, flow=flow)
    raise TypeError(f"cannot write a {type(value).__name__} to a model file")


def literal_block_allowed(text: str) -> bool:
    """Whether a multi-line string can be written as a ``|``/``|-`` literal block."""
    if "\n" not in text or not _PRINTABLE.fullmatch(text) or "\r" in text:
        return False
    body = text[:-1] if text.endswith("\n") else text
    if body.endswith("\n") or not body:
        return False
    lines = body.split("\n")
    if not lines[0] or lines[0][0] in " \t":
        return False
    return all(line == line.rstrip(" \t") for line in lines)


def render_literal(text: str, indent: int) -> list[str]:
    """A multi-line string as a literal block: the header, then lines indented by ``indent``."""
    body = text[:-1] if text.endswith("\n") else text
    header = "|" if text.endswith("\n") else "|-"
    return [header] + [(" " * indent + line) if line else "" for line in body.split("\n")]
