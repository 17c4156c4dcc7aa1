"""ECS field, type and value checks on EQL queries (RO350-RO359).

The checks themselves live in `ruleops.query.fieldcheck` and work on the shared condition
form; this module walks an EQL query's structure (event queries, sequence and sample
clauses, join keys) and places each finding on the rule file's line and column. A query
that does not parse is left to the EQL syntax check.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ruleops.checks import corpus_check, rule_check
from ruleops.config import Config
from ruleops.diagnostics import Diagnostic
from ruleops.ecs import Ecs, FieldDefinitionsError, ecs_for, ecs_with_definitions
from ruleops.eql.ast import EventQuery, Query
from ruleops.eql.typecheck import check_types
from ruleops.loading import Rule
from ruleops.query.ast import Span
from ruleops.query.fieldcheck import (
    FIELD_DEFINITIONS_UNUSABLE,
    Finding,
    check_category,
    check_condition,
    check_fields,
)
from ruleops.query.locate import query_position


@rule_check
def eql_fields(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    query = rule.query_in("eql")
    if query is None:
        return
    # Imported here so that loading the check registry does not build the EQL grammar.
    from ruleops.eql.parser import EqlSyntaxError, parse_eql

    try:
        parsed = parse_eql(query)
    except EqlSyntaxError:
        return
    override = rule.rule.get("event_category_override")
    category_field = override if isinstance(override, str) and override else "event.category"
    ecs = ecs_for(config)
    yield from diagnostics_for(rule, eql_findings(parsed, ecs, category_field))
    yield from diagnostics_for(rule, eql_type_findings(parsed, ecs))


def diagnostics_for(
    rule: Rule, findings: Iterable[Finding], key_path: str = "rule.query"
) -> Iterator[Diagnostic]:
    """Findings on the query at `key_path`, as diagnostics at the rule file's line and
    column; the same finding reached twice (a shared sub-condition) is reported once.
    Front ends of other query languages (KQL) reuse this."""
    seen: set[tuple[str, int, str]] = set()
    for finding in findings:
        key = (finding.code, finding.span.start, finding.message)
        if key in seen:
            continue
        seen.add(key)
        start = query_position(rule, finding.span.start, key_path)
        end = query_position(rule, finding.span.end, key_path)
        yield rule.diagnostic(
            finding.code,
            finding.message,
            key_path,
            hint=finding.hint,
            position=start,
            # Underline the offending text when it sits on one line of the file.
            end_column=end.column if end.line == start.line and end.column > start.column else None,
        )


def eql_findings(
    query: Query, ecs: Ecs, category_field: str = "event.category"
) -> Iterator[Finding]:
    """Every finding in a parsed EQL query (`ruleops.eql.ast.Query`)."""
    body = query.body
    if isinstance(body, EventQuery):
        yield from _event_query(body, ecs, category_field)
        return
    clauses = list(body.clauses)
    until = getattr(body, "until", None)
    if until is not None:
        clauses.append(until)
    keys = list(body.keys)
    for clause in clauses:
        yield from _event_query(clause.query, ecs, category_field)
        keys.extend(clause.keys)
    yield from check_fields(keys, ecs=ecs)


def eql_type_findings(query: Query, ecs: Ecs) -> Iterator[Finding]:
    """What Elasticsearch's EQL verifier rejects given the fields' ECS types."""
    yield from check_types(query, ecs.fields)


def _event_query(event_query: EventQuery, ecs: Ecs, category_field: str) -> Iterable[Finding]:
    # The event query's span starts at its category; the finding underlines that word.
    start = event_query.span.start
    word = Span(start, start + len(event_query.category or ""))
    yield from check_category(event_query.category, word, ecs=ecs, category_field=category_field)
    # `process where` requires event.category only when no override moves it elsewhere.
    required = event_query.category if category_field == "event.category" else None
    yield from check_condition(event_query.condition, ecs=ecs, dialect="eql", category=required)


@corpus_check
def field_definitions_usable(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
    """A broken field-definitions file is a configuration problem: say it once, not per rule."""
    if not config.field_definitions:
        return
    try:
        ecs_with_definitions(tuple(config.field_definitions))
    except FieldDefinitionsError as error:
        yield Diagnostic(
            code=FIELD_DEFINITIONS_UNUSABLE.code,
            severity=FIELD_DEFINITIONS_UNUSABLE.severity,
            message=f"{error}; fields are checked against ECS alone",
            path=str(config.source or "pyproject.toml"),
            line=1,
            column=1,
            hint="field_definitions files are JSON objects of field name -> type name",
        )
