"""An ES|QL rule's event conditions in the shared condition form (`ruleops.query.ast`).

Fixture generation, near misses, satisfiability and coverage are written once on that form.
What lowers is what an ES|QL rule asks of a single source event: the WHERE conditions before
the first STATS, on source fields (not on columns the query computes), `AND`-ed together.
`==`, `!=`, `<`… compare; IN is a set; LIKE and RLIKE are wildcard and regex matches;
IS [NOT] NULL is (not) exists; STARTS_WITH / ENDS_WITH / CONTAINS are wildcards;
CIDR_MATCH is `cidrmatch`; TO_LOWER / TO_UPPER of a field compared with a literal is a
case-insensitive comparison; KQL("…") is the KQL query. A condition with anything else
(computed columns, other functions, arithmetic) is left out — the lowered form then asks
less than the query does, which generation tolerates because every drafted case is run by
the real evaluator before it is kept.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ruleops.esql import ast
from ruleops.esql.dissect import DissectError, compile_dissect
from ruleops.esql.grok import GrokError, compile_grok
from ruleops.kql.errors import KqlSyntaxError
from ruleops.kql.parser import parse_kql
from ruleops.query import ast as q


class _Unlowerable(Exception):
    pass


def lowered_conditions(query: ast.Query) -> list[q.Expr]:
    """[the AND of the lowerable WHERE conditions], or [] when there is none."""
    computed: set[str] = set()
    parts: list[q.Expr] = []
    for command in query.commands[1:]:
        if isinstance(command, ast.Stats | ast.InlineStats):
            break
        if isinstance(command, ast.Where):
            for conjunct in _conjuncts(command.condition):
                if any(c.name in computed for c in ast.columns(conjunct)):
                    continue
                try:
                    parts.append(lower(conjunct))
                except _Unlowerable:
                    continue
        elif isinstance(command, ast.Eval):
            computed.update(f.name for f in command.fields)
        elif isinstance(command, ast.Rename):
            computed.update(item.new.name for item in command.items)
        elif isinstance(command, ast.Grok | ast.Dissect):
            computed.update(_extracted(command))
        elif isinstance(command, ast.MvExpand):
            continue
    if not parts:
        return []
    return [parts[0] if len(parts) == 1 else q.And(tuple(parts), _span(query))]


def _span(query: ast.Query) -> q.Span:
    return q.Span(query.span.start, query.span.end)


def _extracted(command: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(command, ast.Grok):
        for pattern in command.patterns:
            with contextlib.suppress(GrokError):
                names.update(c.name for c in compile_grok(str(pattern.value)).columns)
    else:
        with contextlib.suppress(DissectError):
            names.update(compile_dissect(str(command.pattern.value)).columns)
    return names


def _conjuncts(node: ast.Expr) -> tuple[ast.Expr, ...]:
    return node.operands if isinstance(node, ast.And) else (node,)


def _sp(node: Any) -> q.Span:
    return q.Span(node.span.start, node.span.end)


def _field(node: ast.Expr) -> q.Field:
    if isinstance(node, ast.Column):
        return q.Field(tuple(node.name.split(".")), _sp(node))
    raise _Unlowerable


def _literal(node: ast.Expr) -> q.Literal:
    if isinstance(node, ast.Literal) and not isinstance(node.value, tuple):
        return q.Literal(node.value, _sp(node))
    if isinstance(node, ast.Negate) and isinstance(node.operand, ast.Literal):
        value = node.operand.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return q.Literal(-value, _sp(node))
    raise _Unlowerable


_FOLD = {"to_lower": str.lower, "to_upper": str.upper}


def lower(node: ast.Expr) -> q.Expr:
    """One ES|QL condition in the shared form; _Unlowerable when it cannot be."""
    match node:
        case ast.And(operands=operands):
            return q.And(tuple(lower(o) for o in operands), _sp(node))
        case ast.Or(operands=operands):
            return q.Or(tuple(lower(o) for o in operands), _sp(node))
        case ast.Not(operand=operand):
            return q.Not(lower(operand), _sp(node))
        case ast.Compare(op=op, left=left, right=right) if op != "=~":
            folded = _folded_compare(op, left, right, node)
            if folded is not None:
                return folded
            if isinstance(left, ast.Column):
                return q.Compare(op, _field(left), _literal(right), _sp(node))
            if isinstance(right, ast.Column):
                flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
                return q.Compare(flipped, _field(right), _literal(left), _sp(node))  # type: ignore[arg-type]
            raise _Unlowerable
        case ast.Compare(op="=~", left=left, right=right):
            return q.Match(_field(left), (str(_literal(right).value),), "term", True, _sp(node))
        case ast.In(value=value, options=options, negated=negated):
            lowered = q.InSet(_field(value), tuple(_literal(o) for o in options), False, _sp(node))
            return q.Not(lowered, _sp(node)) if negated else lowered
        case ast.IsNull(value=value, negated=negated):
            exists = q.Exists(_field(value), _sp(node))
            return exists if negated else q.Not(exists, _sp(node))
        case ast.Like(value=value, patterns=patterns, regex=regex, negated=negated):
            texts = tuple(str(p.value) for p in patterns if isinstance(p, ast.Literal))
            if len(texts) != len(patterns):
                raise _Unlowerable
            match = q.Match(
                _field(value), texts, "regex" if regex else "wildcard", False, _sp(node)
            )
            return q.Not(match, _sp(node)) if negated else match
        case ast.Call(name=name, args=args):
            return _call(name.lower(), args, node)
    raise _Unlowerable


def _folded_compare(op: str, left: ast.Expr, right: ast.Expr, node: Any) -> q.Expr | None:
    """`TO_LOWER(f) == "x"`: f compared case-insensitively (the literal already folded)."""
    if op not in ("==", "!=") or not isinstance(left, ast.Call):
        return None
    if left.name.lower() not in _FOLD or len(left.args) != 1:
        return None
    literal = _literal(right)
    if not isinstance(literal.value, str):
        raise _Unlowerable
    match = q.Match(_field(left.args[0]), (literal.value,), "term", True, _sp(node))
    return match if op == "==" else q.Not(match, _sp(node))


def _call(name: str, args: tuple[ast.Expr, ...], node: Any) -> q.Expr:
    if name == "kql" and len(args) == 1 and isinstance(args[0], ast.Literal):
        try:
            return parse_kql(str(args[0].value))
        except KqlSyntaxError:
            raise _Unlowerable from None
    if name in ("starts_with", "ends_with", "contains") and len(args) == 2:
        text = _literal(args[1]).value
        if not isinstance(text, str) or "*" in text or "?" in text:
            raise _Unlowerable
        pattern = {"starts_with": f"{text}*", "ends_with": f"*{text}", "contains": f"*{text}*"}
        return q.Match(_field(args[0]), (pattern[name],), "wildcard", False, _sp(node))
    if name == "cidr_match" and len(args) >= 2:
        return q.Call(
            "cidrmatch", (_field(args[0]), *(_literal(a) for a in args[1:])), False, _sp(node)
        )
    if name == "mv_contains" and len(args) == 2:
        return q.InSet(_field(args[0]), (_literal(args[1]),), False, _sp(node))
    raise _Unlowerable
