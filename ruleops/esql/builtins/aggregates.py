"""Aggregate functions for STATS and INLINE STATS.

An aggregate receives the group's argument cells, one per row (a tuple of cells per row when
it has several arguments), and returns the group's cell. Every value of a multi-value counts
(`COUNT(field)` counts values, not rows; `SUM` adds them all); nulls are skipped; a group
with no value gives null (0 for COUNT and COUNT_DISTINCT). SUM of whole numbers is a long
and overflows into a warning and null; AVG, MEDIAN, PERCENTILE, STD_DEV and VARIANCE are
doubles. MEDIAN and PERCENTILE interpolate between the two nearest ranks, which is what
Elasticsearch's t-digest gives on the small groups rules and tests have.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ruleops.esql.builtins.mv import checked_sum
from ruleops.esql.builtins.registry import first_type, register
from ruleops.esql.values import Estimated, EvalFailure, as_list, mv_of


def _values(cells: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for cell in cells:
        if cell is None:
            continue
        if cell.__class__ is tuple:
            out.extend(cell)
        else:
            out.append(cell)
    return out


def _keyword_if_text(types: tuple[str, ...]) -> str:
    kind = first_type(types)
    return "keyword" if kind == "text" else kind


def _aggregate(name: str, min_args: int, max_args: int, result: Any):
    return register(name, min_args, max_args, result, aggregate=True, multi=True, nulls=False)


@_aggregate("count", 0, 1, "long")
def _count(_types: tuple[str, ...]):
    # COUNT() and COUNT(*) arrive with no argument: the evaluator passes one cell per row.
    def count(cells: Sequence[Any]) -> int:
        total = 0
        for cell in cells:
            if cell is None:
                continue
            total += len(cell) if cell.__class__ is tuple else 1
        return total

    return count


# COUNT_DISTINCT is HyperLogLog++ with a precision threshold (default 3000, at most 40000):
# below it the count is exact ("counts below the threshold are expected to be close to
# accurate", docs functions/count_distinct.md), above it an estimate. ruleops counts
# exactly, so it answers up to the threshold and declines above it.
DEFAULT_PRECISION = 3000
MAX_PRECISION = 40000


@_aggregate("count_distinct", 1, 2, "long")
def _count_distinct(types: tuple[str, ...]):
    def count_distinct(cells: Sequence[Any]) -> int:
        threshold = DEFAULT_PRECISION
        if len(types) > 1:
            given = next((c[1] for c in cells if c[1] is not None), None)
            if isinstance(given, int) and not isinstance(given, bool):
                threshold = min(max(given, 0), MAX_PRECISION)
            cells = [c[0] for c in cells]
        count = len(set(_values(cells)))
        if count > threshold:
            raise Estimated(
                f"{count} distinct values are more than the precision threshold {threshold}: "
                "Elasticsearch answers with a HyperLogLog++ estimate, which ruleops does not "
                "reproduce"
            )
        return count

    return count_distinct


@_aggregate("values", 1, 1, _keyword_if_text)
def _values_bind(_types: tuple[str, ...]):
    return lambda cells: mv_of(list(dict.fromkeys(_values(cells))))


def _key(types: tuple[str, ...]):
    return (lambda v: v.key) if first_type(types) == "version" else None


@_aggregate("min", 1, 1, _keyword_if_text)
def _min(types: tuple[str, ...]):
    key = _key(types)

    def minimum(cells: Sequence[Any]) -> Any:
        values = _values(cells)
        return min(values, key=key) if values else None

    return minimum


@_aggregate("max", 1, 1, _keyword_if_text)
def _max(types: tuple[str, ...]):
    key = _key(types)

    def maximum(cells: Sequence[Any]) -> Any:
        values = _values(cells)
        return max(values, key=key) if values else None

    return maximum


def _sum_type(types: tuple[str, ...]) -> str:
    kind = first_type(types)
    return "long" if kind in ("integer", "long") else kind


@_aggregate("sum", 1, 1, _sum_type)
def _sum(types: tuple[str, ...]):
    kind = _sum_type(types)

    def total(cells: Sequence[Any]) -> Any:
        values = _values(cells)
        if not values:
            return None
        if kind == "double":
            return math.fsum(values)
        return checked_sum(values, kind)

    return total


@_aggregate("avg", 1, 1, "double")
def _avg(_types: tuple[str, ...]):
    def average(cells: Sequence[Any]) -> Any:
        values = _values(cells)
        if not values:
            return None
        return math.fsum(values) / len(values)

    return average


# WEIGHTED_AVG(v, c) with a constant weight is planned as SUM(v) / COUNT(v): the sum of
# whole numbers is a long, which overflows (a name no query can write).
CONSTANT_WEIGHT = "weighted_avg/constant"


@_aggregate(CONSTANT_WEIGHT, 1, 1, "double")
def _constant_weight(types: tuple[str, ...]):
    whole = first_type(types) in ("integer", "long")

    def average(cells: Sequence[Any]) -> Any:
        values = _values(cells)
        if not values:
            return None
        total = checked_sum(values, "long") if whole else math.fsum(values)
        return total / len(values)

    return average


def percentile_of(values: list[Any], percent: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = percent / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    fraction = rank - low
    return float(ordered[low] + (ordered[high] - ordered[low]) * fraction)


@_aggregate("median", 1, 1, "double")
def _median(_types: tuple[str, ...]):
    return lambda cells: percentile_of(_values(cells), 50)


@_aggregate("percentile", 2, 2, "double")
def _percentile(_types: tuple[str, ...]):
    def percentile(rows: Sequence[tuple[Any, Any]]) -> Any:
        if not rows:
            return None
        percent = rows[0][1]
        if percent is None or not 0 <= percent <= 100:
            raise EvalFailure(f"Percentile must be in [0,100], got [{percent}]")
        return percentile_of(_values([r[0] for r in rows]), percent)

    return percentile


@_aggregate("median_absolute_deviation", 1, 1, "double")
def _mad(_types: tuple[str, ...]):
    def mad(cells: Sequence[Any]) -> Any:
        values = _values(cells)
        middle = percentile_of(values, 50)
        if middle is None:
            return None
        return percentile_of([abs(v - middle) for v in values], 50)

    return mad


def _variance(values: list[Any]) -> float | None:
    if not values:
        return None
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / len(values)


@_aggregate("variance", 1, 1, "double")
def _variance_bind(_types: tuple[str, ...]):
    return lambda cells: _variance(_values(cells))


@_aggregate("std_dev", 1, 1, "double")
def _std_dev(_types: tuple[str, ...]):
    def std_dev(cells: Sequence[Any]) -> Any:
        variance = _variance(_values(cells))
        return None if variance is None else math.sqrt(variance)

    return std_dev


@_aggregate("weighted_avg", 2, 2, "double")
def _weighted_avg(types: tuple[str, ...]):
    # WEIGHTED_AVG(v, w) is SUM(v * w) / SUM(w) in the arguments' types: whole numbers
    # overflow (`long overflow`), a zero weight sum divides by zero.
    whole = all(t in ("integer", "long") for t in types[:2])

    def weighted_avg(rows: Sequence[tuple[Any, Any]]) -> Any:
        products: list[Any] = []
        weights: list[Any] = []
        for value, weight in rows:
            if value is None or weight is None:
                continue
            if value.__class__ is tuple or weight.__class__ is tuple:
                # v * w of a multi-value is null with a warning (ruleops makes the whole
                # aggregate null then, which is what Elasticsearch's tests show).
                raise EvalFailure("single-value function encountered multi-value")
            products.append(value * weight)
            weights.append(weight)
        if not weights:
            return None
        if whole:
            for product in products:
                checked_sum([product], "long")
            total, weight_sum = checked_sum(products, "long"), checked_sum(weights, "long")
        else:
            total, weight_sum = math.fsum(products), math.fsum(weights)
        if weight_sum == 0:
            raise EvalFailure("/ by zero", "java.lang.ArithmeticException")
        return total / weight_sum

    return weighted_avg


def _top_type(types: tuple[str, ...]) -> str:
    if "null" in types:
        return "null"
    output = types[3] if len(types) > 3 else types[0]
    return "keyword" if output == "text" else output


@_aggregate("top", 3, 4, _top_type)
def _top(types: tuple[str, ...]):
    """TOP(field, limit, order[, output]): the `limit` smallest (largest) values of `field`,
    or with `output` the values of `output` on those rows."""
    key = _key(types)

    def top(rows: Sequence[tuple[Any, ...]]) -> Any:
        if not rows:
            return None
        limit, order = rows[0][1], rows[0][2]
        if limit is None or limit <= 0:
            raise EvalFailure(f"Limit must be greater than 0, found [{limit}]")
        descending = str(order).lower() == "desc"
        if len(types) > 3:
            pairs = [(r[0], r[3]) for r in rows if r[0] is not None and r[0].__class__ is not tuple]
            pairs.sort(key=lambda p: key(p[0]) if key else p[0], reverse=descending)
            return mv_of(_values([p[1] for p in pairs[:limit]]))
        values = sorted(_values([r[0] for r in rows]), key=key, reverse=descending)
        return mv_of(values[:limit])

    return top


def _first_last(latest: bool):
    def bind(_types: tuple[str, ...]):
        def pick(rows: Sequence[tuple[Any, Any]]) -> Any:
            best_key: Any = None
            best: Any = None
            for value, sort in rows:
                if sort is None:
                    continue
                key = max(as_list(sort)) if latest else min(as_list(sort))
                if best_key is None or (key > best_key if latest else key < best_key):
                    best_key, best = key, value
            if best_key is None and rows:
                return rows[0][0]  # no sort value at all: the first row's
            return best

        return pick

    return bind


def _first_type(types: tuple[str, ...]) -> str:
    return "null" if types and types[0] == "null" else _keyword_if_text(types)


_aggregate("first", 2, 2, _first_type)(_first_last(False))
_aggregate("last", 2, 2, _first_type)(_first_last(True))
