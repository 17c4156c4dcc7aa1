"""Elasticsearch date math as rules use it (`now-7d`, `now-30d/d`), and event times.

In fixtures "now" is the latest event time of a case, so a case means the same thing on
any day it runs.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ruleops.query.ast import Compare, Expr, Field, Literal, rebuild, walk
from ruleops.query.values import flat_values

_RELATIVE = re.compile(r"^now(?:-(\d+)([smhdwMy]))?(?:/([smhdwMy]))?$")
_JAVA_INT_MAX = 2**31 - 1
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "M": 30 * 86400, "y": 365 * 86400}


def relative_time(text: str, now: dt.datetime) -> dt.datetime | None:
    """Elasticsearch date math of the forms rules use: `now`, `now-7d`, `now-30d/d`.
    Months and years are counted as 30 and 365 days."""
    match = _RELATIVE.match(text.strip())
    if not match:
        return None
    amount, unit, rounding = match.groups()
    # Elasticsearch reads the amount as a Java int and fails past it, or past the years a
    # date can hold (JavaDateMathParser.parseMath: Integer.parseInt, ZonedDateTime.plus*).
    if amount and int(amount) > _JAVA_INT_MAX:
        return None
    try:
        moment = now - dt.timedelta(seconds=int(amount) * _UNIT[unit]) if amount else now
    except OverflowError:
        return None
    if rounding in ("d", "w", "M", "y"):
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elif rounding == "h":
        moment = moment.replace(minute=0, second=0, microsecond=0)
    elif rounding == "m":
        moment = moment.replace(second=0, microsecond=0)
    return moment


def parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, list):
        value = next(iter(flat_values(value)), None)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def iso(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def resolve_date_math(expr: Expr, now: dt.datetime) -> tuple[Expr, dict[str, str]]:
    """`@timestamp >= "now-30d/d"`: the bound as a date, and the field typed as a date so
    the evaluator compares instants rather than text."""
    dated: dict[str, str] = {}

    def visit(node: Expr) -> Expr:
        if isinstance(node, Compare) and isinstance(node.left, Field):
            bound = node.right
            if isinstance(bound, Literal) and isinstance(bound.value, str):
                moment = relative_time(bound.value, now)
                if moment is not None:
                    dated[node.left.name] = "date"
                    return Compare(node.op, node.left, Literal(iso(moment), bound.span), node.span)
        return rebuild(node, visit)

    return visit(expr), dated


def has_date_math(expr: Expr) -> bool:
    return any(
        isinstance(n, Compare)
        and isinstance(n.right, Literal)
        and isinstance(n.right.value, str)
        and n.right.value.strip().startswith("now")
        for n in walk(expr)
    )
