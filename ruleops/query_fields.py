"""The source fields a rule's query reads, each with where it is first written.

What a repository's rules read together is what cross-rule field checks compare a rule
with (`ruleops.checks.repository_fields`): a field that one rule reads and no other, one slip
from a field many rules read, is most likely misspelt. So the answer is kept in the check
cache (`Rule.summary`) and the rule index, and a rule answered from either is not parsed.

- EQL: every field of the conditions and the join keys (`?field` counts as `field`);
- KQL: every field of the query (a field-name wildcard `process.*` stands for several
  fields and is left out);
- ES|QL: the columns read from the FROM indices, not those the query makes itself (EVAL,
  STATS, GROK, DISSECT, RENAME targets): a name counts where the schema still looks it up
  in the source (`ruleops.esql.schema`).

A query that does not parse reads nothing here; its syntax error is the query check's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ruleops.query.ast import Expr, Field, walk

if TYPE_CHECKING:
    from ruleops.loading import Rule

# The languages whose fields are read; lucene queries are not parsed by ruleops.
_LANGUAGES = ("eql", "kuery", "esql")


def fields_read(rule: Rule) -> dict[str, int]:
    """Field name -> offset of its first occurrence in the rule's (decoded) query."""
    for language in _LANGUAGES:
        query = rule.query_in(language)
        if query is not None:
            return fields_of(query, language)
    return {}


def fields_of(query: str, language: str) -> dict[str, int]:
    """The source fields `query` (in `language`: eql, kuery, esql) reads; {} when it does
    not parse."""
    try:
        if language == "eql":
            return _eql(query)
        if language == "kuery":
            return _kql(query)
        if language == "esql":
            return _esql(query)
    except (RecursionError, ValueError):
        return {}  # a query nested beyond the front ends' limit is reported by them
    return {}


def _first(found: dict[str, int], name: str, offset: int) -> None:
    name = name.removeprefix("?")
    if name and "*" not in name and (name not in found or offset < found[name]):
        found[name] = offset


def _from_fields(nodes: list[Field], found: dict[str, int]) -> None:
    for node in nodes:
        _first(found, node.name, node.span.start)


def _conditions(expr: Expr) -> list[Field]:
    return [node for node in walk(expr) if isinstance(node, Field)]


def _eql(query: str) -> dict[str, int]:
    from ruleops.eql.ast import EventQuery  # noqa: PLC0415 -- per language
    from ruleops.eql.errors import EqlSyntaxError  # noqa: PLC0415 -- per language
    from ruleops.eql.parser import parse_eql  # noqa: PLC0415 -- per language

    try:
        parsed = parse_eql(query)
    except EqlSyntaxError:
        return {}
    found: dict[str, int] = {}
    body = parsed.body
    if isinstance(body, EventQuery):
        _from_fields(_conditions(body.condition), found)
        return found
    clauses = list(body.clauses)
    until = getattr(body, "until", None)
    if until is not None:
        clauses.append(until)
    _from_fields(list(body.keys), found)
    for clause in clauses:
        _from_fields(_conditions(clause.query.condition), found)
        _from_fields(list(clause.keys), found)
    return found


def _kql(query: str) -> dict[str, int]:
    from ruleops.kql.errors import KqlSyntaxError  # noqa: PLC0415 -- per language
    from ruleops.kql.parser import parse_kql  # noqa: PLC0415 -- per language

    try:
        parsed = parse_kql(query)
    except KqlSyntaxError:
        return {}
    found: dict[str, int] = {}
    _from_fields(_conditions(parsed), found)
    return found


def _esql(query: str) -> dict[str, int]:
    from ruleops.esql import ast  # noqa: PLC0415 -- per language
    from ruleops.esql.errors import EsqlSyntaxError  # noqa: PLC0415 -- per language
    from ruleops.esql.parser import parse_esql  # noqa: PLC0415 -- per language
    from ruleops.esql.schema import schemas  # noqa: PLC0415 -- per language
    from ruleops.esql.types import UNKNOWN  # noqa: PLC0415 -- per language

    try:
        parsed = parse_esql(query)
    except EsqlSyntaxError:
        return {}
    looked_up: list[str] = []

    def source(name: str) -> str:
        looked_up.append(name)
        return UNKNOWN

    found: dict[str, int] = {}
    seen = schemas(parsed, source)

    def read(column: ast.Column, schema) -> None:
        looked_up.clear()
        schema.type_of(column.name)
        if looked_up:
            _first(found, column.name, column.span.start)

    for index, command in enumerate(parsed.commands):
        schema = seen[index]
        if isinstance(command, ast.Fork):
            continue
        if isinstance(command, ast.Rename):
            for renamed in command.items:
                read(renamed.old, schema)
        if isinstance(command, ast.MvExpand):
            read(command.column, schema)
        if isinstance(command, ast.Eval):
            # EVAL sees the columns it has just made (`EVAL a = 1, b = a + 1`).
            for item in command.fields:
                for column in ast.columns(item.value):
                    read(column, schema)
                schema = schema.with_column(item.name, UNKNOWN)
            continue
        for expr in ast.expressions(command):
            for column in ast.columns(expr):
                read(column, schema)
    return found
