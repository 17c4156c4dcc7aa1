"""Reading field values out of events (the value types ES derives from a mapping are in
`ruleops.es_types`).

Events are JSON objects as Elasticsearch stores them: nested objects, dotted keys
(`{"process.name": ...}`) and mixes of both address the same field; arrays of objects
flatten (`{"process": [{"pid": 1}, {"pid": 2}]}` gives `process.pid` the values 1 and 2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

Getter = Callable[[Mapping[str, Any]], Any]


MISSING = object()


def make_getter(path: tuple[str, ...]) -> Getter:
    """A function returning the raw value at `path` (None when absent; a list when multi-valued).

    The path is split once here. The fast path walks nested dicts; only when that fails does
    it look for dotted keys (`"process.name"`) or arrays of objects, which are rarer.
    """
    if len(path) == 1:
        key = path[0]

        def get1(event: Mapping[str, Any]) -> Any:
            return event.get(key)

        return get1
    # dotted[k]: the keys that could hold the rest of the path as one dotted name at depth k
    dotted = tuple(
        tuple(".".join(path[k:j]) for j in range(k + 2, len(path) + 1)) for k in range(len(path))
    )

    def slow(event: Mapping[str, Any]) -> Any:
        node: Any = event
        for k, part in enumerate(path):
            if node.__class__ is list or (node.__class__ is not dict and isinstance(node, Mapping)):
                return lookup(event, path)
            if node.__class__ is not dict:
                return None
            for key in dotted[k]:
                if key in node:
                    return lookup(event, path)
            node = node.get(part, MISSING)
            if node is MISSING:
                return None
        return lookup(event, path)

    if len(path) == 2:
        first, second = path

        def get2(event: Mapping[str, Any]) -> Any:
            outer = event.get(first)
            if outer.__class__ is dict:
                value = outer.get(second, MISSING)
                if value is not MISSING:
                    return value
            return slow(event)

        return get2

    if len(path) == 3:
        p0, p1, p2 = path

        def get3(event: Mapping[str, Any]) -> Any:
            a = event.get(p0)
            if a.__class__ is dict:
                b = a.get(p1)
                if b.__class__ is dict:
                    value = b.get(p2, MISSING)
                    if value is not MISSING:
                        return value
            return slow(event)

        return get3

    def get_n(event: Mapping[str, Any]) -> Any:
        node: Any = event
        for part in path:
            if node.__class__ is not dict:
                return slow(event)
            node = node.get(part, MISSING)
            if node is MISSING:
                return slow(event)
        return node

    return get_n


def lookup(obj: Any, path: tuple[str, ...]) -> Any:
    """The general lookup: every way of splitting `path` into dotted keys, arrays flattened."""
    found = list(_lookup(obj, path, 0))
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    flat: list[Any] = []
    for value in found:
        if isinstance(value, list):
            flat.extend(value)
        else:
            flat.append(value)
    return flat


def _lookup(obj: Any, path: tuple[str, ...], start: int) -> Iterator[Any]:
    if isinstance(obj, list):
        for item in obj:
            yield from _lookup(item, path, start)
        return
    if not isinstance(obj, Mapping):
        return
    for end in range(start + 1, len(path) + 1):
        key = ".".join(path[start:end])
        if key not in obj:
            continue
        value = obj[key]
        if end == len(path):
            if value is not None:
                yield value
        else:
            yield from _lookup(value, path, end)


def flat_values(raw: Any) -> list[Any]:
    """Every non-null value of a raw field value (what Lucene indexes for the field)."""
    if raw is None:
        return []
    if isinstance(raw, list):
        out: list[Any] = []
        for item in raw:
            if isinstance(item, list):
                out.extend(flat_values(item))
            elif item is not None:
                out.append(item)
        return out
    return [raw]


def first_value(raw: Any) -> Any:
    """The first non-null value of a raw field value (what a script reads), or None."""
    values = flat_values(raw)
    return values[0] if values else None
