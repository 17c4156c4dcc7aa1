"""How far a row is from satisfying a condition: for explanations that a search can use.

When a WHERE drops a row, explain mode records, besides the reason written for a rule
author, a number: the condition's distance from true on that row, 0 when it holds and
towards 1 the further it is. This is the branch distance of search-based test generation
(Korel, "Automated software test data generation", 1990; Tracey et al., 1998), normalised
as d / (d + 1): a comparison of numbers or dates is as far as the gap between its sides
(`Esql.count >= 10` with a count of 3 is 7 away, with a count of 9 is 1 away), AND adds up
its operands' distances (averaged), OR takes the nearest operand, `x IN (…)` the nearest
option; anything else (strings, LIKE, IS NULL, functions) is 0 when true and FALSE (0.95)
when false, and a null is always 1: a false is nearer than a null, since a value is there
(a GROK that now extracts a column, whatever the column holds, has made progress); a
number's gap is scaled below FALSE for the same reason. Fixture generation
(`ruleops.fixtures.esql_repair`) keeps an edit of its events only when this distance says
the rule came nearer to alerting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ruleops.esql import ast
from ruleops.esql.evaluate import EsqlError

Row = tuple[Any, ...]
Distance = Callable[[Row], float]

FALSE = 0.95  # the distance of a condition that is false (not null: that is 1)

# The gap that makes a strict comparison false when the sides are equal.
_STRICT = {"<", ">", "!="}


def compile_distance(compiler: Any, node: ast.Expr, scope: Any) -> Distance:
    """The distance of `node` (a boolean expression) from true, per row (module doc)."""
    try:
        return _compiled(compiler, node, scope)
    except EsqlError:  # a part compared on its own the query would not allow: 0 or 1
        return _verdict(compiler._boolean(node, scope))


def _compiled(compiler: Any, node: ast.Expr, scope: Any) -> Distance:
    match node:
        case ast.And(operands=operands):
            parts = [compile_distance(compiler, o, scope) for o in operands]
            count = len(parts)
            return lambda row: sum(part(row) for part in parts) / count
        case ast.Or(operands=operands):
            parts = [compile_distance(compiler, o, scope) for o in operands]
            return lambda row: min(part(row) for part in parts)
        case ast.Not(operand=ast.Compare(op=op, left=left, right=right)) if op in _NEGATED:
            return _compare(compiler, _NEGATED[op], left, right, scope)
        case ast.Compare(op=op, left=left, right=right) if op in _GAPS:
            return _compare(compiler, op, left, right, scope)
        case ast.In(value=value, options=options, negated=False):
            parts = [_compare(compiler, "==", value, option, scope) for option in options]
            return lambda row: min(part(row) for part in parts)
    return _verdict(compiler._boolean(node, scope))


def _verdict(test: Callable[[Row], Any]) -> Distance:
    def distance(row: Row) -> float:
        verdict = test(row)
        return 0.0 if verdict is True else 1.0 if verdict is None else FALSE

    return distance


def _compare(compiler: Any, op: str, left: ast.Expr, right: ast.Expr, scope: Any) -> Distance:
    test = compiler._boolean(ast.Compare(op, left, right, left.span), scope)  # type: ignore[arg-type]
    left_fn, _ = compiler.expr(left, scope)
    right_fn, _ = compiler.expr(right, scope)
    gap = _GAPS[op]

    def distance(row: Row) -> float:
        verdict = test(row)
        if verdict is True:
            return 0.0
        if verdict is None:
            return 1.0
        a, b = left_fn(row), right_fn(row)
        if _number(a) and _number(b):
            d = gap(a, b) + (1 if op in _STRICT else 0)
            return FALSE * d / (d + 1) if d > 0 else FALSE / 2
        return FALSE

    return distance


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# How far `a op b` is from true when it is false (the strict comparisons add one).
_GAPS: dict[str, Callable[[Any, Any], float]] = {
    "==": lambda a, b: abs(a - b),
    "!=": lambda a, b: 0,
    "<": lambda a, b: a - b,
    "<=": lambda a, b: a - b,
    ">": lambda a, b: b - a,
    ">=": lambda a, b: b - a,
}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
