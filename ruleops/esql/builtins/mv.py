"""Multi-value functions (MV_*): they take a whole cell, null, one value or several.

Values are in the cell's order (doc-values order for fields: see `es_types.doc_value`).
Text results are keyword. Sums overflow as Elasticsearch's do (a warning and null).
"""

from __future__ import annotations

import statistics
from typing import Any

from ruleops.esql.builtins.registry import common_type, first_type, register, simple
from ruleops.esql.values import (
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    ULONG_MAX,
    EvalFailure,
    as_list,
    mv_of,
    overflow,
)


def _keyword_if_text(types: tuple[str, ...]) -> str:
    kind = first_type(types)
    return "keyword" if kind == "text" else kind


@simple("mv_first", 1, 1, _keyword_if_text, multi=(0,))
def mv_first(cell: Any) -> Any:
    return cell[0] if cell.__class__ is tuple else cell


@simple("mv_last", 1, 1, _keyword_if_text, multi=(0,))
def mv_last(cell: Any) -> Any:
    return cell[-1] if cell.__class__ is tuple else cell


def _sort_key(types: tuple[str, ...]):
    if types and types[0] == "version":
        return lambda v: v.key
    return None


def _min_bind(types: tuple[str, ...]):
    key = _sort_key(types)
    return lambda cell: min(cell, key=key) if cell.__class__ is tuple else cell


def _max_bind(types: tuple[str, ...]):
    key = _sort_key(types)
    return lambda cell: max(cell, key=key) if cell.__class__ is tuple else cell


register("mv_min", 1, 1, _keyword_if_text, multi=(0,))(_min_bind)
register("mv_max", 1, 1, _keyword_if_text, multi=(0,))(_max_bind)


@simple("mv_count", 1, 1, "integer", multi=(0,))
def mv_count(cell: Any) -> int:
    return len(cell) if cell.__class__ is tuple else 1


@simple("mv_concat", 2, 2, "keyword", multi=(0,))
def mv_concat(cell: Any, delimiter: str) -> str:
    return delimiter.join(as_list(cell))


@simple("mv_dedupe", 1, 1, _keyword_if_text, multi=(0,))
def mv_dedupe(cell: Any) -> Any:
    if cell.__class__ is not tuple:
        return cell
    return mv_of(list(dict.fromkeys(cell)))


def _sort_bind(types: tuple[str, ...]):
    key = _sort_key(types)

    def mv_sort(cell: Any, order: str = "ASC") -> Any:
        if order.upper() not in ("ASC", "DESC"):
            raise EvalFailure(
                f"Invalid order value in [mv_sort], expected one of [ASC, DESC] but got [{order}]"
            )
        if cell.__class__ is not tuple:
            return cell
        return tuple(sorted(cell, key=key, reverse=order.upper() == "DESC"))

    return mv_sort


register("mv_sort", 1, 2, _keyword_if_text, multi=(0,))(_sort_bind)


@simple("mv_slice", 2, 3, _keyword_if_text, multi=(0,))
def mv_slice(cell: Any, start: int, end: int | None = None) -> Any:
    values = as_list(cell)
    count = len(values)
    if end is None:
        end = start
    if start < 0:
        start += count
    if end < 0:
        end += count
    if start > end:
        raise EvalFailure("Start offset is greater than end offset")
    if start >= count or end < 0:
        return None
    return mv_of(list(values[max(start, 0) : min(end, count - 1) + 1]))


@simple("mv_zip", 2, 3, "keyword", multi=(0, 1), nulls=False)
def mv_zip(left: Any, right: Any, delimiter: str | None = ",") -> Any:
    if delimiter is None:
        return None
    a, b = as_list(left), as_list(right)
    if not a and not b:
        return None
    out = []
    for i in range(max(len(a), len(b))):
        if i < len(a) and i < len(b):
            out.append(f"{a[i]}{delimiter}{b[i]}")
        else:
            out.append(a[i] if i < len(a) else b[i])
    return mv_of(out)


@simple("mv_contains", 2, 2, "boolean", multi=(0, 1), nulls=False)
def mv_contains(superset: Any, subset: Any) -> bool:
    have = set(as_list(superset))
    return all(v in have for v in as_list(subset))


@simple("mv_append", 2, 2, common_type, multi=(0, 1), nulls=False)
def mv_append(left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    return mv_of([*as_list(left), *as_list(right)])


@simple("mv_intersection", 2, 2, _keyword_if_text, multi=(0, 1))
def mv_intersection(left: Any, right: Any) -> Any:
    other = set(as_list(right))
    return mv_of([v for v in dict.fromkeys(as_list(left)) if v in other])


@simple("mv_union", 2, 2, _keyword_if_text, multi=(0, 1), nulls=False)
def mv_union(left: Any, right: Any) -> Any:
    return mv_of(list(dict.fromkeys([*as_list(left), *as_list(right)])))


def checked_sum(values: Any, kind: str) -> Any:
    total = sum(values)
    if kind == "integer" and not INT_MIN <= total <= INT_MAX:
        raise overflow("integer")
    if kind == "long" and not LONG_MIN <= total <= LONG_MAX:
        raise overflow("long")
    if kind == "unsigned_long" and total > ULONG_MAX:
        raise overflow("unsigned_long")
    return total


def _sum_bind(types: tuple[str, ...]):
    kind = first_type(types)
    if kind == "double":
        return lambda cell: float(sum(as_list(cell)))
    return lambda cell: checked_sum(as_list(cell), kind)


register("mv_sum", 1, 1, first_type, multi=(0,))(_sum_bind)


@simple("mv_avg", 1, 1, "double", multi=(0,))
def mv_avg(cell: Any) -> float:
    values = as_list(cell)
    return float(sum(values)) / len(values)


def _median_bind(types: tuple[str, ...]):
    kind = first_type(types)

    def mv_median(cell: Any) -> Any:
        values = sorted(as_list(cell))
        middle = len(values) // 2
        if len(values) % 2:
            return values[middle]
        if kind == "double":
            return (values[middle - 1] + values[middle]) / 2
        # Integer medians round toward negative infinity, as ES's MvMedian does.
        return (values[middle - 1] + values[middle]) // 2

    return mv_median


register("mv_median", 1, 1, first_type, multi=(0,))(_median_bind)


@simple("mv_median_absolute_deviation", 1, 1, first_type, multi=(0,))
def mv_median_absolute_deviation(cell: Any) -> Any:
    values = as_list(cell)
    middle = statistics.median(values)
    return statistics.median([abs(v - middle) for v in values])
