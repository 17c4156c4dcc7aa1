"""Events as the source of an ES|QL query: the table `FROM` reads.

Elasticsearch reads an index through its mapping; offline, a fixture's or `eval`'s events
stand for the index, and each field's type comes from, in order: an index mapping (`--mapping`,
the `mapping` setting), the repository's `field_definitions` and ECS (multi-fields such as
`process.command_line.text` included), and last the event's own JSON (a string is a keyword,
a whole number a long, a fraction a double, true/false a boolean).

The columns are the fields of the mapping, the fields the events hold, and the fields the
query names (so that a field an event lacks is null, as in an index whose mapping has it;
with a mapping, a field it lacks and no event holds is unknown, as Elasticsearch says).
Values are read as doc values (`es_types.doc_value`: sorted keyword sets, rounded floats,
dates in milliseconds). Metadata `_id`, `_index`, `_version` come from the event's own
`_id`/`_index`/`_version` keys when it has them, else the event's position, the index named
by the caller, and 1; `_source` is the event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ruleops.ecs import load_ecs
from ruleops.es_types import doc_value, esql_type, nested_path
from ruleops.esql import ast
from ruleops.esql.evaluate import Table
from ruleops.kql.errors import KqlSyntaxError
from ruleops.kql.parser import parse_kql
from ruleops.mapping import MappedField, values_type
from ruleops.query.ast import fields

METADATA = {"_id": "keyword", "_index": "keyword", "_version": "long", "_source": "_source"}
TypeLookup = Callable[[str], str | None]


@dataclass(frozen=True)
class FieldTypes:
    """Where a source field's mapping type comes from (module doc)."""

    mapping: Mapping[str, MappedField] = field(default_factory=dict)
    known: TypeLookup | None = None  # field_definitions and ECS
    multi_fields: Mapping[str, str] = field(default_factory=dict)  # ECS multi-field → type

    def lookup(self, name: str) -> tuple[str, str, Mapping[str, Any]] | None:
        """(mapping type, `_source` path, mapping parameters), or None when unknown."""
        mapped = self.mapping.get(name)
        if mapped is not None:
            return values_type(self.mapping, name) or mapped.type, mapped.source, mapped.params
        if name in self.multi_fields:
            return self.multi_fields[name], name.rpartition(".")[0], {}
        kind = self.known(name) if self.known is not None else None
        if kind is not None:
            # Elastic's integrations map `*.caseless` with a lowercase normalizer.
            params = {"normalizer": "lowercase"} if name.endswith(".caseless") else {}
            return kind, name, params
        return None


def default_field_types(mapping: Mapping[str, MappedField] | None = None) -> FieldTypes:
    """Types from `mapping`, ECS and nothing else (`eval`, tests)."""
    ecs = load_ecs()
    return FieldTypes(mapping or {}, ecs.field_type, _ecs_multi_fields())


def _ecs_multi_fields() -> dict[str, str]:
    data = json.loads(resources.files("ruleops.data").joinpath("ecs.json").read_text("utf-8"))
    return dict(data.get("multi_fields", {}))


def _json_type(value: Any) -> str | None:
    if isinstance(value, list):
        for item in value:
            found = _json_type(item)
            if found is not None:
                return found
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "keyword"
    return None


def leaf_fields(event: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    """(dotted name, value) of every leaf of an event; arrays of objects give their
    children's names."""
    for key, value in event.items():
        name = f"{prefix}{key}"
        if value.__class__ is dict or isinstance(value, Mapping):
            yield from leaf_fields(value, name + ".")
        elif value.__class__ is list and any(isinstance(v, Mapping) for v in value):
            for item in value:
                if isinstance(item, Mapping):
                    yield from leaf_fields(item, name + ".")
        else:
            yield name, value


def flatten(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event as dotted name → value (a list where it has several, arrays of objects
    included): how Elasticsearch sees its fields, whether nested or written with dots."""
    flat: dict[str, Any] = {}
    stack: list[tuple[str, Any]] = [("", event)]
    while stack:
        prefix, node = stack.pop()
        for key, value in node.items():
            name = prefix + key
            kind = value.__class__
            if kind is dict or (kind is not list and isinstance(value, Mapping)):
                stack.append((name + ".", value))
                continue
            if kind is list and any(v.__class__ is dict or isinstance(v, Mapping) for v in value):
                for item in reversed(value):  # the stack pops them back in order
                    if isinstance(item, Mapping):
                        stack.append((name + ".", item))
                continue
            if name in flat:
                have = flat[name]
                have = have if have.__class__ is list else [have]
                flat[name] = have + (value if kind is list else [value])
            else:
                flat[name] = value
    return flat


def query_fields(query: ast.Query) -> list[str]:
    """The column names a query reads, in order (source fields and its own columns alike)."""
    names: dict[str, None] = {}
    for command in query.commands:
        for expression in ast.expressions(command):
            for column in ast.columns(expression):
                names.setdefault(column.name, None)
        if isinstance(command, ast.Keep | ast.Drop):
            for pattern in command.patterns:
                if not pattern.is_wildcard:
                    names.setdefault(pattern.name, None)
        if isinstance(command, ast.Rename):
            for item in command.items:
                names.setdefault(item.old.name, None)
    return list(names)


def searched_fields(query: ast.Query) -> list[str]:
    """The source fields the query's `KQL("…")` calls read, in order (a KQL string that
    does not parse reads none: the evaluator reports it)."""
    names: dict[str, None] = {}
    for command in query.commands:
        for expression in ast.expressions(command):
            for node in ast.walk(expression):
                if (
                    isinstance(node, ast.Call)
                    and node.name == "kql"
                    and len(node.args) == 1
                    and isinstance(node.args[0], ast.Literal)
                    and isinstance(node.args[0].value, str)
                ):
                    try:
                        parsed = parse_kql(node.args[0].value)
                    except KqlSyntaxError:
                        continue
                    names.update((f.name, None) for f in fields(parsed) if "*" not in f.name)
    return list(names)


# Functions whose result has their first argument's type (usage passes through them).
_SAME_TYPE = frozenset(
    {
        *("max", "min", "sum", "avg", "values", "median", "first", "last", "top"),
        *("mv_first", "mv_last", "mv_max", "mv_min", "mv_dedupe", "mv_sort", "coalesce"),
        *("abs", "round", "floor", "ceil", "greatest", "least"),
    }
)


def usage_types(query: ast.Query, types: FieldTypes | None = None) -> dict[str, str]:
    """Types for fields no mapping, definition or event types, read from how the query uses
    them: compared with or added to a number → long (double for a fraction), used as a
    condition → boolean; a column computed from a field (`c = MAX(f)`, `c = f`) passes its
    use on to the field; with `types`, a field given to COALESCE, GREATEST or LEAST with
    fields of one known type, or compared with such a field, has that type
    (`COALESCE(okta.client.ip, source.ip)`: ip, as the Okta integration maps it). The
    field's index would have such a mapping; a known type is never overridden, so a real
    mismatch is still refused."""
    numeric: dict[str, str] = {}
    boolean: set[str] = set()
    text: set[str] = set()  # searched with `:` (a match query): an analysed text field
    feeds: dict[str, set[str]] = {}
    together: list[list[str]] = []  # fields that must share one type

    def number(node: ast.Expr) -> str | None:
        if isinstance(node, ast.Negate):
            node = node.operand
        if isinstance(node, ast.Literal) and node.type in ("integer", "long", "double"):
            return "double" if node.type == "double" else "long"
        return None

    def note(column: ast.Expr, kind: str | None) -> None:
        known = numeric.get(column.name) if isinstance(column, ast.Column) else None
        if isinstance(column, ast.Column) and kind is not None and known != "double":
            numeric[column.name] = kind

    for command in query.commands:
        for expression in ast.expressions(command):
            for node in ast.walk(expression):
                if isinstance(node, ast.Compare):
                    note(node.left, number(node.right))
                    note(node.right, number(node.left))
                    if isinstance(node.left, ast.Column) and isinstance(node.right, ast.Column):
                        together.append([node.left.name, node.right.name])
                    for side, other in ((node.left, node.right), (node.right, node.left)):
                        literal = isinstance(other, ast.Literal) and other.type == "boolean"
                        if isinstance(side, ast.Column) and literal:
                            boolean.add(side.name)
                elif isinstance(node, ast.In):
                    kinds = {number(o) for o in node.options}
                    if kinds and None not in kinds:
                        note(node.value, "double" if "double" in kinds else "long")
                elif isinstance(node, ast.Arithmetic):
                    note(node.left, "long")
                    note(node.right, "long")
                elif isinstance(node, ast.And | ast.Or):
                    boolean.update(o.name for o in node.operands if isinstance(o, ast.Column))
                elif isinstance(node, ast.Not) and isinstance(node.operand, ast.Column):
                    boolean.add(node.operand.name)
                elif isinstance(node, ast.Match):
                    text.add(node.column.name)
                elif isinstance(node, ast.Call) and node.name.lower() in _ONE_TYPE:
                    together.append([a.name for a in node.args if isinstance(a, ast.Column)])
        if isinstance(command, ast.Where) and isinstance(command.condition, ast.Column):
            boolean.add(command.condition.name)
        assignments: list[Any] = []
        if isinstance(command, ast.Eval):
            assignments = list(command.fields)
        elif isinstance(command, ast.Stats | ast.InlineStats):
            assignments = list(command.aggregates)
        for assignment in assignments:
            value = assignment.value
            if isinstance(value, ast.Call) and len(value.args) >= 1:
                if value.name.lower() not in _SAME_TYPE:
                    continue
                value = value.args[0]
            if isinstance(value, ast.Column):
                feeds.setdefault(assignment.name, set()).add(value.name)
    for _ in range(3):  # columns computed from columns computed from fields
        for column, sources in feeds.items():
            if column in numeric:
                for source in sources:
                    numeric.setdefault(source, numeric[column])
    found = _shared_types(together, types) if types is not None else {}
    found.update({name: "text" for name in text})
    found.update({name: "boolean" for name in boolean})
    found.update(numeric)
    return found


# Functions whose arguments Elasticsearch requires to have one type.
_ONE_TYPE = frozenset({"coalesce", "greatest", "least"})


def _shared_types(groups: list[list[str]], types: FieldTypes) -> dict[str, str]:
    """The unknown fields of each group whose known fields all have one type: that type."""
    found: dict[str, str] = {}
    for names in groups:
        known = {spec[0] for n in names if (spec := types.lookup(n)) is not None}
        if len(known) == 1:
            kind = known.pop()
            found.update((n, kind) for n in names if types.lookup(n) is None)
    return found


def event_table(
    events: Sequence[Mapping[str, Any]],
    types: FieldTypes,
    *,
    query: ast.Query | None = None,
    index: str = "events",
    strict: bool = False,
) -> Table:
    """The events as a source table (module doc). With `strict`, a field the query names
    that neither the mapping nor an event has is left out (Elasticsearch then reports an
    unknown column); otherwise it is a null keyword column."""
    specs: dict[str, tuple[str, str, Mapping[str, Any]]] = {}
    # A mapped nested object and its fields are no ES|QL columns (40_unsupported_types.yml,
    # "nested declared inline"): they count as known, never shown.
    nested = {name: "nested" for name, mapped in types.mapping.items() if mapped.type == "nested"}

    def hidden(name: str) -> bool:
        return bool(nested) and (name in nested or nested_path(nested, name) is not None)

    for name in types.mapping:
        if hidden(name):
            continue
        found = types.lookup(name)
        if found is not None:
            specs[name] = found
    guessed = usage_types(query, types) if query is not None else {}
    wanted = set(query_fields(query)) if query is not None else set()
    patterns = _wildcards(query) if query is not None else []
    # When the query keeps or aggregates, a source field it never names can only reach the
    # results through a KEEP or DROP wildcard: only then must every event be scanned.
    narrow = query is not None and _projects(query)
    flats = [flatten(event) for event in events]
    if not narrow or patterns:
        seen: set[str] = set()
        for flat in flats:
            for name, value in flat.items():
                if name in seen:
                    continue
                seen.add(name)
                if name in specs or name in METADATA or hidden(name):
                    continue
                if narrow and name not in wanted and not any(p.matches(name) for p in patterns):
                    continue
                found = _typed(types, guessed, name, value)
                if found is not None:
                    specs[name] = found
                else:
                    seen.discard(name)  # typed by a later event's value
    for name in wanted:
        if name in specs or name in METADATA or hidden(name):
            continue
        found = types.lookup(name)
        if found is None and types.mapping:
            continue
        if found is None:
            value = next((f[name] for f in flats if f.get(name) is not None), None)
            if value is None and strict:
                continue
            found = _typed(types, guessed, name, value) or ("keyword", name, {})
        specs[name] = found
    names = sorted(specs)
    columns = [(name, esql_type(specs[name][0])) for name in names]
    # A field whose parent holds a value is a multi-field of it (`process.name.caseless`,
    # `languages.long`): a name cannot be both a value and an object in Elasticsearch, so
    # the value is read from the parent.
    parents = [specs[name][1].rpartition(".")[0] for name in names]
    reads = [(specs[name][1], specs[name][0], specs[name][2]) for name in names]
    rows = []
    for position, (event, flat) in enumerate(zip(events, flats, strict=True)):
        get = flat.get
        values = [
            doc_value(
                raw if (raw := get(source)) is not None or parent not in flat else flat[parent],
                kind,
                params,
            )
            for (source, kind, params), parent in zip(reads, parents, strict=True)
        ]
        rows.append(
            (
                *values,
                str(event.get("_id", position)),
                str(event.get("_index", index)),
                _version(event.get("_version")),
                event,
            )
        )
    columns += list(METADATA.items())
    return Table(tuple(columns), rows, frozenset(METADATA), documents=list(events))


def _typed(
    types: FieldTypes, guessed: Mapping[str, str], name: str, value: Any
) -> tuple[str, str, Mapping[str, Any]] | None:
    found = types.lookup(name)
    if found is None and name in guessed and not types.mapping:
        found = (guessed[name], name, {})
    if found is None:
        json_type = _json_type(value)
        found = (json_type, name, {}) if json_type is not None else None
    return found


def _projects(query: ast.Query) -> bool:
    """Whether a KEEP or STATS comes before the results (so not every field shows)."""
    return any(isinstance(c, ast.Keep | ast.Stats) for c in query.commands)


def _wildcards(query: ast.Query) -> list[ast.NamePattern]:
    return [
        pattern
        for command in query.commands
        if isinstance(command, ast.Keep | ast.Drop)
        for pattern in command.patterns
        if pattern.is_wildcard
    ]


def _version(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 1
