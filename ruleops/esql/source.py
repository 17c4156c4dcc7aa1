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
from ruleops.es_types import doc_value, esql_type
from ruleops.esql import ast
from ruleops.esql.evaluate import Table
from ruleops.mapping import MappedField, values_type
from ruleops.query.values import make_getter

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
            return kind, name, {}
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
        if isinstance(value, Mapping):
            yield from leaf_fields(value, name + ".")
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            for item in value:
                if isinstance(item, Mapping):
                    yield from leaf_fields(item, name + ".")
        else:
            yield name, value


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
    for name in types.mapping:
        found = types.lookup(name)
        if found is not None:
            specs[name] = found
    for event in events:
        for name, value in leaf_fields(event):
            if name in specs or name in METADATA:
                continue
            found = types.lookup(name)
            if found is None:
                json_type = _json_type(value)
                if json_type is None:
                    continue
                found = (json_type, name, {})
            specs[name] = found
    if query is not None:
        for name in query_fields(query):
            if name in specs or name in METADATA:
                continue
            found = types.lookup(name)
            if found is None:
                if strict or types.mapping:
                    continue
                found = ("keyword", name, {})
            specs[name] = found
    names = sorted(specs)
    columns = [(name, esql_type(specs[name][0])) for name in names]
    getters = [make_getter(tuple(specs[name][1].split("."))) for name in names]
    kinds = [(specs[name][0], specs[name][2]) for name in names]
    rows = []
    for position, event in enumerate(events):
        values = [
            doc_value(get(event), kind, params)
            for get, (kind, params) in zip(getters, kinds, strict=True)
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


def _version(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 1
