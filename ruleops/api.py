"""ruleops for scripts: parse a query, check it, run it over events, in EQL, KQL or ES|QL.

    import ruleops

    ruleops.parse('process where process.name : "cmd.exe"', "eql")
    ruleops.check_query("bytes > 100*", "kql", field_types={"bytes": "long"})
    ruleops.evaluate('message:"was run"', events, "kql")

`language` is "eql", "kql" or "esql". Field types come from ECS 9.4.0, then from
`mapping` (the JSON of `GET index/_mapping`, a `mappings` or a `properties` object, as
`ruleops.mapping` reads it), then from `field_types` (dotted field name → Elasticsearch
mapping type, such as `{"bytes": "long"}`), each over the one before.

These three names and their signatures are stable. The front ends they call are imported
on first use, so `import ruleops` stays light.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruleops.diagnostics import Diagnostic
    from ruleops.query.finding import QueryFinding

LANGUAGES = ("eql", "kql", "esql")
QUERY_PATH = "query"  # the `path` of every Diagnostic check_query returns


def parse(query: str, language: str) -> Any:
    """The query's syntax tree: `ruleops.eql.ast.Query` for EQL, the shared condition form
    (`ruleops.query.ast`) for KQL, `ruleops.esql.ast.Query` for ES|QL.

    Raises `ruleops.query.syntax_error.QuerySyntaxError` (its `line`, `column`, `message`
    and `hint` say what is wrong and where) for a query that does not parse, and
    ValueError for an unknown language."""
    if _language(language) == "eql":
        from ruleops.eql.parser import parse_eql  # noqa: PLC0415 -- on first use

        return parse_eql(query)
    if language == "kql":
        from ruleops.kql.parser import parse_kql  # noqa: PLC0415 -- on first use

        return parse_kql(query)
    from ruleops.esql.parser import parse_esql  # noqa: PLC0415 -- on first use

    return parse_esql(query)


def check_query(
    query: str,
    language: str,
    *,
    field_types: Mapping[str, str] | None = None,
    mapping: Any = None,
) -> list[Diagnostic]:
    """Every finding on a bare query: its syntax error, what Elasticsearch's verifier would
    reject, and the field, type and value checks against ECS and the given types, in text
    order. Each Diagnostic's `path` is "query"; `line` and `column` are 1-based within the
    query text. An empty list means the query is clean."""
    from ruleops.query.syntax_error import QuerySyntaxError  # noqa: PLC0415 -- on first use

    language = _language(language)
    types = _given_types(field_types, mapping)
    try:
        parsed = parse(query, language)
    except QuerySyntaxError as error:
        return [_diagnostic(query, error.finding)]
    if language == "eql":
        findings = _eql_findings(parsed, types)
    elif language == "kql":
        findings = _kql_findings(parsed, types)
    else:
        findings = _esql_findings(parsed, types)
    diagnostics = [_diagnostic(query, finding) for finding in _distinct(findings)]
    return sorted(diagnostics, key=lambda d: (d.line, d.column, d.code))


def evaluate(
    query: str,
    events: Iterable[Mapping[str, Any]],
    language: str,
    *,
    field_types: Mapping[str, str] | None = None,
    mapping: Any = None,
) -> list[Any]:
    """Run the query over `events` (JSON objects as Elasticsearch stores them, dotted keys
    or nested objects) with Elasticsearch's semantics.

    EQL: the matching events in time order (`@timestamp`, then the order given), or for a
    sequence or sample one list of events per match (None for a missing event of a
    sequence). KQL: the matching events, in the order given; date math (`now-7d`) is read
    with the latest event time as now. ES|QL: the result rows, each a dict of column name
    to value as Elasticsearch returns it in JSON; its FROM reads the events.

    Raises `QuerySyntaxError` for a query that does not parse, ValueError (with
    Elasticsearch's reason) for one that Elasticsearch would reject or that ruleops cannot
    run offline, and ValueError for an event that is not a JSON object (a Mapping)."""
    language = _language(language)
    events = list(events)
    for index, event in enumerate(events):
        if not isinstance(event, Mapping):
            kind = "None" if event is None else f"of type {type(event).__name__}"
            raise ValueError(f"event {index} is {kind}, not a JSON object (a Mapping)")
    if language == "eql":
        return _evaluate_eql(query, events, _given_types(field_types, mapping))
    if language == "kql":
        return _evaluate_kql(query, events, _given_types(field_types, mapping))
    return _evaluate_esql(query, events, field_types, mapping)


# ---------------------------------------------------------------------------- helpers


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unknown query language {language!r}; use one of {', '.join(LANGUAGES)}")
    return language


def _given_types(field_types: Mapping[str, str] | None, mapping: Any) -> dict[str, str]:
    """The types the caller gives: the mapping's, then `field_types` over them."""
    from ruleops.mapping import field_types as mapping_types  # noqa: PLC0415 -- on first use

    types: dict[str, str] = dict(mapping_types(mapping)) if mapping is not None else {}
    types.update(field_types or {})
    return types


def _known_types(given: Mapping[str, str]) -> dict[str, str]:
    """ECS (its multi-fields included) with the caller's types over it."""
    from ruleops.ecs import load_ecs  # noqa: PLC0415 -- on first use

    return {**load_ecs().fields, **given}


def _diagnostic(query: str, finding: QueryFinding) -> Diagnostic:
    from ruleops.diagnostics import Diagnostic  # noqa: PLC0415 -- on first use

    start = max(0, min(finding.span.start, len(query)))
    line = query.count("\n", 0, start) + 1
    column = start - (query.rfind("\n", 0, start) + 1) + 1
    end_column = None
    end = min(finding.span.end, len(query))
    if end > start and "\n" not in query[start:end]:
        end_column = column + (end - start)
    return Diagnostic(
        finding.code,
        finding.severity,
        finding.message,
        QUERY_PATH,
        line,
        column,
        finding.hint,
        end_column,
    )


def _distinct(findings: Iterable[QueryFinding]) -> list[QueryFinding]:
    from ruleops.query.finding import distinct  # noqa: PLC0415 -- on first use

    return list(distinct(findings))


# ---------------------------------------------------------------------------- per language


def _eql_findings(parsed: Any, given: Mapping[str, str]) -> list[QueryFinding]:
    from ruleops.checks.fields import eql_findings  # noqa: PLC0415 -- on first use
    from ruleops.ecs import load_ecs  # noqa: PLC0415 -- on first use
    from ruleops.eql.typecheck import check_types  # noqa: PLC0415 -- on first use
    from ruleops.eql.verify import verify  # noqa: PLC0415 -- on first use

    ecs = load_ecs().with_definitions(given) if given else load_ecs()
    return [*verify(parsed), *eql_findings(parsed, ecs), *check_types(parsed, ecs.fields)]


def _kql_findings(parsed: Any, given: Mapping[str, str]) -> list[QueryFinding]:
    from ruleops.ecs import load_ecs  # noqa: PLC0415 -- on first use
    from ruleops.kql.field_types import kql_field_types  # noqa: PLC0415 -- on first use
    from ruleops.kql.typecheck import check_types  # noqa: PLC0415 -- on first use
    from ruleops.query.fieldcheck import check_condition  # noqa: PLC0415 -- on first use

    ecs = load_ecs().with_definitions(given) if given else load_ecs()
    return [
        *check_condition(parsed, ecs=ecs, dialect="kql"),
        *check_types(parsed, kql_field_types(ecs.fields)),
    ]


def _esql_findings(parsed: Any, given: Mapping[str, str]) -> list[QueryFinding]:
    from ruleops.ecs import load_ecs  # noqa: PLC0415 -- on first use
    from ruleops.es_types import esql_type  # noqa: PLC0415 -- on first use
    from ruleops.esql.verify import verify  # noqa: PLC0415 -- on first use

    ecs = load_ecs().with_definitions(given) if given else load_ecs()

    def source(name: str) -> str | None:
        kind = ecs.field_type(name)
        if kind is None:
            return None if ecs.is_checked(name) else "unknown"
        typed = esql_type(kind)
        return "unknown" if typed == "unsupported" else typed

    return list(verify(parsed, source, ecs.suggest))


def _evaluate_eql(query: str, events: list[Mapping[str, Any]], given: Mapping[str, str]):
    from ruleops.eql.ast import EventQuery  # noqa: PLC0415 -- on first use
    from ruleops.eql.execute import compile_query  # noqa: PLC0415 -- on first use
    from ruleops.eql.parser import parse_eql  # noqa: PLC0415 -- on first use
    from ruleops.query.evaluate import EvaluationError  # noqa: PLC0415 -- on first use

    parsed = parse_eql(query)
    try:
        # Only the caller's types: with a mapping, an optional field it lacks reads null.
        executor = compile_query(parsed, field_types=dict(given) if given else None)
        results = executor.run(events)
    except EvaluationError as error:
        raise ValueError(str(error)) from None
    if isinstance(parsed.body, EventQuery):
        return [result.events[0] for result in results]
    return [list(result.events) for result in results]


def _evaluate_kql(query: str, events: list[Mapping[str, Any]], given: Mapping[str, str]):
    from ruleops.kql.parser import parse_kql  # noqa: PLC0415 -- on first use
    from ruleops.kql.rule_types import compile_rule_type  # noqa: PLC0415 -- on first use
    from ruleops.query.evaluate import EvaluationError  # noqa: PLC0415 -- on first use

    parse_kql(query)  # a syntax error is raised as such
    try:
        rule = compile_rule_type({"type": "query", "query": query}, _known_types(given))
        alerts = rule.run(events)
    except EvaluationError as error:
        raise ValueError(str(error)) from None
    return [alert.events[0] for alert in alerts]


def _evaluate_esql(
    query: str,
    events: list[Mapping[str, Any]],
    field_types: Mapping[str, str] | None,
    mapping: Any,
):
    from ruleops.ecs import load_ecs  # noqa: PLC0415 -- on first use
    from ruleops.esql.evaluate import EsqlError  # noqa: PLC0415 -- on first use
    from ruleops.esql.parser import parse_esql  # noqa: PLC0415 -- on first use
    from ruleops.esql.pipeline import compile_query  # noqa: PLC0415 -- on first use
    from ruleops.esql.source import FieldTypes, default_field_types, event_table  # noqa: PLC0415 -- on first use
    from ruleops.esql.values import to_json  # noqa: PLC0415 -- on first use
    from ruleops.mapping import flatten_mapping  # noqa: PLC0415 -- on first use

    parsed = parse_esql(query)
    mapped = flatten_mapping(mapping) if mapping is not None else {}
    given = dict(field_types or {})
    ecs = load_ecs()
    base = default_field_types(mapped)
    types = FieldTypes(
        mapped,
        lambda name: given.get(name) or ecs.field_type(name),
        base.multi_fields,
    )
    table = event_table(events, types, query=parsed, strict=mapping is not None)
    try:
        result = compile_query(query, {"*": table}).run()
    except EsqlError as error:
        raise ValueError(error.reason) from None
    names = [name for name, _ in result.columns]
    kinds = [kind for _, kind in result.columns]
    return [
        {name: to_json(value, kind) for name, value, kind in zip(names, row, kinds, strict=True)}
        for row in result.rows
    ]
