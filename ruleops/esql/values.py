"""The ES|QL value model: what a cell holds while a query runs, and how it is printed.

A column has one ES|QL type, fixed when the query is compiled; a cell holds `None` (null),
one value, or a tuple of two or more values (a multi-value). An empty or one-element list
never occurs: Elasticsearch's blocks have no such thing, and `mv_of` collapses them.

Values by type, chosen so that Python's own comparisons give Elasticsearch's order:

| ES|QL type                | Python value                                     |
| ---                       | ---                                              |
| keyword, text             | `str` (code-point order = UTF-8 byte order)      |
| integer, long, unsigned_long | `int`                                         |
| double                    | `float`                                          |
| boolean                   | `bool`                                           |
| date                      | `int` epoch milliseconds, UTC                    |
| date_nanos                | `int` epoch nanoseconds, UTC                     |
| ip                        | `bytes`, 16 long (IPv4 mapped into IPv6)         |
| version                   | `ruleops.query.values.Version`                   |
| date_period, time_duration| `Span` (a `7 days` or `1 hour` literal)          |

`to_json` prints a value as Elasticsearch's JSON response does (`EsqlQueryResponse`): dates
as ISO-8601 UTC with milliseconds and `Z`, ip and version as strings, multi-values as arrays.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ruleops.es_types import format_ip_bytes

NULL = "null"
KEYWORD = "keyword"
TEXT = "text"
INTEGER = "integer"
LONG = "long"
DOUBLE = "double"
UNSIGNED_LONG = "unsigned_long"
BOOLEAN = "boolean"
DATE = "date"
DATE_NANOS = "date_nanos"
IP = "ip"
VERSION = "version"
DATE_PERIOD = "date_period"
TIME_DURATION = "time_duration"
UNSUPPORTED = "unsupported"

STRINGS = frozenset({KEYWORD, TEXT})
WHOLE_NUMBERS = frozenset({INTEGER, LONG, UNSIGNED_LONG})
NUMBERS = WHOLE_NUMBERS | {DOUBLE}
DATES = frozenset({DATE, DATE_NANOS})
SPANS = frozenset({DATE_PERIOD, TIME_DURATION})

# Python's comparisons give Elasticsearch's order on these values (the table above).
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
ULONG_MAX = 2**64 - 1

# Type names the csv-spec files and users write, and the canonical ES|QL name.
TYPE_ALIASES = {
    "string": KEYWORD,
    "s": KEYWORD,
    "keyword": KEYWORD,
    "text": TEXT,
    "i": INTEGER,
    "int": INTEGER,
    "integer": INTEGER,
    "short": INTEGER,
    "byte": INTEGER,
    "l": LONG,
    "long": LONG,
    "d": DOUBLE,
    "double": DOUBLE,
    "float": DOUBLE,
    "ul": UNSIGNED_LONG,
    "unsigned_long": UNSIGNED_LONG,
    "bool": BOOLEAN,
    "boolean": BOOLEAN,
    "date": DATE,
    "datetime": DATE,
    "date_nanos": DATE_NANOS,
    "ip": IP,
    "version": VERSION,
    "null": NULL,
    "date_period": DATE_PERIOD,
    "time_duration": TIME_DURATION,
}


_NUMERIC_RANK = {INTEGER: 0, LONG: 1, UNSIGNED_LONG: 2, DOUBLE: 3}


def widest(types: list[str] | tuple[str, ...]) -> str | None:
    """The type that values of `types` share: numbers widen (integer < long < double), a
    string is keyword (ES|QL functions never emit text), anything else is the first type.
    None when `types` is empty."""
    if not types:
        return None
    if all(t in _NUMERIC_RANK for t in types):
        return max(types, key=_NUMERIC_RANK.__getitem__)
    if all(t in STRINGS for t in types):
        return KEYWORD
    return types[0]


class NotReproduced(Exception):
    """A value ruleops cannot compute as Elasticsearch does (a Java regular expression
    construct Python lacks): the query is reported as not evaluated, never guessed."""


class Estimated(NotReproduced):
    """A value Elasticsearch computes as an estimate that ruleops does not reproduce (a
    COUNT_DISTINCT beyond its precision threshold): the query is not evaluated."""


class EvalFailure(Exception):
    """A value Elasticsearch cannot compute for one row: the result is null, and the query's
    response carries two warnings, `evaluation of [expr] failed…` and this exception's Java
    class and message (`java.lang.IllegalArgumentException: …`)."""

    def __init__(self, message: str, java_class: str = "java.lang.IllegalArgumentException"):
        super().__init__(message)
        self.message = message
        self.java_class = java_class

    @property
    def warning(self) -> str:
        return f"{self.java_class}: {self.message}"


def multi_value_failure() -> EvalFailure:
    """A single-value function or operator given a multi-value (`SingleValue` in ES)."""
    return EvalFailure("single-value function encountered multi-value")


def overflow(kind: str = "long") -> EvalFailure:
    return EvalFailure(f"{kind} overflow", "java.lang.ArithmeticException")


@dataclass(frozen=True)
class Span:
    """A `date_period` (calendar: months and days) or `time_duration` (exact: milliseconds)
    literal such as `1 month`, `7 days` or `1 hour`."""

    months: int = 0
    days: int = 0
    millis: int = 0

    @property
    def is_period(self) -> bool:
        return self.millis == 0 and (self.months != 0 or self.days != 0)

    def negate(self) -> Span:
        return Span(-self.months, -self.days, -self.millis)

    def add_to(self, millis: int, sign: int = 1) -> int:
        """`millis` (a UTC date) moved by this span; calendar months keep the day of month
        where the month has it, else take its last day (java.time `plusMonths`)."""
        if self.months:
            days, rest = divmod(millis, 86_400_000)
            year, month, day = civil_from_days(days)
            months = year * 12 + month - 1 + sign * self.months
            year, month = divmod(months, 12)
            month += 1
            day = min(day, days_in_month(year, month))
            millis = days_from_civil(year, month, day) * 86_400_000 + rest
        return millis + sign * (self.days * 86_400_000 + self.millis)


def days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return days_from_civil(year, month + 1, 1) - days_from_civil(year, month, 1)


# --- reading dates and spans ----------------------------------------------------------

_ISO = re.compile(
    r"([+-]?\d{4,9})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})"
    r"(?:[.,](\d{1,9}))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?"
)


def parse_iso(text: str, nanos: bool = False) -> int | None:
    """Epoch milliseconds (nanoseconds with `nanos`) of `strict_date_optional_time` text:
    `2023-10-23`, `2023-10-23T13:55:01.543Z`, `-0006-01-01`, with an optional offset."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    month_n, day_n = int(month or 1), int(day or 1)
    hour_n, minute_n, second_n = int(hour or 0), int(minute or 0), int(second or 0)
    if not (1 <= month_n <= 12 and 1 <= day_n <= 31 and hour_n < 24 and minute_n < 60):
        return None
    if second_n >= 60:
        return None
    days = days_from_civil(int(year), month_n, day_n)
    if civil_from_days(days)[1] != month_n:
        return None  # 31 April
    millis = days * 86_400_000 + hour_n * 3_600_000 + minute_n * 60_000 + second_n * 1000
    sub = int((fraction or "").ljust(9, "0")[:9])
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        millis -= sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0)) * 60_000
    if nanos:
        return millis * 1_000_000 + sub
    return millis + sub // 1_000_000


# Time unit names and their abbreviations and plurals (ES|QL reference, "Time spans").
TIME_UNITS = {
    "year": "year", "y": "year", "yr": "year", "years": "year",
    "quarter": "quarter", "q": "quarter", "quarters": "quarter",
    "month": "month", "mo": "month", "months": "month",
    "week": "week", "w": "week", "weeks": "week",
    "day": "day", "d": "day", "days": "day",
    "hour": "hour", "h": "hour", "hours": "hour",
    "minute": "minute", "m": "minute", "min": "minute", "minutes": "minute",
    "second": "second", "s": "second", "sec": "second", "seconds": "second",
    "millisecond": "millisecond", "ms": "millisecond", "milliseconds": "millisecond",
}  # fmt: skip


_UNIT_SPANS = {
    "year": (12, 0, 0),
    "quarter": (3, 0, 0),
    "month": (1, 0, 0),
    "week": (0, 7, 0),
    "day": (0, 1, 0),
    "hour": (0, 0, 3_600_000),
    "minute": (0, 0, 60_000),
    "second": (0, 0, 1000),
    "millisecond": (0, 0, 1),
}


def span_of(amount: int, unit: str) -> Span:
    """`amount` `unit`s (a unit of TIME_UNITS' values) as a Span."""
    months, days, millis = _UNIT_SPANS[unit]
    return Span(months * amount, days * amount, millis * amount)


_SPAN_TEXT = re.compile(r"\s*(-?\d+)\s*([a-zA-Z]+)\s*")


def parse_span(text: str) -> tuple[Span, str] | None:
    """A time span written as text (`"1 day"`, `"-3 hours"`) and its type: time_duration
    when it has a time part, date_period otherwise; None when the text is no span."""
    match = _SPAN_TEXT.fullmatch(text)
    if match is None:
        return None
    unit = TIME_UNITS.get(match.group(2).lower())
    if unit is None:
        return None
    span = span_of(int(match.group(1)), unit)
    return span, ("time_duration" if span.millis else "date_period")


# --- multi-values ---------------------------------------------------------------------------


def mv_of(values: list[Any] | tuple[Any, ...]) -> Any:
    """A cell from a list of values: None when empty, the value when one, else a tuple."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return tuple(values)


def as_list(cell: Any) -> list[Any] | tuple[Any, ...]:
    """A cell's values: [] for null, [v] for one value, the tuple for a multi-value."""
    if cell is None:
        return []
    if cell.__class__ is tuple:
        return cell
    return [cell]


# --- printing -------------------------------------------------------------------------------


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, any year (0 and negative years
    included, which Python's `datetime` cannot hold; H. Hinnant's `days_from_civil`)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a day count since 1970-01-01 (inverse of `days_from_civil`)."""
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    mp = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return year_of_era + era * 400 + (month <= 2), month, day


def split_millis(millis: int) -> tuple[int, int, int, int, int, int, int]:
    """(year, month, day, hour, minute, second, millisecond) of epoch milliseconds, UTC."""
    days, rest = divmod(millis, 86_400_000)
    year, month, day = civil_from_days(days)
    hour, rest = divmod(rest, 3_600_000)
    minute, rest = divmod(rest, 60_000)
    second, milli = divmod(rest, 1000)
    return year, month, day, hour, minute, second, milli


def _year_text(year: int) -> str:
    # java.time's ISO formatter: four digits, a sign for years before 0 or after 9999.
    if year < 0:
        return f"-{-year:04d}"
    if year > 9999:
        return f"+{year}"
    return f"{year:04d}"


def format_date(millis: int) -> str:
    """ISO-8601 UTC with milliseconds (`2023-10-23T13:55:01.543Z`), as ES prints a date."""
    year, month, day, hour, minute, second, milli = split_millis(millis)
    return (
        f"{_year_text(year)}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
        f".{milli:03d}Z"
    )


def format_date_nanos(nanos: int) -> str:
    """ISO-8601 UTC with nanoseconds, trailing zeros of the fraction dropped in groups of three
    as java.time's ISO formatter does (`…:01.543Z`, `…:01.543123Z`, `…:01.543123456Z`)."""
    millis, fraction = divmod(nanos, 1_000_000)
    year, month, day, hour, minute, second, milli = split_millis(millis)
    digits = f"{milli:03d}{fraction:06d}"
    while digits.endswith("000") and len(digits) > 3:
        digits = digits[:-3]
    return (
        f"{_year_text(year)}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{digits}Z"
    )


def java_double(value: float) -> str:
    """A double as Java's `Double.toString` writes it (what ES|QL's TO_STRING returns):
    `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(value, "f")
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) - 1 + int(exponent)
    mantissa = ("-" if sign else "") + text[0] + "." + (text[1:] or "0")
    return f"{mantissa}E{power}"


def to_string(value: Any, esql_type: str) -> str:
    """One value as ES|QL's TO_STRING writes it."""
    if esql_type in STRINGS:
        return value
    if esql_type == BOOLEAN:
        return "true" if value else "false"
    if esql_type == DOUBLE:
        return java_double(value)
    if esql_type == DATE:
        return format_date(value)
    if esql_type == DATE_NANOS:
        return format_date_nanos(value)
    if esql_type == IP:
        return format_ip_bytes(value)
    return str(value)


def _json_one(value: Any, esql_type: str) -> Any:
    if esql_type == DATE:
        return format_date(value)
    if esql_type == DATE_NANOS:
        return format_date_nanos(value)
    if esql_type == IP:
        return format_ip_bytes(value)
    if esql_type == VERSION:
        return str(value)
    if esql_type == DOUBLE and not math.isfinite(value):
        return None
    return value


def to_json(cell: Any, esql_type: str) -> Any:
    """A cell as Elasticsearch's JSON response writes it."""
    if cell is None:
        return None
    if cell.__class__ is tuple:
        return [_json_one(v, esql_type) for v in cell]
    return _json_one(cell, esql_type)


def canonical_type(name: str) -> str:
    """The ES|QL type for a type name or alias (`string` → keyword, `l` → long)."""
    return TYPE_ALIASES.get(name.lower(), name.lower())
