"""Type conversion functions TO_* (and the `::type` cast, which calls them).

A conversion takes multi-values and converts each value; a value that does not convert
makes the cell null with a warning (`AbstractConvertFunction`). Numbers given to a
narrower type round half up (`Math.round`) and must fit (`[x] out of [integer] range`);
strings are parsed as Elasticsearch's `DataTypeConverter` does: whole numbers first, then
decimals (`"2147483648.2"` → 2147483648).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ruleops.es_types import Version, format_ip_bytes
from ruleops.esql.builtins.ip import to_ip_value
from ruleops.esql.builtins.registry import register
from ruleops.esql.values import (
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    ULONG_MAX,
    EvalFailure,
    java_double,
    parse_iso,
    to_string,
)

_INVALID = "org.elasticsearch.xpack.esql.core.InvalidArgumentException"
Convert = Callable[[Any], Any]


def _each(convert: Convert) -> Callable[[Any], Any]:
    def apply(cell: Any) -> Any:
        if cell.__class__ is tuple:
            return tuple(convert(v) for v in cell)
        return convert(cell)

    return apply


def _java_round(value: float) -> int:
    return math.floor(value + 0.5)


def _parse_number(text: str) -> int | float:
    stripped = text.strip()
    try:
        return int(stripped)
    except ValueError:
        pass
    try:
        number = float(stripped)
    except ValueError:
        raise EvalFailure(f"Cannot parse number [{text}]", _INVALID) from None
    return number


def _whole(low: int, high: int, kind: str) -> Callable[[str], Convert]:
    def for_type(source: str) -> Convert:
        def convert(value: Any) -> int:
            if source in ("keyword", "text"):
                value = _parse_number(value)
            if isinstance(value, bool):
                return int(value)
            if isinstance(value, float):
                if math.isnan(value) or math.isinf(value):
                    raise EvalFailure(f"[{value}] out of [{kind}] range", _INVALID)
                if not low <= value <= high:
                    raise EvalFailure(f"[{_java_number(value)}] out of [{kind}] range", _INVALID)
                value = _java_round(value)
            if not low <= value <= high:
                raise EvalFailure(f"[{value}] out of [{kind}] range", _INVALID)
            return value

        if source == "date_nanos" and kind == "long":
            return lambda v: v
        return convert

    return for_type


def _java_number(value: float) -> str:
    return java_double(value)


def _double(source: str) -> Convert:
    if source in ("keyword", "text"):
        return lambda v: float(_parse_number(v))
    return float


def _boolean(source: str) -> Convert:
    if source in ("keyword", "text"):
        return lambda v: v.lower() == "true"
    if source == "boolean":
        return lambda v: v
    return lambda v: v != 0


def _datetime(source: str) -> Convert:
    if source in ("keyword", "text"):

        def parse(text: str) -> int:
            millis = parse_iso(text)
            if millis is None:
                raise EvalFailure(
                    f"failed to parse date field [{text}] with format [strict_date_optional_time]",
                    "java.lang.IllegalArgumentException",
                )
            return millis

        return parse
    if source == "date_nanos":
        return lambda v: v // 1_000_000
    if source == "double":
        return lambda v: _whole(LONG_MIN, LONG_MAX, "long")("double")(v)
    return lambda v: v


def _date_nanos(source: str) -> Convert:
    if source in ("keyword", "text"):

        def parse(text: str) -> int:
            nanos = parse_iso(text, nanos=True)
            if nanos is None:
                raise EvalFailure(
                    f"failed to parse date field [{text}] with format "
                    "[strict_date_optional_time_nanos]"
                )
            return nanos

        return parse
    if source == "date":
        return lambda v: v * 1_000_000
    return lambda v: v


def _string(source: str) -> Convert:
    if source == "ip":
        return format_ip_bytes
    return lambda v: to_string(v, source)


def _ip(source: str) -> Convert:
    if source == "ip":
        return lambda v: v
    return to_ip_value


def _version(source: str) -> Convert:
    if source == "version":
        return lambda v: v
    return Version


def _unsigned(source: str) -> Convert:
    return _whole(0, ULONG_MAX, "unsigned_long")(source)


CONVERSIONS: dict[str, tuple[str, Callable[[str], Convert]]] = {
    "to_string": ("keyword", _string),
    "to_boolean": ("boolean", _boolean),
    "to_integer": ("integer", _whole(INT_MIN, INT_MAX, "integer")),
    "to_long": ("long", _whole(LONG_MIN, LONG_MAX, "long")),
    "to_unsigned_long": ("unsigned_long", _unsigned),
    "to_double": ("double", _double),
    "to_datetime": ("date", _datetime),
    "to_date_nanos": ("date_nanos", _date_nanos),
    "to_ip": ("ip", _ip),
    "to_version": ("version", _version),
}
_ALIASES = {
    "to_string": ("to_str",),
    "to_boolean": ("to_bool",),
    "to_integer": ("to_int",),
    "to_unsigned_long": ("to_ul", "to_ulong"),
    "to_double": ("to_dbl",),
    "to_datetime": ("to_dt",),
    "to_date_nanos": ("to_datenanos",),
    "to_version": ("to_ver",),
}

# The conversion each ES|QL type is cast to by (`x::long`, `"1.2.3"::version`; the cast
# names are `types.CAST_NAMES`) and a string literal is converted to by.
CASTS = {
    "keyword": "to_string",
    "text": "to_string",
    "boolean": "to_boolean",
    "integer": "to_integer",
    "long": "to_long",
    "unsigned_long": "to_unsigned_long",
    "double": "to_double",
    "date": "to_datetime",
    "date_nanos": "to_date_nanos",
    "ip": "to_ip",
    "version": "to_version",
}


def converter(name: str, source: str) -> Callable[[Any], Any]:
    """The conversion `name` of a cell of type `source` (each value of a multi-value)."""
    return _each(CONVERSIONS[name][1](source))


def _bind_for(name: str):
    def bind(types: tuple[str, ...]):
        return converter(name, types[0] if types else "null")

    return bind


for _name, (_result, _factory) in CONVERSIONS.items():
    if _name == "to_ip":
        continue  # TO_IP takes options (`leading_zeros`): builtins.ip declares it
    register(_name, 1, 1, _result, multi=(0,), aliases=_ALIASES.get(_name, ()))(_bind_for(_name))


def _to_text_bind(types: tuple[str, ...]):
    return converter("to_string", types[0] if types else "null")


register("to_text", 1, 1, "text", multi=(0,))(_to_text_bind)
