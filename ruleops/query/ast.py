"""The shared condition form: what a single-event condition means, whatever its language.

EQL and KQL are both parsed into these nodes. The evaluator, the explainer, the field and
type checker, the coverage tracker and the event generator are written once, on this form.
EQL's sequences and samples (`ruleops.eql.ast`) group these conditions over time.

Every node carries a `Span`: character offsets into the query text, which the front ends
map to the rule file's own lines and columns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from ruleops.query.quick_init import quick_init

Scalar = str | int | float | bool | None


@quick_init  # built for every node of every query: half the cost of the generated __init__
@dataclass(frozen=True)
class Span:
    start: int  # offset of the first character in the query text
    end: int  # offset just past the last character


NO_SPAN = Span(0, 0)


@dataclass(frozen=True)
class Field:
    """A field reference. `path` is the dotted name split once: ("process", "name")."""

    path: tuple[str, ...]
    span: Span = NO_SPAN
    optional: bool = False  # EQL `?field`: an unknown field is null rather than an error
    # KQL: a quoted or escaped name (`"a*b"`, `a\*b`) whose `*` is a character of the name,
    # not a wildcard over field names
    verbatim: bool = False

    @property
    def name(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Literal:
    value: Scalar
    span: Span = NO_SPAN


CompareOp = TypingLiteral["==", "!=", "<", "<=", ">", ">="]
ArithmeticOp = TypingLiteral["+", "-", "*", "/", "%"]


@dataclass(frozen=True)
class Compare:
    """`==`, `!=`, `<`, `<=`, `>`, `>=`: case-sensitive, no wildcards."""

    op: CompareOp
    left: Expr
    right: Expr
    span: Span = NO_SPAN


MatchKind = TypingLiteral["wildcard", "regex", "term", "phrase"]


@dataclass(frozen=True)
class Match:
    """A value matched against any of several patterns.

    EQL `:` is wildcard + case_insensitive, `like` wildcard, `like~` wildcard +
    case_insensitive, `regex`/`regex~` regex. KQL `field:value` is wildcard on keyword
    fields (case-sensitive) and "phrase" for quoted values; `term` is an exact comparison
    with no wildcard meaning (KQL quoted values, `in` lists lowered by KQL).
    """

    value: Expr
    patterns: tuple[str, ...]
    kind: MatchKind = "wildcard"
    case_insensitive: bool = False
    span: Span = NO_SPAN
    # Where each pattern is written (EQL), to point at a problem inside one; no part of what
    # the match means, so equality ignores it.
    pattern_spans: tuple[Span, ...] = dataclasses.field(default=(), compare=False)


@dataclass(frozen=True)
class InSet:
    """EQL `in` / `in~`: equality with any listed value; no wildcards."""

    value: Expr
    options: tuple[Expr, ...]
    case_insensitive: bool = False
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Exists:
    """KQL `field:*`: the field has a value."""

    field: Field
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Not:
    operand: Expr
    span: Span = NO_SPAN


@dataclass(frozen=True)
class And:
    """`and`. With `nested` (KQL `f:{ … }`, an Elasticsearch nested query on the array of
    objects `f`), one object at that path must satisfy every operand at once; the operands'
    fields are written in full (`f.a`), so a consumer that ignores `nested` reads the
    conditions as a plain `and` over the event."""

    operands: tuple[Expr, ...]
    span: Span = NO_SPAN
    nested: tuple[str, ...] = ()


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Call:
    """A function call. `name` is the canonical lower-case name without `~`."""

    name: str
    args: tuple[Expr, ...]
    case_insensitive: bool = False  # the `~` form
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Arithmetic:
    op: ArithmeticOp
    left: Expr
    right: Expr
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Negate:
    operand: Expr
    span: Span = NO_SPAN


Expr = (
    Field | Literal | Compare | Match | InSet | Exists | Not | And | Or | Call | Arithmetic | Negate
)


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `node`, for generic walks."""
    match node:
        case Compare(left=left, right=right) | Arithmetic(left=left, right=right):
            return (left, right)
        case Match(value=value):
            return (value,)
        case InSet(value=value, options=options):
            return (value, *options)
        case Exists(field=field):
            return (field,)
        case Not(operand=operand) | Negate(operand=operand):
            return (operand,)
        case And(operands=operands) | Or(operands=operands):
            return operands
        case Call(args=args):
            return args
        case _:
            return ()


def conjuncts(expr: Expr) -> list[Expr]:
    """The operands of the top-level `and`, nested `and`s flattened: what every match of
    `expr` must satisfy."""
    if isinstance(expr, And):
        return [part for operand in expr.operands for part in conjuncts(operand)]
    return [expr]


def rebuild(node: Expr, visit: Callable[[Expr], Expr]) -> Expr:
    """`node` with `visit` applied to each of its direct sub-expressions (a copy only when
    there are some), for rewrites that change a few kinds of node and keep the rest."""
    changes: dict[str, object] = {}
    for attribute in ("left", "right", "operand", "value", "field"):
        child = getattr(node, attribute, None)
        if isinstance(child, Expr):
            changes[attribute] = visit(child)
    for attribute in ("operands", "options", "args"):
        items = getattr(node, attribute, None)
        if isinstance(items, tuple):
            changes[attribute] = tuple(visit(item) for item in items)
    return dataclasses.replace(node, **changes) if changes else node  # type: ignore[arg-type]


def walk(node: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def fields(node: Expr) -> list[Field]:
    return [n for n in walk(node) if isinstance(n, Field)]
