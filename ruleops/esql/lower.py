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
import dataclasses
from typing import Any

from ruleops.esql import ast
from ruleops.esql.dissect import DissectError, compile_dissect
from ruleops.esql.grok import GrokError, compile_grok
from ruleops.esql.values import COMPARISONS
from ruleops.kql.errors import KqlSyntaxError
from ruleops.kql.parser import parse_kql
from ruleops.query import ast as q


class _Unlowerable(Exception):
    pass


def lowered_conditions(query: ast.Query, *, hints: bool = False) -> list[q.Expr]:
    """[the AND of the lowerable WHERE conditions], or [] when there is none. With `hints`,
    also what the conditions after STATS ask of at least one event (`SUM(CASE(c, 1, 0))
    >= 1`, `COUNT(*) WHERE c >= 1` and `MAX(x) == v` need an event with c, or x == v):
    for drafting a matching event, not for judging one."""
    computed: set[str] = set()
    defined: dict[str, ast.Expr] = {}  # EVAL columns that stand for a source field
    parts: list[q.Expr] = []
    for index, command in enumerate(query.commands[1:], start=1):
        if isinstance(command, ast.Stats | ast.InlineStats):
            if hints and isinstance(command, ast.Stats):
                parts.extend(_aggregate_hints(query.commands[index:], defined, computed))
            break
        if isinstance(command, ast.Where):
            for conjunct in _conjuncts(command.condition):
                conjunct = _inline(conjunct, defined)
                if any(c.name in computed for c in ast.columns(conjunct)):
                    continue
                try:
                    parts.append(lower(conjunct))
                except _Unlowerable:
                    continue
        elif isinstance(command, ast.Eval):
            for assignment in command.fields:
                value = _inline(assignment.value, defined)
                if _definable(value) and not any(c.name in computed for c in ast.columns(value)):
                    defined[assignment.name] = value
                    computed.discard(assignment.name)
                else:
                    defined.pop(assignment.name, None)
                    computed.add(assignment.name)
        elif isinstance(command, ast.Rename):
            computed.update(item.new.name for item in command.items)
        elif isinstance(command, ast.Grok | ast.Dissect):
            computed.update(extracted_columns(command))
        elif isinstance(command, ast.MvExpand):
            continue
    if not parts:
        return []
    if len(parts) == 1:
        return parts[0:1]
    # From the first condition to the last: a finding on the whole lands on the first WHERE.
    first, last = getattr(parts[0], "span", q.NO_SPAN), getattr(parts[-1], "span", q.NO_SPAN)
    span = q.Span(first.start, last.end) if q.NO_SPAN not in (first, last) else _span(query)
    return [q.And(tuple(parts), span)]


def _definable(value: ast.Expr) -> bool:
    """An EVAL value that conditions on its column can be read through: a field (seen
    through case folding and the like), a condition, or a CASE choosing among literals."""
    if _wraps_one_field(value):
        return True
    if isinstance(value, ast.Call) and value.name.lower() == "case":
        return all(isinstance(v, ast.Literal) for v in _case_values(value))
    try:
        lower(value)
    except _Unlowerable:
        return False
    return True


def _case_values(case: ast.Call) -> list[ast.Expr]:
    args = case.args
    values = [args[i] for i in range(1, len(args), 2)]
    if len(args) % 2 == 1:
        values.append(args[-1])
    return values


def _aggregate_hints(
    commands: tuple[ast.Command, ...], defined: dict[str, ast.Expr], computed: set[str]
) -> list[q.Expr]:
    stats = commands[0]
    assert isinstance(stats, ast.Stats)
    per_event: dict[str, ast.Expr] = {}
    for aggregation in stats.aggregates:
        value = aggregation.value
        if not isinstance(value, ast.Call):
            continue
        name = value.name.lower()
        argument = _inline(value.args[0], defined) if value.args else None
        where = _inline(aggregation.where, defined) if aggregation.where is not None else None
        if name == "count" and (argument is None or isinstance(argument, ast.Star)):
            if where is not None:
                per_event[aggregation.name] = where
        elif name == "count" and argument is not None:
            hint: ast.Expr = ast.IsNull(argument, True, value.span)
            per_event[aggregation.name] = ast.And((where, hint)) if where is not None else hint
        elif name in ("sum", "max") and argument is not None:
            per_event[aggregation.name] = argument
    hints: list[q.Expr] = []
    for command in commands[1:]:
        if not isinstance(command, ast.Where):
            break
        for conjunct in _conjuncts(command.condition):
            per_row = _hint(conjunct, per_event)
            if per_row is None or any(c.name in computed for c in ast.columns(per_row)):
                continue
            try:
                hints.append(lower(per_row))
            except _Unlowerable:
                continue
    return hints


def _hint(conjunct: ast.Expr, per_event: dict[str, ast.Expr]) -> ast.Expr | None:
    """What one event must satisfy for an aggregate condition to hold (module doc)."""
    if not isinstance(conjunct, ast.Compare) or not isinstance(conjunct.left, ast.Column):
        return None
    source = per_event.get(conjunct.left.name)
    right = conjunct.right
    if source is None or not isinstance(right, ast.Literal):
        return None
    if isinstance(source, ast.Column):
        if conjunct.op in ("==", ">=", ">"):
            return ast.Compare(conjunct.op, source, right, conjunct.span)
        return None
    if isinstance(source, ast.Call) and source.name.lower() == "case":
        if conjunct.op in ("==", ">=", ">") and isinstance(right.value, int | float):
            return ast.Compare(conjunct.op, source, right, conjunct.span)
        return None
    if conjunct.op in (">=", ">", "==") and isinstance(right.value, int) and right.value >= 1:
        return source  # COUNT(*) WHERE c, COUNT(f): the event's own condition
    return None


def _span(query: ast.Query) -> q.Span:
    return q.Span(query.span.start, query.span.end)


def extracted_columns(command: Any) -> set[str]:
    """The columns a GROK or DISSECT command makes."""
    names: set[str] = set()
    if isinstance(command, ast.Grok):
        for pattern in command.patterns:
            with contextlib.suppress(GrokError):
                names.update(c.name for c in compile_grok(str(pattern.value)).columns)
    else:
        with contextlib.suppress(DissectError):
            names.update(compile_dissect(str(command.pattern.value)).columns)
    return names


_WRAPPERS = frozenset(
    {"to_lower", "to_upper", "url_decode", "trim", "to_string", "to_ip", "to_version"}
)


def _wraps_one_field(node: ast.Expr) -> bool:
    """A source field, or one seen through case folding, URL decoding or trimming."""
    return isinstance(_unwrap(node)[0], ast.Column)


def _inline(node: Any, defined: dict[str, ast.Expr]) -> Any:
    """`node` with the EVAL columns that stand for a field replaced by their definition."""

    if not defined:
        return node
    if isinstance(node, ast.Column):
        return defined.get(node.name, node)
    changes = {}
    for name in getattr(node, "__dataclass_fields__", {}):
        value = getattr(node, name)
        if isinstance(value, tuple):
            new = tuple(_inline(v, defined) if _is_expr(v) else v for v in value)
            if new != value:
                changes[name] = new
        elif _is_expr(value):
            new_value = _inline(value, defined)
            if new_value is not value:
                changes[name] = new_value
    return dataclasses.replace(node, **changes) if changes else node


def _is_expr(value: Any) -> bool:
    return hasattr(value, "__dataclass_fields__") and not isinstance(value, ast.Span | ast.MapExpr)


def _unwrap(node: ast.Expr) -> tuple[ast.Expr, bool]:
    """(the field under case folding / URL decoding / trimming, whether case was folded)."""
    folded = False
    while isinstance(node, ast.Call) and node.name.lower() in _WRAPPERS and len(node.args) == 1:
        folded = folded or node.name.lower() in ("to_lower", "to_upper")
        node = node.args[0]
    return node, folded


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


def lower(node: ast.Expr) -> q.Expr:
    """One ES|QL condition in the shared form; _Unlowerable when it cannot be.

    An AND or OR keeps the operands that lower (a draft asks less, or offers fewer ways,
    than the query: the runner confirms every drafted case). A negation requires the fields
    it reads: in ES|QL `NOT (a == x)` is null, not true, when `a` is missing."""
    match node:
        case ast.And(operands=operands) | ast.Or(operands=operands):
            lowered: list[q.Expr] = []
            for operand in operands:
                with contextlib.suppress(_Unlowerable):
                    lowered.append(lower(operand))
            if not lowered:
                raise _Unlowerable
            if len(lowered) == 1:
                return lowered[0]
            logic = q.And if isinstance(node, ast.And) else q.Or
            return logic(tuple(lowered), _sp(node))
        case ast.Not(operand=operand):
            return _present(q.Not(lower(operand), _sp(node)), operand)
        case ast.Compare(op="!=", left=ast.Column() as left, right=right) if isinstance(
            right, ast.Literal
        ):
            return _present(q.Compare("!=", _field(left), _literal(right), _sp(node)), node)
        case ast.In(negated=True) | ast.Like(negated=True):
            positive = dataclasses.replace(node, negated=False)
            return _present(q.Not(lower(positive), _sp(node)), node)
        case ast.Compare(op=op, left=ast.Call(name=name) as case, right=right) if (
            name.lower() == "case" and isinstance(right, ast.Literal)
        ):
            return _case_compare(op, case, right, node)
        case ast.IsNull(value=ast.Call(name=name) as case, negated=negated) if (
            name.lower() == "case"
        ):
            return _case_compare("!=" if negated else "==", case, ast.Literal(None, "null"), node)
        case ast.Column():
            return q.Compare("==", _field(node), q.Literal(True), _sp(node))
        case ast.Literal(value=bool(value)):
            return q.Literal(value, _sp(node))
        case ast.Compare(op=op, left=left, right=right) if op != "=~":
            compared = _folded_compare(op, left, right, node)
            if compared is not None:
                return compared
            if isinstance(left, ast.Column):
                return q.Compare(op, _field(left), _literal(right), _sp(node))
            if isinstance(right, ast.Column):
                flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
                return q.Compare(flipped, _field(right), _literal(left), _sp(node))  # type: ignore[arg-type]
            raise _Unlowerable
        case ast.Compare(op="=~", left=left, right=right):
            return q.Match(_field(left), (str(_literal(right).value),), "term", True, _sp(node))
        case ast.In(value=value, options=options, negated=negated):
            column, case_folded = _unwrap(value)
            options_ = tuple(_literal(o) for o in options)
            in_set = q.InSet(_field(column), options_, case_folded, _sp(node))
            return q.Not(in_set, _sp(node)) if negated else in_set
        case ast.IsNull(value=value, negated=negated):
            exists = q.Exists(_field(value), _sp(node))
            return exists if negated else q.Not(exists, _sp(node))
        case ast.Like(value=value, patterns=patterns, regex=regex, negated=negated):
            texts = tuple(str(p.value) for p in patterns if isinstance(p, ast.Literal))
            if len(texts) != len(patterns):
                raise _Unlowerable
            column, case_folded = _unwrap(value)
            kind: q.MatchKind = "regex" if regex else "wildcard"
            like = q.Match(_field(column), texts, kind, case_folded, _sp(node))
            return q.Not(like, _sp(node)) if negated else like
        case ast.Match(column=column, query=query):
            text = _literal(query).value
            return q.Match(_field(column), (str(text),), "term", False, _sp(node))
        case ast.Call(name=name, args=args):
            return _call(name.lower(), args, node)
    raise _Unlowerable


def _present(condition: q.Expr, source: ast.Expr) -> q.Expr:
    """`condition` with every field `source` reads required to exist."""
    names = dict.fromkeys(c.name for c in ast.columns(source))
    exists = tuple(q.Exists(q.Field(tuple(n.split("."))), _sp(source)) for n in names)
    return q.And((*exists, condition), _sp(source)) if exists else condition


def _case_compare(op: str, case: ast.Call, literal: ast.Literal, node: Any) -> q.Expr:
    """`CASE(c1, v1, c2, v2, e) op k` with literal values: the branches whose value makes
    the comparison true (`c1 or (not c1 and c2)`…); `== null` reads as IS NULL."""
    args = case.args
    pairs = [(args[i], args[i + 1]) for i in range(0, len(args) - 1, 2)]
    otherwise = args[-1] if len(args) % 2 == 1 else ast.Literal(None, "null")
    test = COMPARISONS.get(op)
    if test is None:
        raise _Unlowerable

    def holds(value: ast.Expr) -> bool:
        if not isinstance(value, ast.Literal) or isinstance(value.value, tuple):
            raise _Unlowerable
        if literal.value is None:
            return (value.value is None) == (op == "==")
        if value.value is None:
            return False
        try:
            return bool(test(value.value, literal.value))
        except TypeError:
            raise _Unlowerable from None

    branches: list[q.Expr] = []
    earlier: list[q.Expr] = []
    for condition, value in pairs:
        lowered = lower(condition)
        if holds(value):
            branches.append(q.And((*earlier, lowered), _sp(node)) if earlier else lowered)
        earlier.append(q.Not(lowered, _sp(node)))
    if holds(otherwise):
        branches.append(q.And(tuple(earlier), _sp(node)) if earlier else q.Literal(True))
    if not branches:
        return q.Literal(False, _sp(node))
    return branches[0] if len(branches) == 1 else q.Or(tuple(branches), _sp(node))


def _folded_compare(op: str, left: ast.Expr, right: ast.Expr, node: Any) -> q.Expr | None:
    """`TO_LOWER(f) == "x"`: f compared case-insensitively (the literal already folded)."""
    if op not in ("==", "!=") or not isinstance(left, ast.Call):
        return None
    inner, folded = _unwrap(left)
    if inner is left:
        return None
    literal = _literal(right)
    if not isinstance(literal.value, str):
        raise _Unlowerable
    match = q.Match(_field(inner), (literal.value,), "term", folded, _sp(node))
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
    if name == "match" and len(args) >= 2:
        text = _literal(args[1]).value
        return q.Match(_field(args[0]), (str(text),), "term", False, _sp(node))
    if name == "mv_contains" and len(args) == 2:
        return q.InSet(_field(args[0]), (_literal(args[1]),), False, _sp(node))
    raise _Unlowerable
