"""Date functions: DATE_TRUNC, DATE_DIFF, DATE_EXTRACT, DATE_FORMAT, DATE_PARSE, NOW.

Dates are epoch milliseconds (date_nanos: nanoseconds) on the proleptic Gregorian calendar,
any year (`-0006-01-01` occurs in Elasticsearch's tests), so the calendar arithmetic is our
own (`values.days_from_civil`) rather than Python's `datetime`, which stops at year 1.
Functions that read a calendar (`zoned=True`) take the query's time zone (`SET time_zone`),
UTC by default, as the keyword argument `zone`.

DATE_TRUNC follows Elasticsearch's `Rounding`: a time duration floors to a multiple of the
duration since the epoch in local time; one day floors to the day, seven days to the week
(Monday), a number of months or years to a multiple of that many months since
0001-01-01 (`date_trunc_with_arbitrary_intervals`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ruleops.esql.builtins.registry import register
from ruleops.esql.values import (
    EvalFailure,
    Span,
    civil_from_days,
    days_from_civil,
    parse_iso,
    split_millis,
)

DAY = 86_400_000


@dataclass(frozen=True)
class Zone:
    """A time zone: a fixed offset, or a region read through `zoneinfo`."""

    name: str = "Z"
    fixed_millis: int | None = 0

    def offset(self, utc_millis: int) -> int:
        if self.fixed_millis is not None:
            return self.fixed_millis

        seconds = max(min(utc_millis // 1000, 253402300799), -62135596800)
        moment = datetime.fromtimestamp(seconds, tz=UTC).astimezone(ZoneInfo(self.name))
        delta = moment.utcoffset()
        return int(delta.total_seconds() * 1000) if delta else 0

    def to_local(self, utc_millis: int) -> int:
        return utc_millis + self.offset(utc_millis)

    def to_utc(self, local_millis: int) -> int:
        guess = local_millis - self.offset(local_millis)
        return local_millis - self.offset(guess)


UTC_ZONE = Zone()
_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?")


def parse_zone(text: str) -> Zone:
    """A `SET time_zone` value: `Z`, `UTC`, `+10:00`, `-0530` or a region (`Europe/Paris`)."""
    text = text.strip()
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC_ZONE
    match = _OFFSET.fullmatch(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        return Zone(text, sign * minutes * 60_000)

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Invalid time zone [{text}]") from None
    return Zone(text, None)


# --- DATE_TRUNC ----------------------------------------------------------------------------


def trunc_millis(span: Span, millis: int, zone: Zone = UTC_ZONE) -> int:
    local = zone.to_local(millis)
    if span.months:
        days, _ = divmod(local, DAY)
        year, month, _day = civil_from_days(days)
        index = (year - 1) * 12 + (month - 1)
        index -= index % span.months
        year, month = divmod(index, 12)
        result = days_from_civil(year + 1, month + 1, 1) * DAY
    elif span.days == 7 and not span.millis:
        days = local // DAY
        monday = days - (days + 3) % 7  # 1970-01-01 was a Thursday
        result = monday * DAY
    elif span.days and not span.millis:
        result = local - local % (span.days * DAY)
    else:
        step = span.days * DAY + span.millis
        if step <= 0:
            raise EvalFailure("Zero or negative time interval is not supported")
        result = local - local % step
    return zone.to_utc(result)


def _trunc_bind(types: tuple[str, ...]):
    nanos = len(types) > 1 and types[1] == "date_nanos"

    def date_trunc(span: Span, value: int, zone: Zone = UTC_ZONE) -> int:
        if nanos:
            millis, _rest = divmod(value, 1_000_000)
            if not span.months and not span.days and span.millis == 0:
                return value
            return trunc_millis(span, millis, zone) * 1_000_000
        return trunc_millis(span, value, zone)

    return date_trunc


def _second_type(types: tuple[str, ...]) -> str:
    return types[1] if len(types) > 1 else "date"


# --- DATE_DIFF -----------------------------------------------------------------------------

_DIFF_UNITS = {
    **dict.fromkeys(("year", "years", "yy", "yyyy"), "year"),
    **dict.fromkeys(("quarter", "quarters", "qq", "q"), "quarter"),
    **dict.fromkeys(("month", "months", "mm", "m"), "month"),
    **dict.fromkeys(("dayofyear", "dy", "y"), "day"),
    **dict.fromkeys(("day", "days", "dd", "d"), "day"),
    **dict.fromkeys(("week", "weeks", "wk", "ww"), "week"),
    **dict.fromkeys(("weekday", "weekdays", "dw"), "day"),
    **dict.fromkeys(("hour", "hours", "hh"), "hour"),
    **dict.fromkeys(("minute", "minutes", "mi", "n"), "minute"),
    **dict.fromkeys(("second", "seconds", "ss", "s"), "second"),
    **dict.fromkeys(("millisecond", "milliseconds", "ms"), "millisecond"),
    **dict.fromkeys(("microsecond", "microseconds", "mcs"), "microsecond"),
    **dict.fromkeys(("nanosecond", "nanoseconds", "ns"), "nanosecond"),
}
_FIXED_UNITS_NANOS = {
    "week": 7 * DAY * 1_000_000,
    "day": DAY * 1_000_000,
    "hour": 3_600_000_000_000,
    "minute": 60_000_000_000,
    "second": 1_000_000_000,
    "millisecond": 1_000_000,
    "microsecond": 1_000,
    "nanosecond": 1,
}


def _months_between(start_millis: int, end_millis: int) -> int:
    """java.time ChronoUnit.MONTHS.between: whole months, the day and time of day deciding
    whether the last month is complete."""
    sy, sm, sd, *s_time = split_millis(start_millis)
    ey, em, ed, *e_time = split_millis(end_millis)
    start_key = (sd, *s_time)
    end_key = (ed, *e_time)
    months = (ey * 12 + em) - (sy * 12 + sm)
    if months > 0 and end_key < start_key:
        months -= 1
    elif months < 0 and end_key > start_key:
        months += 1
    return months


def _diff_bind(types: tuple[str, ...]):
    start_nanos = len(types) > 1 and types[1] == "date_nanos"
    end_nanos = len(types) > 2 and types[2] == "date_nanos"

    def date_diff(unit: str, start: int, end: int) -> int:
        name = _DIFF_UNITS.get(unit.lower())
        if name is None:
            raise EvalFailure(
                f"A value of [YEAR, QUARTER, MONTH, DAYOFYEAR, DAY, WEEK, WEEKDAY, HOUR, "
                f"MINUTE, SECOND, MILLISECOND, MICROSECOND, NANOSECOND] or their aliases is "
                f"required; received [{unit}]"
            )
        start_ns = start if start_nanos else start * 1_000_000
        end_ns = end if end_nanos else end * 1_000_000
        if name in _FIXED_UNITS_NANOS:
            diff = end_ns - start_ns
            step = _FIXED_UNITS_NANOS[name]
            result = abs(diff) // step * (1 if diff >= 0 else -1)
        else:
            months = _months_between(start_ns // 1_000_000, end_ns // 1_000_000)
            divisor = {"year": 12, "quarter": 3, "month": 1}[name]
            result = int(months / divisor)
        if not -(2**31) <= result < 2**31:
            raise EvalFailure(
                "The DATE_DIFF function resulted in an overflow; the number of units between "
                "two dates exceeds the maximum value that can be stored in an integer"
            )
        return result

    return date_diff


# --- DATE_EXTRACT --------------------------------------------------------------------------


def _extract(part: str, millis: int) -> int:
    year, month, day, hour, minute, second, milli = split_millis(millis)
    days = millis // DAY
    name = part.upper()
    if name == "YEAR":
        return year
    if name == "MONTH_OF_YEAR":
        return month
    if name == "DAY_OF_MONTH":
        return day
    if name == "HOUR_OF_DAY":
        return hour
    if name == "MINUTE_OF_HOUR":
        return minute
    if name == "SECOND_OF_MINUTE":
        return second
    if name == "MILLI_OF_SECOND":
        return milli
    if name == "DAY_OF_WEEK":
        return (days + 3) % 7 + 1  # Monday = 1
    if name == "DAY_OF_YEAR":
        return days - days_from_civil(year, 1, 1) + 1
    if name == "EPOCH_DAY":
        return days
    if name == "MINUTE_OF_DAY":
        return hour * 60 + minute
    if name == "SECOND_OF_DAY":
        return hour * 3600 + minute * 60 + second
    if name == "MILLI_OF_DAY":
        return millis % DAY
    if name == "HOUR_OF_AMPM":
        return hour % 12
    if name == "AMPM_OF_DAY":
        return hour // 12
    if name == "CLOCK_HOUR_OF_DAY":
        return hour or 24
    if name == "CLOCK_HOUR_OF_AMPM":
        return hour % 12 or 12
    if name == "ALIGNED_WEEK_OF_YEAR":
        return (days - days_from_civil(year, 1, 1)) // 7 + 1
    if name == "ALIGNED_WEEK_OF_MONTH":
        return (day - 1) // 7 + 1
    if name == "PROLEPTIC_MONTH":
        return year * 12 + month - 1
    if name == "YEAR_OF_ERA":
        return year if year > 0 else 1 - year
    if name == "ERA":
        return 1 if year > 0 else 0
    if name == "INSTANT_SECONDS":
        return millis // 1000
    raise EvalFailure(f"No enum constant java.time.temporal.ChronoField.{name}")


def _extract_bind(types: tuple[str, ...]):
    nanos = len(types) > 1 and types[1] == "date_nanos"

    def date_extract(part: str, value: int, zone: Zone = UTC_ZONE) -> int:
        millis = value // 1_000_000 if nanos else value
        if part.upper() == "NANO_OF_SECOND":
            return value % 1_000_000_000 if nanos else (millis % 1000) * 1_000_000
        return _extract(part, zone.to_local(millis))

    return date_extract


# --- DATE_FORMAT / DATE_PARSE: java.time patterns ------------------------------------------

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_TOKEN = re.compile(r"'[^']*'|''|([a-zA-Z])\1*|.", re.S)
DEFAULT_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"


@lru_cache(maxsize=256)
def _tokens(pattern: str) -> tuple[str, ...]:
    return tuple(m.group(0) for m in _TOKEN.finditer(pattern))


def format_pattern(pattern: str, millis: int) -> str:
    year, month, day, hour, minute, second, milli = split_millis(millis)
    weekday = (millis // DAY + 3) % 7
    out = []
    for token in _tokens(pattern):
        letter, count = token[0], len(token)
        if token == "''":
            out.append("'")
        elif letter == "'":
            out.append(token[1:-1])
        elif letter in "yu":
            out.append(f"{year % 100:02d}" if count == 2 else f"{year:0{count}d}")
        elif letter in "ML":
            if count >= 4:
                out.append(_MONTHS[month - 1])
            elif count == 3:
                out.append(_MONTHS[month - 1][:3])
            else:
                out.append(f"{month:0{count}d}")
        elif letter == "d":
            out.append(f"{day:0{count}d}")
        elif letter == "D":
            out.append(f"{millis // DAY - days_from_civil(year, 1, 1) + 1:0{count}d}")
        elif letter == "H":
            out.append(f"{hour:0{count}d}")
        elif letter == "h":
            out.append(f"{hour % 12 or 12:0{count}d}")
        elif letter == "k":
            out.append(f"{hour or 24:0{count}d}")
        elif letter == "m":
            out.append(f"{minute:0{count}d}")
        elif letter == "s":
            out.append(f"{second:0{count}d}")
        elif letter == "S":
            out.append(f"{milli:03d}000000"[:count])
        elif letter == "a":
            out.append("AM" if hour < 12 else "PM")
        elif letter == "E":
            out.append(_DAYS[weekday] if count >= 4 else _DAYS[weekday][:3])
        elif letter in "XZx":
            out.append("Z" if letter == "X" else "+0000")
        elif letter.isalpha():
            raise EvalFailure(f"Unknown pattern letter: {letter}")
        else:
            out.append(token)
    return "".join(out)


def _format_bind(types: tuple[str, ...]):
    nanos = types[-1] == "date_nanos" if types else False

    def date_format(*args: Any, zone: Zone = UTC_ZONE) -> str:
        if len(args) == 1:
            pattern, value = DEFAULT_FORMAT, args[0]
        else:
            pattern, value = args
        millis = value // 1_000_000 if nanos else value
        return format_pattern(pattern, zone.to_local(millis))

    return date_format


_PARSE_FIELDS = {
    "y": r"(?P<y>[+-]?\d{{{min},9}})",
    "u": r"(?P<y>[+-]?\d{{{min},9}})",
    "M": r"(?P<M>\d{{{min},2}})",
    "d": r"(?P<d>\d{{{min},2}})",
    "H": r"(?P<H>\d{{{min},2}})",
    "m": r"(?P<m>\d{{{min},2}})",
    "s": r"(?P<s>\d{{{min},2}})",
    "S": r"(?P<S>\d{{{count}}})",
}


@lru_cache(maxsize=256)
def _parse_regex(pattern: str) -> re.Pattern:
    parts = []
    for token in _tokens(pattern):
        letter, count = token[0], len(token)
        if token == "''":
            parts.append("'")
        elif letter == "'":
            parts.append(re.escape(token[1:-1]))
        elif letter in _PARSE_FIELDS:
            parts.append(_PARSE_FIELDS[letter].format(min=count, count=count))
        elif letter in "XZx":
            parts.append(r"(?P<z>Z|[+-]\d{2}:?\d{2})")
        elif letter.isalpha():
            raise EvalFailure(f"Unknown pattern letter: {letter}")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts))


def parse_pattern(pattern: str, text: str) -> int:
    match = _parse_regex(pattern).fullmatch(text)
    if match is None:
        raise EvalFailure(f"failed to parse date field [{text}] with format [{pattern}]")
    g = match.groupdict()
    month, day = int(g.get("M") or 1), int(g.get("d") or 1)
    days = days_from_civil(int(g.get("y") or 1970), month, day)
    if not (1 <= month <= 12) or civil_from_days(days)[1:] != (month, day):
        raise EvalFailure(f"failed to parse date field [{text}] with format [{pattern}]")
    millis = (
        days * DAY
        + int(g.get("H") or 0) * 3_600_000
        + int(g.get("m") or 0) * 60_000
        + int(g.get("s") or 0) * 1000
        + int((g.get("S") or "0").ljust(3, "0")[:3])
    )
    zone = g.get("z")
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        millis -= sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60_000
    return millis


def _parse_bind(_types: tuple[str, ...]):
    def date_parse(*args: str) -> int:
        if len(args) == 1:
            millis = parse_iso(args[0])
            if millis is None:
                raise EvalFailure(
                    f"failed to parse date field [{args[0]}] with format "
                    "[strict_date_optional_time]"
                )
            return millis
        return parse_pattern(args[0], args[1])

    return date_parse


register("date_trunc", 2, 2, _second_type, zoned=True)(_trunc_bind)
register("date_diff", 3, 3, "integer")(_diff_bind)
register("date_extract", 2, 2, "long", zoned=True)(_extract_bind)
register("date_format", 1, 2, "keyword", zoned=True)(_format_bind)
register("date_parse", 1, 2, "date")(_parse_bind)
# NOW() is the moment the query runs, one value for the whole query: the evaluator supplies
# it, so its implementation here is never called.
register("now", 0, 0, "date")(lambda _types: lambda: None)
