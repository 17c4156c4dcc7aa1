"""The typed columns of an ES|QL query, command by command, as Elasticsearch computes them.

FROM opens the source: every ECS 9.4 field (multi-fields included), the rule's
`field_definitions`, any field of a namespace ECS does not check, and the METADATA fields
it names. Each command then changes the columns as Elasticsearch's analyzer does
(docs: esql-commands.md, each command's page):

- EVAL appends its columns; a name that exists is replaced and moves to the end;
- STATS keeps only its aggregates, then its BY keys; INLINE STATS appends the aggregates;
- KEEP keeps what its patterns match (an exact name wins over a wildcard), DROP removes it;
- RENAME renames; GROK and DISSECT append keyword columns (GROK `:int`, `:long`,
  `:float`, `:double`, `:boolean` change the type); MV_EXPAND keeps the type (and the
  column holds one value per row from there on);
- COMPLETION appends its target (keyword); CHANGE_POINT its type and p-value columns;
  RERANK `_score`. ENRICH, LOOKUP JOIN, FORK, FUSE and URI_PARTS bring columns ruleops
  cannot list, so after them any name is accepted.

`Schema.type_of(name)` answers a column's ES|QL type, UNKNOWN when it exists but cannot be
typed, None when it does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ruleops.esql import ast, functions
from ruleops.esql.dissect import DissectError, compile_dissect
from ruleops.esql.grok import GrokError, compile_grok
from ruleops.esql.types import CAST_NAMES, NUMERIC, UNKNOWN

# METADATA fields and their types (docs: esql-metadata-fields.md).
METADATA_TYPES = {
    "_id": "keyword",
    "_index": "keyword",
    "_version": "long",
    "_ignored": "keyword",
    "_source": "_source",
    "_score": "double",
    "_index_mode": "keyword",
}

# A source field's ES|QL type, None when the source has no such field.
SourceLookup = Callable[[str], str | None]


@dataclass(frozen=True)
class Schema:
    columns: dict[str, str] = field(default_factory=dict)  # named by the query, in order
    source: SourceLookup | None = None  # fields of the FROM indices, while they last
    hidden: frozenset[str] = frozenset()  # source fields dropped or renamed away
    keep: tuple[tuple[ast.NamePattern, ...], ...] = ()  # KEEP filters on source fields
    drop: tuple[ast.NamePattern, ...] = ()
    open: bool = False  # after ENRICH, LOOKUP JOIN…: any name may exist
    expanded: frozenset[str] = frozenset()  # source fields MV_EXPAND made single-valued

    def type_of(self, name: str) -> str | None:
        if name in self.columns:
            return self.columns[name]
        if self.source is not None and self.removed_by(name) is None and not computed(name):
            found = self.source(name)
            if found is not None:
                return found
        return UNKNOWN if self.open else None

    def removed_by(self, name: str) -> str | None:
        """The command that took a source field or a column away (DROP, KEEP, RENAME), None
        when none did."""
        if any(p.matches(name) for p in self.drop):
            return "DROP"
        if not all(any(p.matches(name) for p in patterns) for patterns in self.keep):
            return "KEEP"
        return "RENAME" if name in self.hidden else None

    def with_column(self, name: str, kind: str) -> Schema:
        columns = {k: v for k, v in self.columns.items() if k != name}
        columns[name] = kind
        return replace(self, columns=columns, hidden=self.hidden | {name})


# The namespaces of the columns a query computes (elastic/detection-rules' convention, RO713):
# no index holds them, so a name there that no command made is a typo, not a source field.
COMPUTED_NAMESPACES = ("Esql.", "Esql_priv.")


def computed(name: str) -> bool:
    return name.startswith(COMPUTED_NAMESPACES)


def type_of(expr: ast.Expr, schema: Schema) -> str:
    """The ES|QL type of an expression, UNKNOWN where ruleops cannot tell."""
    match expr:
        case ast.Literal(type=kind) | ast.TimeSpan(type=kind):
            return kind
        case ast.Column(name=name):
            return schema.type_of(name) or UNKNOWN
        case ast.Call(name=name, args=args):
            function = functions.lookup(name)
            if function is None:
                return UNKNOWN
            return function.returns([type_of(a, schema) for a in args])
        case ast.Arithmetic(left=left, right=right):
            return _arithmetic(type_of(left, schema), type_of(right, schema))
        case ast.Negate(operand=operand):
            return type_of(operand, schema)
        case ast.Cast(type=kind):
            return CAST_NAMES.get(kind, UNKNOWN)
        case (
            ast.Compare() | ast.And() | ast.Or() | ast.Not() | ast.In() | ast.IsNull()
            | ast.Like() | ast.Match()
        ):  # fmt: skip
            return "boolean"
        case _:
            return UNKNOWN


_WIDTH = ["integer", "long", "unsigned_long", "double"]


def _arithmetic(left: str, right: str) -> str:
    if left in NUMERIC and right in NUMERIC:
        return max(left, right, key=lambda t: _WIDTH.index(t) if t in _WIDTH else 0)
    if left in ("date", "date_nanos") and right in ("date_period", "time_duration"):
        return left
    if right in ("date", "date_nanos") and left in ("date_period", "time_duration"):
        return right
    return UNKNOWN


def after(command: ast.Command, schema: Schema) -> Schema:
    """The columns after `command`."""
    match command:
        case ast.From(metadata=metadata):
            columns = {c.name: METADATA_TYPES.get(c.name, UNKNOWN) for c in metadata}
            return replace(schema, columns=columns)
        case ast.Row(fields=fields):
            row = Schema()
            for item in fields:
                row = row.with_column(item.name, type_of(item.value, row))
            return row
        case ast.Eval(fields=fields):
            for item in fields:
                schema = schema.with_column(item.name, type_of(item.value, schema))
            return schema
        case ast.Stats(aggregates=aggregates, groups=groups):
            stats: dict[str, str] = {}
            for aggregate in aggregates:
                stats[aggregate.name] = type_of(aggregate.value, schema)
            for group in groups:
                stats.pop(group.name, None)
                stats[group.name] = type_of(group.value, schema)
            return Schema(stats, open=schema.open)
        case ast.InlineStats(aggregates=aggregates, groups=groups):
            for group in groups:
                if group.target is not None:
                    schema = schema.with_column(group.name, type_of(group.value, schema))
            for aggregate in aggregates:
                schema = schema.with_column(aggregate.name, type_of(aggregate.value, schema))
            return schema
        case ast.Keep(patterns=patterns):
            return _keep(schema, patterns)
        case ast.Drop(patterns=patterns):
            kept = {
                k: v for k, v in schema.columns.items() if not any(p.matches(k) for p in patterns)
            }
            return replace(schema, columns=kept, drop=schema.drop + patterns)
        case ast.Rename(items=renames):
            for rename in renames:
                old, new = rename.old.name, rename.new.name
                kind = schema.type_of(old) or UNKNOWN
                renamed = {
                    (new if k == old else k): v for k, v in schema.columns.items() if k != new
                }
                if old not in schema.columns:
                    renamed[new] = kind
                schema = replace(schema, columns=renamed, hidden=schema.hidden | {old, new})
            return schema
        case ast.MvExpand(column=column):
            return replace(schema, expanded=schema.expanded | {column.name})
        case ast.Grok(patterns=patterns):
            return _extracted(schema, [p.value for p in patterns], grok=True)
        case ast.Dissect(pattern=pattern):
            return _extracted(schema, [pattern.value], grok=False)
        case ast.Completion():
            return schema.with_column(command.target_name, "keyword")
        case ast.ChangePoint(type_name=type_name, pvalue_name=pvalue_name):
            schema = schema.with_column(type_name.name if type_name else "type", "keyword")
            return schema.with_column(pvalue_name.name if pvalue_name else "pvalue", "double")
        case ast.Rerank(target=target):
            return schema.with_column(target.name if target else "_score", "double")
        case ast.Enrich() | ast.LookupJoin() | ast.Fork() | ast.Fuse() | ast.UriParts():
            return replace(schema, open=True)
        case ast.Show() | ast.MetricsInfo():
            return Schema(open=True)
        case _:
            return schema


def _keep(schema: Schema, patterns: tuple[ast.NamePattern, ...]) -> Schema:
    """KEEP: columns in the order of the patterns; a column named exactly by one pattern
    goes there, not under an earlier wildcard (docs: keep.md, precedence rules)."""
    exact = {p.name for p in patterns if not p.is_wildcard}
    columns: dict[str, str] = {}
    for pattern in patterns:
        for name, kind in schema.columns.items():
            if name in columns or not pattern.matches(name):
                continue
            if pattern.is_wildcard and name in exact:
                continue
            columns[name] = kind
        if not pattern.is_wildcard and pattern.name not in columns:
            kind_of = schema.type_of(pattern.name)
            if kind_of is not None:
                columns[pattern.name] = kind_of
    return replace(schema, columns=columns, keep=(*schema.keep, patterns))


def _extracted(schema: Schema, patterns: list, *, grok: bool) -> Schema:
    for pattern in patterns:
        if not isinstance(pattern, str):
            continue
        try:
            if grok:
                for column in compile_grok(pattern).columns:
                    schema = schema.with_column(column.name, column.type)
            else:
                for name in compile_dissect(pattern).columns:
                    schema = schema.with_column(name, "keyword")
        except (GrokError, DissectError, Exception):
            continue
    return schema


def schemas(query: ast.Query, source: SourceLookup | None) -> list[Schema]:
    """The columns before each command: `result[i]` is what command `i` sees."""
    schema = Schema(source=source)
    seen = []
    for command in query.commands:
        seen.append(schema)
        schema = after(command, schema)
    seen.append(schema)
    return seen
