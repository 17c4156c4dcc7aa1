"""Why an event does or does not satisfy a condition, in terms of the query.

`explain(expr, event)` evaluates every node of the condition with the evaluator's own
semantics and returns a tree: each node says whether it held, and the leaves say which field
was read, which value was seen and what the condition expected, e.g.

    no match  process.executable : "?:\\Program Files\\*.exe"
              process.executable was "C:\\Programs\\x.exe"; expected a value matching
              "?:\\Program Files\\*.exe" (wildcard, case-insensitive)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruleops import es_types
from ruleops.query import field_semantics
from ruleops.query.ast import (
    And,
    Arithmetic,
    Call,
    Compare,
    Exists,
    Expr,
    Field,
    InSet,
    Literal,
    Match,
    Negate,
    Not,
    Or,
    fields,
)
from ruleops.query.evaluate import FieldTypes, IsNull, compile_node, script_value
from ruleops.query.values import flat_values, make_getter

_CALL_NAMES = {
    "startswith": "startsWith",
    "endswith": "endsWith",
    "stringcontains": "stringContains",
    "indexof": "indexOf",
    "cidrmatch": "cidrMatch",
}


@dataclass(frozen=True)
class Explanation:
    condition: str  # the node, written as in the query
    matched: bool
    detail: str = ""  # what was seen and what was expected (leaves, and `not` over scripts)
    children: tuple[Explanation, ...] = ()
    field: str | None = None
    seen: Any = None
    kind: str = "leaf"  # "leaf", "and", "or", "not"

    def text(self, indent: int = 0) -> str:
        mark = "match   " if self.matched else "no match"
        pad = "  " * indent
        lines = [f"{pad}{mark}  {self.condition}"]
        if self.detail:
            lines.append(f"{pad}          {self.detail}")
        lines.extend(child.text(indent + 1) for child in self.children)
        return "\n".join(lines)

    def reasons(self) -> list[Explanation]:
        """The conditions that decided the outcome: for a non-match, the failing conditions
        (every failing operand of an `and`, every operand of an `or`); for a match, the
        branches that let the event through. A `not` is its own reason."""
        if self.kind in ("leaf", "not"):
            return [self]
        if self.kind == "and":
            if not self.matched and all(c.matched for c in self.children):
                return [self]  # a nested query: each condition holds, on different objects
            chosen = [c for c in self.children if not c.matched] or list(self.children)
        else:
            chosen = [c for c in self.children if c.matched] or list(self.children)
        return [reason for child in chosen for reason in child.reasons()]

    def failing_leaves(self) -> list[Explanation]:
        """The conditions that rejected the event ([] when it matched)."""
        return [] if self.matched else self.reasons()

    def summary(self) -> str:
        """One line: which conditions rejected the event, or which let it through."""
        verb = "let the event through" if self.matched else "rejected the event"
        parts = [
            f"`{r.condition}`" + (f" ({r.detail})" if r.detail else "") for r in self.reasons()
        ]
        return f"{'; '.join(parts)} {verb}"


def explain(
    expr: Expr,
    event: Mapping[str, Any],
    *,
    dialect: str = "eql",
    field_types: FieldTypes | None = None,
) -> Explanation:
    return _Explainer(event, dialect, field_types).node(expr)


class _Explainer:
    def __init__(
        self, event: Mapping[str, Any], dialect: str, field_types: FieldTypes | None
    ) -> None:
        self.event = event
        self.dialect = dialect
        self.field_types = field_types

    def node(self, node: Expr) -> Explanation:
        compiled = compile_node(node, dialect=self.dialect, field_types=self.field_types)
        matched = compiled.test(self.event)
        text = render(node)
        if isinstance(node, And | Or):
            children = tuple(self.node(o) for o in node.operands)
            kind = "and" if isinstance(node, And) else "or"
            detail = ""
            if isinstance(node, And) and node.nested and not matched:
                detail = (
                    f"a nested query: one object of {'.'.join(node.nested)} must meet every "
                    "condition at once"
                )
            return Explanation(text, matched, detail, children, kind=kind)
        if isinstance(node, Not):
            inner = self.node(node.operand)
            detail = ""
            if compiled.script:
                value = script_value(node.operand, self.event, field_types=self.field_types)
                if value is None and matched:
                    detail = (
                        f"{render(node.operand)} is null, which counts as false, so `not` "
                        "matches (Elasticsearch negates the whole script query)"
                    )
            elif (
                matched
                and not inner.matched
                and (absent := _missing_fields(node.operand, self.event))
            ):
                verb = "is" if len(absent) == 1 else "are"
                detail = (
                    f"{', '.join(absent)} {verb} missing; `not` over a field condition matches "
                    "events without the field (Elasticsearch runs it as a must_not query)"
                )
            return Explanation(text, matched, detail, (inner,), kind="not")
        return self.leaf(node, matched, text)

    def leaf(self, node: Expr, matched: bool, text: str) -> Explanation:
        subject = _subject(node)
        if isinstance(subject, Field):
            types = self.field_types or {}
            # a multi-field (`user.name.text`) is read from its parent's value
            parent = es_types.multi_field_parent(types, subject.name)
            seen = make_getter(tuple(parent.split(".")) if parent else subject.path)(self.event)
            seen_text = (
                f"{subject.name} is missing"
                if seen is None or seen == []
                else f"{subject.name} was {_show(seen)}"
            )
            kind = types.get(subject.name)
            typed = _typed_expectation(node, kind) if self.dialect == "kql" else None
            expected = typed or _expectation(node)
            detail = f"{seen_text}; expected {expected}" if expected else seen_text
            if self.dialect == "kql" and kind in es_types.TEXT and seen not in (None, []):
                words = [w for value in flat_values(seen) for w in es_types.analyze(str(value))]
                detail += (
                    f"; {subject.name} is a {kind} field, so Elasticsearch matches its words "
                    f"({', '.join(words[:12])}{', …' if len(words) > 12 else ''}), and a "
                    "wildcard one word at a time"
                )
            return Explanation(text, matched, detail, field=subject.name, seen=seen)
        if isinstance(node, Literal):
            return Explanation(text, matched)
        # a script: show the value it computed and the fields it read
        value = script_value(
            subject if subject is not None else node, self.event, field_types=self.field_types
        )
        read = []
        for f in dict.fromkeys(fields(node)):
            raw = make_getter(f.path)(self.event)
            read.append(f"{f.name} is missing" if raw is None else f"{f.name} was {_show(raw)}")
        shown = render(subject) if subject is not None else text
        detail = f"{shown} was {_show(value)}"
        if value is None:
            detail += " (null: the condition cannot hold)"
        if read:
            detail += "; " + ", ".join(read)
        expected = _expectation(node)
        if expected and subject is not None:
            detail += f"; expected {expected}"
        return Explanation(text, matched, detail, seen=value)


def _subject(node: Expr) -> Expr | None:
    """The value a leaf condition tests (a field, or an expression computed by a script)."""
    match node:
        case Compare(left=left, right=right):
            if isinstance(left, Literal) and not isinstance(right, Literal):
                return right
            return left
        case Match(value=value) | InSet(value=value) | IsNull(value=value):
            return value
        case Exists(field=field):
            return field
        case Call(args=args) if args and isinstance(args[0], Field):
            return args[0]
        case Field():
            return node
    return None


def _missing_fields(node: Expr, event: Mapping[str, Any]) -> list[str]:
    return [f.name for f in dict.fromkeys(fields(node)) if make_getter(f.path)(event) in (None, [])]


def _typed_expectation(node: Expr, es_type: str | None) -> str | None:
    """A KQL leaf's expectation as the field's type makes it (`field_semantics`), or None
    where the plain wording holds."""
    match node:
        case Match(patterns=patterns, kind=kind):
            said = [field_semantics.match_expectation(es_type, kind, p) for p in patterns]
            if all(said):
                return " or ".join(dict.fromkeys(s for s in said if s))
        case Compare(op=op, left=Field(), right=Literal(value=value)) if op in _RANGE_WORDS:
            return field_semantics.range_expectation(es_type, op, value)
    return None


_RANGE_WORDS = frozenset({"<", "<=", ">", ">="})


def _expectation(node: Expr) -> str:
    match node:
        case Compare(op=op, left=left, right=right):
            literal = right if isinstance(right, Literal) else left
            words = {
                "==": "a value equal to",
                "!=": "no value equal to",
                "<": "a value below",
                "<=": "a value at most",
                ">": "a value above",
                ">=": "a value at least",
            }
            suffix = (
                " (case-sensitive)"
                if isinstance(literal, Literal) and isinstance(literal.value, str)
                else ""
            )
            return f"{words[op]} {render(literal)}{suffix}"
        case Match(patterns=patterns, kind=kind, case_insensitive=ci):
            listed = " or ".join(_quote(p) for p in patterns)
            sensitivity = "case-insensitive" if ci else "case-sensitive"
            return f"a value matching {listed} ({kind}, {sensitivity})"
        case InSet(options=options, case_insensitive=ci):
            sensitivity = "case-insensitive" if ci else "case-sensitive"
            return f"a value among {', '.join(render(o) for o in options)} ({sensitivity})"
        case Exists():
            return "a value"
        case Call(name=name, args=args, case_insensitive=ci):
            shown = ", ".join(render(a) for a in args[1:])
            return f"{_CALL_NAMES.get(name, name)}{'~' if ci else ''}(…, {shown}) to be true"
    return ""


def _show(value: Any) -> str:
    if isinstance(value, str):
        return _quote(value)
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- rendering a condition back to EQL text -------------------------------------------------

_PRECEDENCE = {Or: 1, And: 2, Not: 3}


def render(node: Expr | IsNull) -> str:
    match node:
        case Field(optional=optional):
            name = ".".join(
                p if p.replace("_", "a").replace("@", "a").isalnum() else f"`{p}`"
                for p in node.path
            )
            return f"?{name}" if optional else name
        case Literal(value=value):
            if value is None:
                return "null"
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, str):
                return _quote(value)
            return str(value)
        case Compare(op=op, left=left, right=right):
            return f"{_operand(left)} {op} {_operand(right)}"
        case IsNull(value=value):
            return f"{_operand(value)} == null"
        case Match(value=value, patterns=patterns, kind=kind, case_insensitive=ci):
            if kind == "wildcard":
                operator = ":" if ci else "like"
            elif kind == "regex":
                operator = "regex~" if ci else "regex"
            else:
                operator = ":"
            shown = (
                _quote(patterns[0])
                if len(patterns) == 1
                else ("(" + ", ".join(_quote(p) for p in patterns) + ")")
            )
            return f"{_operand(value)} {operator} {shown}"
        case InSet(value=value, options=options, case_insensitive=ci):
            return (
                f"{_operand(value)} in{'~' if ci else ''} ({', '.join(render(o) for o in options)})"
            )
        case Exists(field=field):
            return f"{render(field)}:*"
        case Not(operand=InSet() as inner):
            text = render(inner)
            return text.replace(" in", " not in", 1)
        case Not(operand=operand):
            return f"not {_wrap(operand, Not)}"
        case And(operands=operands, nested=nested) if nested:
            joined = " and ".join(_wrap(o, And) for o in operands)
            return f"{'.'.join(nested)}:{{ {joined} }}"
        case And(operands=operands):
            return " and ".join(_wrap(o, And) for o in operands)
        case Or(operands=operands):
            return " or ".join(_wrap(o, Or) for o in operands)
        case Call(name=name, args=args, case_insensitive=ci):
            shown = _CALL_NAMES.get(name, name)
            return f"{shown}{'~' if ci else ''}({', '.join(render(a) for a in args)})"
        case Arithmetic(op=op, left=left, right=right):
            return f"{_operand(left)} {op} {_operand(right)}"
        case Negate(operand=operand):
            return f"-{_operand(operand)}"
    return repr(node)


def _operand(node: Expr) -> str:
    text = render(node)
    if isinstance(node, And | Or | Not | Compare | Match | InSet | Arithmetic):
        return f"({text})"
    return text


def _wrap(node: Expr, parent: type) -> str:
    text = render(node)
    if isinstance(node, And | Or) and _PRECEDENCE[type(node)] < _PRECEDENCE[parent]:
        return f"({text})"
    return text
