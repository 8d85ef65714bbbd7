"""JSON in and out of the store: one encoder for every JSON column.

Why one shared encoder: :meth:`EventStore.dump` must be byte-for-byte deterministic, so
every JSON text the store writes is produced with the same settings: compact separators,
sorted keys, no NaN (not JSON; other tools reading the file would choke on it), and
UTF-8 kept readable rather than ``\\u`` escaped. The encoder is built once and reused:
``json.dumps`` with non-default arguments builds a new encoder on every call, which
costs more than encoding a small event.

Values JSON lacks are written in their usual text form::

    >>> from decimal import Decimal
    >>> from datetime import date
    >>> encode({"b": Decimal("1.10"), "a": date(2024, 1, 2), "c": {3, 1}})
    '{"a":"2024-01-02","b":"1.10","c":[1,3]}'

Decoding is plain JSON: a ``Decimal`` comes back as its string, a date as ISO text.
Turning them back into typed values is the job of whoever knows the schema.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["decode", "encode"]


def _default(value: Any) -> Any:
    """Turn a value JSON lacks into one it has; called by the encoder only for those."""
    if isinstance(value, Decimal):
        # str keeps every digit and the exponent ("1.10" stays "1.10"); a float would not.
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        # Set order depends on hashing; sort so the same set always encodes the same.
        try:
            return sorted(value)
        except TypeError:  # mixed types: order by their own encoding instead
            return sorted(value, key=encode)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return dict(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    raise TypeError(
        f"cannot store a value of type {type(value).__name__} as JSON: "
        "use str, int, float, bool, None, list, dict, Decimal, date, datetime, "
        "UUID, set, an Enum or a dataclass"
    )


_ENCODER = json.JSONEncoder(
    separators=(",", ":"),
    sort_keys=True,
    default=_default,
    allow_nan=False,
    ensure_ascii=False,
)

# ``JSONEncoder.encode`` builds a fresh C encoder on every call; on the append path
# that setup costs as much as the encoding. Build it once. Its circular-reference
# check (``markers``) is off because a shared markers dict would keep stale entries
# after an error; circular data still fails, with a RecursionError.
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
if _c_make_encoder is not None:  # CPython
    _c_encode = _c_make_encoder(
        None, _default, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )
    _join = "".join

    def encode(value: Any) -> str:
        """Encode ``value`` as compact, key-sorted JSON text."""
        return _join(_c_encode(value, 0))

else:  # pragma: no cover - Pythons without the C accelerator

    def encode(value: Any) -> str:
        """Encode ``value`` as compact, key-sorted JSON text."""
        return _ENCODER.encode(value)


_raw_decode = json.JSONDecoder().raw_decode


def decode(text: str) -> Any:
    """Decode JSON text written by :func:`encode` (or any JSON text).

    ``json.loads`` spends half its time matching whitespace around the value, which
    our own texts never have; ``raw_decode`` skips that, and anything it cannot
    take whole falls back to ``json.loads`` (which also raises the usual errors).
    """
    try:
        value, end = _raw_decode(text)
    except json.JSONDecodeError:
        return json.loads(text)
    if end != len(text):
        return json.loads(text)
    return value
