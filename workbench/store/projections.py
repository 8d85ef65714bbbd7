"""Read models as real tables: one SQLite table per projection, with typed columns.

Why real tables rather than one JSON blob per row: users query read models with SQL or
open the file in Datasette, and both want columns with types. A projection declares its
columns with the model's field types; each maps to a SQLite type::

    >>> [sql_type(t) for t in ("str", "int", "float", "decimal", "bool", "date?", "list[str]")]
    ['TEXT', 'INTEGER', 'REAL', 'TEXT', 'INTEGER', 'TEXT', 'TEXT']

``decimal`` is TEXT so no digit is lost; ``bool`` is INTEGER 0/1; ``date``,
``datetime`` and ``uuid`` are their ISO/canonical text; anything else (``list[...]``,
``dict[...]``, records) is JSON text. A trailing ``?`` makes a column optional.

Values are checked on the way in (a ``bool`` column takes ``True``, not ``"yes"``) and
decoded on the way out, so a row read back equals the row written::

    >>> ct = column_type("decimal?")
    >>> ct.to_sql("price", "1.50"), ct.from_sql("1.50")
    ('1.50', Decimal('1.50'))

Table names are ``rm_`` plus the projection name in snake case, always quoted in SQL so
names with spaces or quotes work::

    >>> projection_table_name("BookInventory"), projection_table_name("Loans per member")
    ('rm_book_inventory', 'rm_loans_per_member')
"""

from __future__ import annotations

import datetime
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .codec import decode, encode
from .records import ProjectionSchemaError, ProjectionTable

__all__ = [
    "SCALAR_TYPES",
    "ColumnType",
    "column_type",
    "projection_table_name",
    "quote",
    "sql_type",
]


def quote(identifier: str) -> str:
    """Quote a table or column name for SQL: ``quote('a"b') == '"a""b"'``."""
    return '"' + identifier.replace('"', '""') + '"'


def projection_table_name(name: str) -> str:
    """The table of projection ``name``: ``rm_`` + snake case; other characters are kept.

    >>> projection_table_name("HTTPRequests by-day")
    'rm_http_requests_by_day'
    """
    stripped = name.strip()
    if not stripped:
        raise ValueError("a projection needs a non-empty name")
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", stripped)
    snake = re.sub(r"[\s\-.]+", "_", snake).lower()
    return "rm_" + snake


def _type_error(column: str, expected: str, value: Any) -> TypeError:
    return TypeError(f"column {column!r} expects {expected}, got {type(value).__name__} {value!r}")


def _str_in(column: str, value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise _type_error(column, "str", value)


def _int_in(column: str, value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _type_error(column, "int", value)


def _float_in(column: str, value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _type_error(column, "float", value)


def _decimal_in(column: str, value: Any) -> Any:
    # Floats are refused: Decimal(0.1) is 0.1000000000000000055511151231257827..., not 0.1.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):  # event data carries decimals as strings
        try:
            return str(Decimal(value))
        except InvalidOperation:
            raise ValueError(f"column {column!r} expects a decimal, got {value!r}") from None
    raise _type_error(column, "decimal (Decimal, int or str)", value)


def _bool_in(column: str, value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    raise _type_error(column, "bool", value)


def _date_in(column: str, value: Any) -> Any:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value).isoformat()
    raise _type_error(column, "date (or ISO text)", value)


def _datetime_in(column: str, value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value).isoformat()
    raise _type_error(column, "datetime (or ISO text)", value)


#: Canonical uuid text, which ``str(uuid.UUID(text))`` would give back unchanged.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid_in(column: str, value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        if _CANONICAL_UUID.fullmatch(value):
            return value  # already canonical: parsing and printing it again changes nothing
        return str(uuid.UUID(value))
    raise _type_error(column, "uuid", value)


def _json_in(column: str, value: Any) -> Any:
    return encode(value)


def _same(value: Any) -> Any:
    return value


def _bool_out(value: Any) -> Any:
    return bool(value)


def _decimal_out(value: Any) -> Any:
    return Decimal(value)


def _date_out(value: Any) -> Any:
    return datetime.date.fromisoformat(value)


def _datetime_out(value: Any) -> Any:
    return datetime.datetime.fromisoformat(value)


def _uuid_out(value: Any) -> Any:
    return uuid.UUID(value)


_In = Callable[[str, Any], Any]
_Out = Callable[[Any], Any]

#: Our scalar field types: SQLite type, encoder (checks the value), decoder.
SCALAR_TYPES: dict[str, tuple[str, _In, _Out]] = {
    "str": ("TEXT", _str_in, _same),
    "int": ("INTEGER", _int_in, _same),
    "float": ("REAL", _float_in, _same),
    "decimal": ("TEXT", _decimal_in, _decimal_out),
    "bool": ("INTEGER", _bool_in, _bool_out),
    "date": ("TEXT", _date_in, _date_out),
    "datetime": ("TEXT", _datetime_in, _datetime_out),
    "uuid": ("TEXT", _uuid_in, _uuid_out),
}
_JSON = ("TEXT", _json_in, decode)


@dataclass(frozen=True, slots=True)
class ColumnType:
    """One column's field type, resolved: SQLite type, optionality, encode/decode."""

    field_type: str
    base: str
    optional: bool
    sql_type: str
    is_json: bool
    _in: _In
    _out: _Out

    def to_sql(self, column: str, value: Any) -> Any:
        """Check and convert a Python value for storage in ``column``."""
        if value is None:
            if self.optional:
                return None
            raise TypeError(f"column {column!r} of type {self.field_type} cannot be None")
        return self._in(column, value)

    def from_sql(self, value: Any) -> Any:
        """Convert a stored value back to Python (``None`` stays ``None``)."""
        return None if value is None else self._out(value)


def column_type(field_type: str) -> ColumnType:
    """Resolve a field type such as ``"int"``, ``"date?"`` or ``"list[Loan]"``."""
    text = field_type.strip()
    optional = text.endswith("?")
    base = text[:-1].strip() if optional else text
    if not base:
        raise ValueError(f"invalid field type {field_type!r}")
    sql, to_sql, from_sql = SCALAR_TYPES.get(base, _JSON)
    return ColumnType(
        field_type=base + ("?" if optional else ""),
        base=base,
        optional=optional,
        sql_type=sql,
        is_json=base not in SCALAR_TYPES,
        _in=to_sql,
        _out=from_sql,
    )


def sql_type(field_type: str) -> str:
    """The SQLite column type for one of our field types."""
    return column_type(field_type).sql_type


def define(name: str, columns: Mapping[str, str], key: Sequence[str]) -> ProjectionTable:
    """Check a projection definition and normalise it into a :class:`ProjectionTable`."""
    if not columns:
        raise ValueError(f"projection {name!r} needs at least one column")
    key = tuple(key)
    if not key:
        raise ValueError(f"projection {name!r} needs at least one key column")
    seen: set[str] = set()
    normalised: list[tuple[str, str]] = []
    for column, field_type in columns.items():
        if not column or column.lower() in seen:  # SQLite names ignore case
            raise ValueError(f"projection {name!r}: empty or duplicate column {column!r}")
        seen.add(column.lower())
        normalised.append((column, column_type(field_type).field_type))
    types = dict(normalised)
    for column in key:
        if column not in types:
            raise ValueError(f"projection {name!r}: key column {column!r} is not a column")
        if types[column].endswith("?"):
            raise ValueError(f"projection {name!r}: key column {column!r} cannot be optional")
    if len(set(key)) != len(key):
        raise ValueError(f"projection {name!r}: key columns repeat")
    return ProjectionTable(
        name=name, table=projection_table_name(name), columns=tuple(normalised), key=key
    )


class CompiledProjection:
    """A projection table with its column types resolved and its SQL prepared.

    Why a compiled form: projections write a row per event, so the column lookups and
    the SQL text are worked out once per table, not once per row.
    """

    __slots__ = (
        "_columns",
        "_columns_sql",
        "_full_upsert",
        "_key_set",
        "_rest_set",
        "_sql_cache",
        "_where_key",
        "definition",
        "qtable",
        "types",
    )

    def __init__(self, definition: ProjectionTable) -> None:
        self.definition = definition
        self.qtable = quote(definition.table)
        self.types = {c: column_type(t) for c, t in definition.columns}
        self._columns_sql = ", ".join(quote(c) for c in self.types)
        self._where_key = " AND ".join(f"{quote(c)} = ?" for c in definition.key)
        self._key_set = frozenset(definition.key)
        self._columns = tuple(self.types.items())
        rest = [c for c in self.types if c not in self._key_set]
        self._rest_set = frozenset(rest)
        self._full_upsert = (
            f"INSERT INTO {self.qtable} ({self._columns_sql}) "
            f"VALUES ({', '.join('?' for _ in self.types)}) "
            f"ON CONFLICT ({', '.join(quote(c) for c in definition.key)}) "
            + (
                "DO UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in rest)
                if rest
                else "DO NOTHING"
            )
        )
        self._sql_cache: dict[tuple[str, tuple[str, ...]], str] = {}

    def _encode(self, values: Mapping[str, Any]) -> list[Any]:
        out = []
        for column, value in values.items():
            ct = self.types.get(column)
            if ct is None:
                raise ProjectionSchemaError(
                    f"projection {self.definition.name!r} has no column {column!r}"
                )
            out.append(ct.to_sql(column, value))
        return out

    def key_params(self, key_values: Mapping[str, Any]) -> list[Any]:
        """The key values in key order, checked: every key column, nothing else."""
        key = self.definition.key
        if key_values.keys() != self._key_set:
            raise ProjectionSchemaError(
                f"projection {self.definition.name!r} is keyed by {list(key)}, "
                f"got {sorted(key_values)}"
            )
        return [self.types[c].to_sql(c, key_values[c]) for c in key]

    def _sql(self, op: str, columns: tuple[str, ...]) -> str:
        sql = self._sql_cache.get((op, columns))
        if sql is None:
            sql = self._build(op, columns)
            self._sql_cache[(op, columns)] = sql
        return sql

    def _build(self, op: str, columns: tuple[str, ...]) -> str:
        key = self.definition.key
        if op == "upsert":
            names = key + columns
            placeholders = ", ".join("?" for _ in names)
            conflict = ", ".join(quote(c) for c in key)
            if columns:
                sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns)
                action = f"DO UPDATE SET {sets}"
            else:
                action = "DO NOTHING"
            return (
                f"INSERT INTO {self.qtable} ({', '.join(quote(c) for c in names)}) "
                f"VALUES ({placeholders}) ON CONFLICT ({conflict}) {action}"
            )
        if op == "update":
            sets = ", ".join(f"{quote(c)} = ?" for c in columns)
            return f"UPDATE {self.qtable} SET {sets} WHERE {self._where_key}"
        raise ValueError(op)  # pragma: no cover

    def _non_key(self, key_values: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` without the key columns, which may repeat the key but not change it."""
        out = {}
        for column, value in values.items():
            if column in key_values:
                if value != key_values[column]:
                    raise ProjectionSchemaError(
                        f"projection {self.definition.name!r}: cannot change key column "
                        f"{column!r} from {key_values[column]!r} to {value!r}"
                    )
            else:
                out[column] = value
        return out

    def upsert(
        self, conn: sqlite3.Connection, key_values: Mapping[str, Any], values: Mapping[str, Any]
    ) -> None:
        """Insert the row, or set ``values`` on the existing row with that key."""
        params = self.key_params(key_values)
        rest = self._non_key(key_values, values)
        params += self._encode(rest)
        conn.execute(self._sql("upsert", tuple(rest)), params)

    def update(
        self, conn: sqlite3.Connection, key_values: Mapping[str, Any], values: Mapping[str, Any]
    ) -> bool:
        """Set ``values`` on the row with that key; ``False`` if there is no such row."""
        key = self.key_params(key_values)
        rest = self._non_key(key_values, values)
        if not rest:
            return self.get(conn, key_values) is not None
        cursor = conn.execute(self._sql("update", tuple(rest)), self._encode(rest) + key)
        return cursor.rowcount > 0

    def write_many(
        self,
        conn: sqlite3.Connection,
        rows: Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]],
    ) -> None:
        """Upsert each ``(key, values)``, delete each ``(key, None)``: one
        ``executemany`` per statement shape instead of one ``execute`` per row.

        Every key must appear once (the rows are final states, so their order does
        not matter); values are checked as by :meth:`upsert`.
        """
        upserts: dict[tuple[str, ...], list[list[Any]]] = {}
        deletes: list[list[Any]] = []
        full: list[list[Any]] = []  # whole rows: every column, in table order
        columns = self._columns
        for key_values, values in rows:
            if values is None:
                deletes.append(self.key_params(key_values))
                continue
            if key_values.keys() == self._key_set and values.keys() == self._rest_set:
                full.append(
                    [
                        ct.to_sql(c, key_values[c] if c in key_values else values[c])
                        for c, ct in columns
                    ]
                )
                continue
            params = self.key_params(key_values)
            rest = (
                values
                if values.keys().isdisjoint(key_values)
                else self._non_key(key_values, values)
            )
            params += self._encode(rest)
            upserts.setdefault(tuple(rest), []).append(params)
        if deletes:
            conn.executemany(f"DELETE FROM {self.qtable} WHERE {self._where_key}", deletes)
        if len(full) == 1:
            conn.execute(self._full_upsert, full[0])  # cheaper than executemany for one
        elif full:
            conn.executemany(self._full_upsert, full)
        for names, batch in upserts.items():
            conn.executemany(self._sql("upsert", names), batch)

    def delete(self, conn: sqlite3.Connection, key_values: Mapping[str, Any]) -> bool:
        """Delete the row with that key; ``False`` if there was none."""
        cursor = conn.execute(
            f"DELETE FROM {self.qtable} WHERE {self._where_key}", self.key_params(key_values)
        )
        return cursor.rowcount > 0

    def decode_row(self, row: Sequence[Any]) -> dict[str, Any]:
        """A stored row as a dict of Python values, in column order."""
        return {c: ct.from_sql(v) for (c, ct), v in zip(self.types.items(), row, strict=True)}

    def get(self, conn: sqlite3.Connection, key_values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The row with that key, decoded, or ``None``."""
        row = conn.execute(
            f"SELECT {self._columns_sql} FROM {self.qtable} WHERE {self._where_key}",
            self.key_params(key_values),
        ).fetchone()
        return None if row is None else self.decode_row(row)

    def rows(self, conn: sqlite3.Connection) -> list[dict[str, Any]]:
        """Every row, decoded, ordered by key so the listing is stable."""
        order = ", ".join(quote(c) for c in self.definition.key)
        cursor = conn.execute(f"SELECT {self._columns_sql} FROM {self.qtable} ORDER BY {order}")
        return [self.decode_row(row) for row in cursor]
