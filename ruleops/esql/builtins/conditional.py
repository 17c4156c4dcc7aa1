"""Conditional functions: CASE, COALESCE, GREATEST, LEAST, CLAMP.

CASE and COALESCE evaluate their arguments lazily (a branch not taken raises no warning),
so the evaluator runs them itself (`LAZY`); they are declared here for their arity and
result type. GREATEST and LEAST take multi-values, reading the largest (smallest) value of
each argument, as Elasticsearch's evaluators do after an MV_MAX (MV_MIN).
"""

from __future__ import annotations

from typing import Any

from ruleops.esql.builtins.registry import common_type, register, simple
from ruleops.esql.values import as_list

LAZY = frozenset({"case", "coalesce"})


def _case_type(types: tuple[str, ...]) -> str:
    values = [t for i, t in enumerate(types) if i % 2 == 1 or i == len(types) - 1]
    return common_type(tuple(values))


register("case", 1, None, _case_type, multi=True, nulls=False)(lambda _t: lambda *a: None)
register("coalesce", 1, None, common_type, multi=True, nulls=False)(lambda _t: lambda *a: None)


def _key(types: tuple[str, ...]):
    return (lambda v: v.key) if "version" in types else None


def _greatest_bind(types: tuple[str, ...]):
    key = _key(types)
    return lambda *cells: max((v for c in cells for v in as_list(c)), key=key)


def _least_bind(types: tuple[str, ...]):
    key = _key(types)
    return lambda *cells: min((v for c in cells for v in as_list(c)), key=key)


register("greatest", 1, None, common_type, multi=True)(_greatest_bind)
register("least", 1, None, common_type, multi=True)(_least_bind)


@simple("clamp", 3, 3, common_type)
def clamp(value: Any, low: Any, high: Any) -> Any:
    return min(max(value, low), high)


@simple("clamp_min", 2, 2, common_type)
def clamp_min(value: Any, low: Any) -> Any:
    return max(value, low)


@simple("clamp_max", 2, 2, common_type)
def clamp_max(value: Any, high: Any) -> Any:
    return min(value, high)
