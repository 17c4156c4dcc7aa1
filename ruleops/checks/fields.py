"""ECS field, type and value checks on EQL queries.

The checks themselves live in `ruleops.query.fieldcheck` and work on the shared condition
form; this module walks an EQL query's structure (event queries, sequence and sample
clauses, join keys) and places each finding on the rule file's line and column. A query
that does not parse is left to the EQL syntax check.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ruleops.checks import corpus_check, rule_check
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.ecs import Ecs, FieldDefinitionsError, ecs_for, ecs_with_definitions
from ruleops.eql.ast import EventQuery, Query
from ruleops.eql.codes import (
    CONDITION_NOT_BOOLEAN,
    JOIN_KEY_TYPES,
    TEXT_FIELD_NOT_EXACT,
    UNSUPPORTED_FIELD_TYPE,
)
from ruleops.loading import Rule
from ruleops.query.ast import Span
from ruleops.query.fieldcheck import (
    CIDR_ON_NON_IP,
    DISALLOWED_VALUE,
    RANGE_ON_STRING,
    STRING_FUNCTION_ON_NON_STRING,
    UNEXPECTED_EVENT_TYPE,
    UNKNOWN_CATEGORY,
    UNKNOWN_FIELD,
    VALUE_TYPE_MISMATCH,
    WILDCARD_ON_NON_STRING,
    check_category,
    check_condition,
    check_fields,
)
from ruleops.query.finding import QueryFinding, distinct

FIELD_DEFINITIONS_UNUSABLE = register(
    CheckInfo(
        code="RO358",
        name="ecs.field-definitions-unusable",
        severity=Severity.ERROR,
        summary="a file named in [tool.ruleops] field_definitions or mapping cannot be used",
        explanation=(
            "`field_definitions` names JSON files mapping field names to types "
            '(`{"aws.cloudtrail.user_identity.arn": "keyword"}`), integration field files or '
            "index mappings; `mapping` names index mappings (the JSON of `GET "
            "index/_mapping`, or its `properties` object). The file is missing, is not "
            "valid JSON or does not have that shape; until it is fixed, fields are checked "
            "against ECS alone. Reported once per run, on the configuration file."
        ),
        example="config",
        bad='[tool.ruleops]\nfield_definitions = ["fields/missing.json"]',
        good="[tool.ruleops]\n# no field_definitions: fields are checked against ECS alone",
    )
)

# What the field checks report on a query (`ruleops.query.fieldcheck`); KQL's checks too.
QUERY_FIELD_CODES = (
    UNKNOWN_FIELD,
    UNKNOWN_CATEGORY,
    DISALLOWED_VALUE,
    VALUE_TYPE_MISMATCH,
    WILDCARD_ON_NON_STRING,
    RANGE_ON_STRING,
    CIDR_ON_NON_IP,
    STRING_FUNCTION_ON_NON_STRING,
    UNEXPECTED_EVENT_TYPE,
)


@rule_check(
    emits=(
        *QUERY_FIELD_CODES,
        CONDITION_NOT_BOOLEAN,
        TEXT_FIELD_NOT_EXACT,
        UNSUPPORTED_FIELD_TYPE,
        JOIN_KEY_TYPES,
    )
)
def eql_fields(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    query = rule.query_in("eql")
    if query is None:
        return
    # The EQL front end loads with the first EQL rule: a run over other rules never needs it.
    from ruleops.eql.parser import EqlSyntaxError, parse_eql  # noqa: PLC0415 -- per language

    try:
        parsed = parse_eql(query)
    except EqlSyntaxError:
        return
    ecs = ecs_for(config)
    for finding in distinct(eql_findings(parsed, ecs, rule.category_field)):
        yield rule.query_diagnostic(finding)
    for finding in distinct(eql_type_findings(parsed, ecs)):
        yield rule.query_diagnostic(finding)


def eql_findings(
    query: Query, ecs: Ecs, category_field: str = "event.category"
) -> Iterator[QueryFinding]:
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


def eql_type_findings(query: Query, ecs: Ecs) -> Iterator[QueryFinding]:
    """What Elasticsearch's EQL verifier rejects given the fields' ECS types."""
    from ruleops.eql.typecheck import check_types  # noqa: PLC0415 -- per language

    yield from check_types(query, ecs.fields)


def _event_query(event_query: EventQuery, ecs: Ecs, category_field: str) -> Iterable[QueryFinding]:
    # The event query's span starts at its category; the finding underlines that word.
    start = event_query.span.start
    word = Span(start, start + len(event_query.category or ""))
    yield from check_category(event_query.category, word, ecs=ecs, category_field=category_field)
    # `process where` requires event.category only when no override moves it elsewhere.
    required = event_query.category if category_field == "event.category" else None
    yield from check_condition(event_query.condition, ecs=ecs, dialect="eql", category=required)


@corpus_check(emits=(FIELD_DEFINITIONS_UNUSABLE,))
def field_definitions_usable(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
    """A broken field-definitions file is a configuration problem: say it once, not per rule."""
    if not config.field_definitions and not config.mapping:
        return
    try:
        ecs_with_definitions(tuple(config.field_definitions), tuple(config.mapping))
    except FieldDefinitionsError as error:
        yield FIELD_DEFINITIONS_UNUSABLE.diagnostic(
            f"{error}; fields are checked against ECS alone",
            str(config.source or "pyproject.toml"),
            hint="field_definitions files are JSON objects of field name -> type name (or "
            "index mappings); mapping files are the JSON of GET index/_mapping",
        )
