"""The set type of the expression sandbox: a set whose order does not depend on hashing.

Python iterates a ``set`` of strings in an order that depends on ``PYTHONHASHSEED``, so
``list(set(command.names))``, a comprehension over a set, ``str()`` of a set, and even
the text of an error raised while sorting one would differ between two runs of the
same model, input and seed, while the simulator promises byte-identical output.

Every set an expression builds (``set(...)``, ``{a, b}``, ``{x for x in xs}``, and
``| & - ^`` on those) is therefore an :class:`OrderedSet`: a ``frozenset`` for
membership, length and equality at C speed, plus a dict that remembers insertion order
for everything that can *see* an order (iteration, unpacking, ``list()``, ``str()``).
Insertion order is what a modeller would expect from ``{a, b}`` and costs nothing to
keep.  Sets that arrive from outside the sandbox as plain ``set``/``frozenset`` are put
in a fixed order by :func:`in_order` at every place an expression could observe it.

Why a ``frozenset`` subclass: the rest of the simulator recognises sets with
``isinstance(value, set | frozenset)`` (and sorts them when storing), and immutability
guarantees that the order dict can never disagree with the set's contents.  It is made
unhashable again, like the ``set`` it stands for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain, filterfalse
from typing import Any


class OrderedSet(frozenset[Any]):
    """An immutable set that iterates, prints and pickles in insertion order."""

    __slots__ = ("_order",)
    __hash__ = None  # type: ignore[assignment]  # a set, as far as expressions can tell

    _order: dict[Any, None]

    def __new__(cls, items: Iterable[Any] = ()) -> OrderedSet:
        order = dict.fromkeys(items)
        self = super().__new__(cls, order)
        self._order = order
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(self._order)

    def __repr__(self) -> str:
        if not self._order:
            return "set()"
        return "{" + ", ".join(map(repr, self._order)) + "}"

    __str__ = __repr__

    def __reduce__(self) -> tuple[type[OrderedSet], tuple[list[Any]]]:
        """Copies (``copy.deepcopy`` of a state) keep the order."""
        return (type(self), (list(self._order),))

    # -- set algebra: the result's order follows the left operand, then the right one --

    def __or__(self, other: Any) -> Any:
        if not isinstance(other, set | frozenset):
            return NotImplemented
        return OrderedSet(chain(self._order, in_order(other)))

    def __ror__(self, other: Any) -> Any:
        if not isinstance(other, set | frozenset):
            return NotImplemented
        return OrderedSet(chain(in_order(other), self._order))

    def __and__(self, other: Any) -> Any:
        if not isinstance(other, set | frozenset):
            return NotImplemented
        return OrderedSet(filter(other.__contains__, self._order))

    def __rand__(self, other: Any) -> Any:
        if not isinstance(other, set | frozenset):
            return NotImplemented
        return OrderedSet(filter(self.__contains__, in_order(other)))

    def __sub__(self, other: Any) -> Any:
        if not isinstance(other, set | frozenset):
            return NotImplemented
        return OrderedSet(filterfalse(other.__contains__, self._order))

    def __rsub__(self, other: Any) -> Any:
        if not isinstance(other, set | frozenset):
            return NotImplemented
        return OrderedSet(filterfalse(self.__contains__, in_order(other)))

    def __xor__(self, other: Any) -> Any:
        if not isinstance(other, set | frozenset):
            return NotImplemented
        return OrderedSet(
            chain(
                filterfalse(other.__contains__, self._order),
                filterfalse(self.__contains__, in_order(other)),
            )
        )

    def __rxor__(self, other: Any) -> Any:
        if not isinstance(other, set | frozenset):
            return NotImplemented
        return OrderedSet(
            chain(
                filterfalse(self.__contains__, in_order(other)),
                filterfalse(other.__contains__, self._order),
            )
        )


def _total_key(item: Any) -> tuple[str, str]:
    return (type(item).__name__, repr(item))


def in_order(value: Any) -> Any:
    """``value``, except that a plain ``set``/``frozenset`` becomes an :class:`OrderedSet`
    in sorted order (by value, or by type name and ``repr`` for mixed types and NaN).

    Plain sets only reach an expression from outside (a caller's environment); the
    sandbox never builds one.  Everything else is returned unchanged, at the cost of two
    type checks, so this is cheap enough for every helper that iterates.
    """
    kind = type(value)
    if kind is not set and kind is not frozenset:
        return value
    if all(item == item for item in value):  # NaN would make sorting depend on the input
        try:
            return OrderedSet(sorted(value))
        except TypeError:  # mixed types: fall through to a total order
            pass
    return OrderedSet(sorted(value, key=_total_key))
