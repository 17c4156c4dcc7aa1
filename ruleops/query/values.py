"""Reading field values out of events, and the value types ES derives from a mapping.

Events are JSON objects as Elasticsearch stores them: nested objects, dotted keys
(`{"process.name": ...}`) and mixes of both address the same field; arrays of objects
flatten (`{"process": [{"pid": 1}, {"pid": 2}]}` gives `process.pid` the values 1 and 2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache, total_ordering
from typing import Any

Getter = Callable[[Mapping], Any]


MISSING = object()


def make_getter(path: tuple[str, ...]) -> Getter:
    """A function returning the raw value at `path` (None when absent; a list when multi-valued).

    The path is split once here. The fast path walks nested dicts; only when that fails does
    it look for dotted keys (`"process.name"`) or arrays of objects, which are rarer.
    """
    if len(path) == 1:
        key = path[0]

        def get1(event: Mapping) -> Any:
            return event.get(key)

        return get1
    # dotted[k]: the keys that could hold the rest of the path as one dotted name at depth k
    dotted = tuple(
        tuple(".".join(path[k:j]) for j in range(k + 2, len(path) + 1)) for k in range(len(path))
    )

    def slow(event: Mapping) -> Any:
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

        def get2(event: Mapping) -> Any:
            outer = event.get(first)
            if outer.__class__ is dict:
                value = outer.get(second, MISSING)
                if value is not MISSING:
                    return value
            return slow(event)

        return get2

    if len(path) == 3:
        p0, p1, p2 = path

        def get3(event: Mapping) -> Any:
            a = event.get(p0)
            if a.__class__ is dict:
                b = a.get(p1)
                if b.__class__ is dict:
                    value = b.get(p2, MISSING)
                    if value is not MISSING:
                        return value
            return slow(event)

        return get3

    def get_n(event: Mapping) -> Any:
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


def _lookup(obj: Any, path: tuple[str, ...], start: int):
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


# --- mapping-derived types --------------------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)


@lru_cache(maxsize=65536)
def parse_date_millis(value: Any, fmt: str | None = None) -> int | None:
    """Epoch milliseconds for a date value: epoch-millis numbers or digit strings, ISO-8601,
    or a Java-style pattern such as `dd-MM-yyyy` from a mapping's `format`."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if fmt and fmt not in ("strict_date_optional_time", "date_optional_time", "epoch_millis"):
        for option in fmt.split("||"):
            parsed = _parse_java_pattern(text, option)
            if parsed is not None:
                return parsed
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    match = _ISO.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    millis = int(moment.timestamp()) * 1000
    if fraction:
        millis += int(fraction[:3].ljust(3, "0"))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        millis -= sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60_000
    return millis


_JAVA_TOKENS = {
    "yyyy": r"(?P<y>\d{4})",
    "MM": r"(?P<m>\d{2})",
    "dd": r"(?P<d>\d{2})",
    "HH": r"(?P<H>\d{2})",
    "mm": r"(?P<M>\d{2})",
    "ss": r"(?P<S>\d{2})",
    "SSS": r"(?P<f>\d{3})",
}


def _parse_java_pattern(text: str, pattern: str) -> int | None:
    if pattern in ("epoch_millis",):
        return int(text) if re.fullmatch(r"-?\d+", text) else None
    regex = re.sub(
        "yyyy|MM|dd|HH|mm|ss|SSS|[^yMdHmS]+",
        lambda m: _JAVA_TOKENS.get(m.group(0), re.escape(m.group(0).replace("'", ""))),
        pattern,
    )
    match = re.fullmatch(regex, text)
    if not match:
        return None
    g = match.groupdict()
    try:
        moment = datetime(
            int(g.get("y") or 1970),
            int(g.get("m") or 1),
            int(g.get("d") or 1),
            int(g.get("H") or 0),
            int(g.get("M") or 0),
            int(g.get("S") or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    return int(moment.timestamp()) * 1000 + int(g.get("f") or 0)


def format_date_millis(millis: int) -> str:
    moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


_VERSION = re.compile(r"(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?")


@total_ordering
class Version:
    """A value of an ES `version` field: semantic-version order; an invalid version sorts after
    every valid one and equals only itself (ES `version` field type)."""

    __slots__ = ("key", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        match = _VERSION.fullmatch(text)
        if match is None:
            self.key: tuple = (1, text)
        else:
            numbers = tuple(int(p) for p in match.group(1).split("."))
            pre = match.group(2)
            pre_key = (
                (1,)
                if pre is None
                else (
                    0,
                    tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")),
                )
            )
            self.key = (0, numbers, pre_key)

    @property
    def valid(self) -> bool:
        return self.key[0] == 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.key == other.key

    def __lt__(self, other: Version) -> bool:
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Version({self.text!r})"


def coerce_to_type(value: Any, es_type: str | None, fmt: str | None = None) -> Any:
    """A raw value as the mapping type `es_type` makes ES see it (None if it cannot)."""
    if value is None or es_type is None:
        return value
    if isinstance(value, list):
        return [coerce_to_type(v, es_type, fmt) for v in value]
    if es_type in ("date", "date_nanos"):
        return parse_date_millis(value, fmt)
    if es_type == "version":
        return value if isinstance(value, Version) else Version(str(value))
    return value
