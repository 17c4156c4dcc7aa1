"""The ES|QL syntax tree: a `Query` is a tuple of commands, each command holds expressions.

Built by `ruleops.esql.parser` from Elasticsearch's grammar (`EsqlBaseParser.g4`,
`parser/Expression.g4`, `parser/Join.g4` in x-pack/plugin/esql/src/main/antlr). Every node is
a frozen dataclass with a `Span`: character offsets into the query text (the same `Span` as
`ruleops.query.ast`, so `ruleops.query.locate` maps it to the rule file's line and column).
The tree keeps what the query says, not what it means: types of columns, functions and
aliases (`TO_INT` → `TO_INTEGER`) are resolved later (`ruleops.esql.schema`,
`ruleops.esql.functions`).

Expressions (node: ES|QL it stands for; notes)

- `Literal(value, type)`: `null`, `1`, `1.5`, `"a"`, `true`, `[1, 2]`. `type` is the ES|QL
  type (null, integer, long, unsigned_long, double, keyword, boolean); a list literal holds
  a tuple.
- `TimeSpan(amount, unit)`: `1 hour`, `7days`. `unit` canonical (`hour`, `day`…); `type` is
  time_duration or date_period.
- `Param(name)`: `?`, `?name`, `?1`, `??name`. `name` is None for a bare `?`; `double` for
  `??` (it stands for a field name).
- `Column(name)`: `host.name`, `` `a b`.c ``, `@timestamp`; the dotted name, backquotes
  removed.
- `Star()`: the `*` of `COUNT(*)`, only ever a call's sole argument.
- `Call(name, args, options)`: `to_lower(x)`, `match(f, "q", {"fuzziness": 1})`; `name`
  lower-case as written, `options` the trailing `{…}` map. `first(x BY t)` is
  `first(x, t)`.
- `MapExpr(entries)`: `{"a": 1, "b": "x"}`, entries `(key, Literal | MapExpr)` in order.
- `Arithmetic(op, left, right)`: `+ - * / %`. `Negate(operand)`: `-x` (unary `+` is
  dropped; `-1` is the literal -1).
- `Compare(op, left, right)`: `== != < <= > >= =~` (`=~` is case-insensitive equality).
- `And(operands)`, `Or(operands)`: flattened, `a and b and c` is one `And` of three.
  `Not(operand)`: `not x`.
- `In(value, options, negated)`: `x [not] in (a, b)`.
- `IsNull(value, negated)`: `x is [not] null`.
- `Like(value, patterns, regex, negated)`: `x [not] like "a*"`, `x rlike ("a.*", "b")`;
  `patterns` are keyword `Literal`s, each with its span (newer versions also take one
  constant expression: `like concat("a", "*")`).
- `Match(column, query, cast)`: `field : "text"`, `field::keyword : "x"`.
- `Cast(value, type)`: `x::ip`; `type` lower-case as written (aliases such as `int`).

Commands: `From` (also `TS`), `Row`, `Show`, `Where`, `Eval`, `Stats`, `InlineStats`, `Keep`,
`Drop`, `Rename`, `Sort`, `Limit`, `Dissect`, `Grok`, `MvExpand`, `Enrich`, `LookupJoin`,
`ChangePoint`, `Completion`, `Sample`, `Fork`, `Rerank`, `Fuse`, `UriParts`, `MetricsInfo`.
Each has `keyword` (the command's name as ES|QL writes it, upper case). Names assigned by
commands are `Assignment`s: `name` is the column produced, which for an unnamed expression
(`EVAL x + 1`, `STATS count(*)`) is the expression's source text, as Elasticsearch names it.
Column patterns of KEEP, DROP and ENRICH are `NamePattern`s.

Changes to this module are additive (new nodes, new fields with defaults): the evaluator
(`ruleops.esql.evaluate`) is written on it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from ruleops.query.ast import NO_SPAN, Span
from ruleops.query.quick_init import quick_init

__all__ = ["NO_SPAN", "Span"]

Scalar = str | int | float | bool | None

# ---------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Literal:
    """A constant. `value` is a tuple for a list literal `[1, 2, 3]` (`type` is then the
    type of its elements)."""

    value: Scalar | tuple[Scalar, ...]
    type: str
    span: Span = NO_SPAN


# Canonical temporal unit → ES|QL type of the literal (docs: esql-time-spans.md).
TIME_UNITS: dict[str, str] = {
    "year": "date_period",
    "quarter": "date_period",
    "month": "date_period",
    "week": "date_period",
    "day": "date_period",
    "hour": "time_duration",
    "minute": "time_duration",
    "second": "time_duration",
    "millisecond": "time_duration",
}


@dataclass(frozen=True)
class TimeSpan:
    """`1 hour`, `7 days`: an integer and a temporal unit (`unit` canonical, singular)."""

    amount: int
    unit: str
    span: Span = NO_SPAN

    @property
    def type(self) -> str:
        return TIME_UNITS[self.unit]


@dataclass(frozen=True)
class Param:
    """A query parameter: `?` (name None), `?name`, `?1` (name "1"); `??name` names a field."""

    name: str | None
    span: Span = NO_SPAN
    double: bool = False


@dataclass(frozen=True)
class Column:
    """A column (a field of the source, or one the query made): `host.name`."""

    name: str
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Star:
    """The `*` of `COUNT(*)`."""

    span: Span = NO_SPAN


@dataclass(frozen=True)
class MapExpr:
    """`{"key": value, …}`: named options of a function or a command."""

    entries: tuple[tuple[str, Literal | MapExpr], ...]
    span: Span = NO_SPAN

    def get(self, key: str) -> Literal | MapExpr | None:
        for name, value in self.entries:
            if name == key:
                return value
        return None


@dataclass(frozen=True)
class Call:
    """A function call; `name` is lower-case as written (aliases not resolved)."""

    name: str
    args: tuple[Expr, ...]
    span: Span = NO_SPAN
    options: MapExpr | None = None


@dataclass(frozen=True)
class Arithmetic:
    op: TypingLiteral["+", "-", "*", "/", "%"]
    left: Expr
    right: Expr
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Negate:
    operand: Expr
    span: Span = NO_SPAN


CompareOp = TypingLiteral["==", "!=", "<", "<=", ">", ">=", "=~"]


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span = NO_SPAN


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Not:
    operand: Expr
    span: Span = NO_SPAN


@dataclass(frozen=True)
class In:
    value: Expr
    options: tuple[Expr, ...]
    negated: bool = False
    span: Span = NO_SPAN


@dataclass(frozen=True)
class IsNull:
    value: Expr
    negated: bool = False
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Like:
    """LIKE (`regex` False: `*` and `?` wildcards, `\\` escapes) or RLIKE (Lucene regular
    expressions), with one pattern or a list."""

    value: Expr
    patterns: tuple[Literal, ...]
    regex: bool = False
    negated: bool = False
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Match:
    """`column : query` (full-text match), optionally `column::type : query`."""

    column: Column
    query: Expr
    cast: str | None = None
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Cast:
    """`value::type`; `type` lower-case as written (`int`, `string`, `datetime` are
    aliases, resolved by `ruleops.esql.types`)."""

    value: Expr
    type: str
    span: Span = NO_SPAN


Expr = (
    Literal
    | TimeSpan
    | Param
    | Column
    | Star
    | MapExpr
    | Call
    | Arithmetic
    | Negate
    | Compare
    | And
    | Or
    | Not
    | In
    | IsNull
    | Like
    | Match
    | Cast
)


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `node`, for generic walks (map options included)."""
    match node:
        case Arithmetic(left=left, right=right) | Compare(left=left, right=right):
            return (left, right)
        case Negate(operand=operand) | Not(operand=operand):
            return (operand,)
        case And(operands=operands) | Or(operands=operands):
            return operands
        case Call(args=args, options=options):
            return (*args, options) if options is not None else args
        case In(value=value, options=options):
            return (value, *options)
        case IsNull(value=value) | Cast(value=value):
            return (value,)
        case Like(value=value, patterns=patterns):
            return (value, *patterns)
        case Match(column=column, query=query):
            return (column, query)
        case MapExpr(entries=entries):
            return tuple(value for _, value in entries)
        case _:
            return ()


def walk(node: Expr):
    """Every node of an expression, parents before children."""
    stack: list[Expr] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def columns(node: Expr) -> list[Column]:
    """The columns an expression reads, in order."""
    found: list[Column] = []
    for item in walk(node):
        if isinstance(item, Column):
            found.append(item)
    return found


# ---------------------------------------------------------------------------- parts of commands


@dataclass(frozen=True)
class Assignment:
    """`name = value` in ROW, EVAL, STATS … BY; for an unnamed expression `name` is its
    source text (`target` is then None)."""

    name: str
    value: Expr
    span: Span = NO_SPAN
    target: Column | None = None


@dataclass(frozen=True)
class Aggregation:
    """One aggregate of STATS / INLINE STATS: `name = value [WHERE filter]`."""

    name: str
    value: Expr
    where: Expr | None = None
    span: Span = NO_SPAN
    target: Column | None = None


@dataclass(frozen=True)
class NamePattern:
    """A column name or pattern of KEEP, DROP, ENRICH: `host.*`, `` `a*b` ``, `_id`.

    `parts` are the literal pieces between the `*` wildcards (a `*` inside backquotes is a
    literal character): `host.*` is ("host.", ""), `_id` is ("_id",).
    """

    parts: tuple[str, ...]
    span: Span = NO_SPAN

    @property
    def name(self) -> str:
        """The pattern as text, `*` for each wildcard."""
        return "*".join(self.parts)

    @property
    def is_wildcard(self) -> bool:
        return len(self.parts) > 1

    def matches(self, column: str) -> bool:
        if not self.is_wildcard:
            return column == self.parts[0]
        return _pattern_regex(self.parts).fullmatch(column) is not None


def _pattern_regex(parts: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in parts), re.S)


@dataclass(frozen=True)
class Source:
    """An index pattern of FROM / TS / LOOKUP JOIN: `[cluster:]index[::selector]`."""

    index: str
    span: Span = NO_SPAN
    cluster: str | None = None
    selector: str | None = None


@dataclass(frozen=True)
class RenameItem:
    old: Column
    new: Column
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Order:
    """A SORT key. `nulls_first` None means the default (last ascending, first descending)."""

    value: Expr
    descending: bool = False
    nulls_first: bool | None = None
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Option:
    """`name = value` of DISSECT (`APPEND_SEPARATOR = "…"`)."""

    name: str
    value: Literal | Param
    span: Span = NO_SPAN


@dataclass(frozen=True)
class EnrichField:
    """`new = field` (or `field`) after ENRICH … WITH."""

    field: NamePattern
    new: NamePattern | None = None
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Setting:
    """`SET name = value;` before the query."""

    name: str
    value: Literal | Param | MapExpr
    span: Span = NO_SPAN


# ---------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class From:
    """FROM (or TS, `time_series`) index patterns [METADATA fields]."""

    sources: tuple[Source, ...]
    metadata: tuple[Column, ...] = ()
    span: Span = NO_SPAN
    time_series: bool = False

    @property
    def keyword(self) -> str:
        return "TS" if self.time_series else "FROM"


@dataclass(frozen=True)
class Row:
    fields: tuple[Assignment, ...]
    span: Span = NO_SPAN
    keyword = "ROW"


@dataclass(frozen=True)
class Show:
    item: str  # "info"
    span: Span = NO_SPAN
    keyword = "SHOW"


@dataclass(frozen=True)
class Where:
    condition: Expr
    span: Span = NO_SPAN
    keyword = "WHERE"


@dataclass(frozen=True)
class Eval:
    fields: tuple[Assignment, ...]
    span: Span = NO_SPAN
    keyword = "EVAL"


@dataclass(frozen=True)
class Stats:
    aggregates: tuple[Aggregation, ...]
    groups: tuple[Assignment, ...] = ()
    span: Span = NO_SPAN
    keyword = "STATS"


@dataclass(frozen=True)
class InlineStats:
    """INLINE STATS (or the older INLINESTATS): STATS whose results are appended to every
    row of their group instead of replacing the rows."""

    aggregates: tuple[Aggregation, ...]
    groups: tuple[Assignment, ...] = ()
    span: Span = NO_SPAN
    keyword = "INLINE STATS"


@dataclass(frozen=True)
class Keep:
    patterns: tuple[NamePattern, ...]
    span: Span = NO_SPAN
    keyword = "KEEP"


@dataclass(frozen=True)
class Drop:
    patterns: tuple[NamePattern, ...]
    span: Span = NO_SPAN
    keyword = "DROP"


@dataclass(frozen=True)
class Rename:
    items: tuple[RenameItem, ...]
    span: Span = NO_SPAN
    keyword = "RENAME"


@dataclass(frozen=True)
class Sort:
    orders: tuple[Order, ...]
    span: Span = NO_SPAN
    keyword = "SORT"


@dataclass(frozen=True)
class Limit:
    count: Literal | Param
    span: Span = NO_SPAN
    keyword = "LIMIT"


@dataclass(frozen=True)
class Dissect:
    input: Expr
    pattern: Literal
    options: tuple[Option, ...] = ()
    span: Span = NO_SPAN
    keyword = "DISSECT"

    @property
    def append_separator(self) -> str | None:
        for option in self.options:
            if option.name.lower() == "append_separator" and isinstance(option.value, Literal):
                value = option.value.value
                return value if isinstance(value, str) else None
        return None


@dataclass(frozen=True)
class Grok:
    input: Expr
    patterns: tuple[Literal, ...]
    span: Span = NO_SPAN
    keyword = "GROK"


@dataclass(frozen=True)
class MvExpand:
    column: Column
    span: Span = NO_SPAN
    keyword = "MV_EXPAND"


@dataclass(frozen=True)
class Enrich:
    """ENRICH policy [ON column] [WITH [new =] field, …]; `policy` may carry a
    `mode:` prefix (`_any:policy`)."""

    policy: str
    on: NamePattern | None = None
    fields: tuple[EnrichField, ...] = ()
    span: Span = NO_SPAN
    keyword = "ENRICH"


@dataclass(frozen=True)
class LookupJoin:
    index: Source
    conditions: tuple[Expr, ...]
    span: Span = NO_SPAN
    keyword = "LOOKUP JOIN"


@dataclass(frozen=True)
class ChangePoint:
    value: Column
    key: Column | None = None
    type_name: Column | None = None
    pvalue_name: Column | None = None
    span: Span = NO_SPAN
    keyword = "CHANGE_POINT"


@dataclass(frozen=True)
class Completion:
    """COMPLETION [target =] prompt WITH {"inference_id": …}; the target defaults to
    `completion`."""

    prompt: Expr
    target: Column | None = None
    options: MapExpr | None = None
    span: Span = NO_SPAN
    keyword = "COMPLETION"

    @property
    def target_name(self) -> str:
        return self.target.name if self.target is not None else "completion"


@dataclass(frozen=True)
class Sample:
    probability: Literal | Param
    span: Span = NO_SPAN
    keyword = "SAMPLE"


@dataclass(frozen=True)
class Fork:
    branches: tuple[tuple[Command, ...], ...]
    span: Span = NO_SPAN
    keyword = "FORK"


@dataclass(frozen=True)
class Rerank:
    """RERANK [target =] query ON fields WITH {…}; the target defaults to `_score`."""

    query: Literal | Param
    fields: tuple[Assignment, ...]
    target: Column | None = None
    options: MapExpr | None = None
    span: Span = NO_SPAN
    keyword = "RERANK"


@dataclass(frozen=True)
class Fuse:
    method: str | None = None
    score_by: Column | None = None
    key_by: tuple[Column, ...] = ()
    group_by: Column | None = None
    options: MapExpr | None = None
    span: Span = NO_SPAN
    keyword = "FUSE"


@dataclass(frozen=True)
class UriParts:
    prefix: Column
    value: Expr
    span: Span = NO_SPAN
    keyword = "URI_PARTS"


@dataclass(frozen=True)
class MetricsInfo:
    span: Span = NO_SPAN
    keyword = "METRICS_INFO"


Command = (
    From
    | Row
    | Show
    | Where
    | Eval
    | Stats
    | InlineStats
    | Keep
    | Drop
    | Rename
    | Sort
    | Limit
    | Dissect
    | Grok
    | MvExpand
    | Enrich
    | LookupJoin
    | ChangePoint
    | Completion
    | Sample
    | Fork
    | Rerank
    | Fuse
    | UriParts
    | MetricsInfo
)


@dataclass(frozen=True)
class Query:
    """A whole query: a source command, then processing commands. `settings` are the
    `SET …;` statements before it."""

    commands: tuple[Command, ...]
    span: Span = NO_SPAN
    settings: tuple[Setting, ...] = ()

    @property
    def source(self) -> Command:
        return self.commands[0]


def expressions(command: Command) -> list[Expr]:
    """The expressions a command evaluates, in order (not those of FORK branches)."""
    match command:
        case Row(fields=fields) | Eval(fields=fields):
            return [f.value for f in fields]
        case Where(condition=condition):
            return [condition]
        case (
            Stats(aggregates=aggregates, groups=groups)
            | InlineStats(aggregates=aggregates, groups=groups)
        ):
            found: list[Expr] = []
            for aggregate in aggregates:
                found.append(aggregate.value)
                if aggregate.where is not None:
                    found.append(aggregate.where)
            return found + [g.value for g in groups]
        case Sort(orders=orders):
            return [o.value for o in orders]
        case Dissect(input=value) | Grok(input=value) | UriParts(value=value):
            return [value]
        case MvExpand(column=column):
            return [column]
        case LookupJoin(conditions=conditions):
            return list(conditions)
        case Completion(prompt=prompt):
            return [prompt]
        case Rerank(fields=fields):
            return [f.value for f in fields]
        case ChangePoint(value=value, key=key):
            return [value, key] if key is not None else [value]
        case _:
            return []


# Parsing builds these nodes by the thousand: a quicker __init__, same classes otherwise.
for _node in list(globals().values()):
    if isinstance(_node, type) and dataclasses.is_dataclass(_node) and _node.__module__ == __name__:
        quick_init(_node)
