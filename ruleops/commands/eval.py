"""`ruleops eval QUERY EVENTS...`: run an EQL or ES|QL query over events, as Elasticsearch
would.

Events come from NDJSON files or files holding one JSON array (`-` reads stdin). EQL matches
are printed as NDJSON: one line per matching event, or per sequence/sample a JSON list of its
events (null for a missing-event placeholder). `--format json` prints one document.
`--explain` says, for every event, why it does or does not satisfy each condition.

`--language esql` runs an ES|QL query (its FROM reads the events) and prints one JSON
object per result row, keys in column order, values as Elasticsearch returns them; the
warnings Elasticsearch would send go to stderr; `--explain` names the command that dropped
each event.

Field types come from ECS, the configuration's `field_definitions` and `mapping`, and
`--mapping FILE` (the JSON of `GET index/_mapping` or its `properties`), which wins; a
mapping's multi-fields are read from their parent (`languages.long` from `languages`).
EQL runs with types only where a mapping gives them.

Exit codes: EQL 0 at least one match, 1 no match; ES|QL 0 when the query ran; 2 bad query
(or one ruleops does not evaluate), bad input or usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruleops.commands import add_config_argument, load_configuration
from ruleops.commands.events import InputError, read_events
from ruleops.commands.parse import report_syntax_error
from ruleops.ecs import Ecs, ecs_for
from ruleops.eql.ast import EventQuery
from ruleops.eql.execute import compile_query
from ruleops.eql.parser import EqlSyntaxError, parse_eql
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ruleops.mapping import MappedField, MappingError, load_mapping
from ruleops.query.ast import And, Compare, Field, Literal
from ruleops.query.evaluate import EvaluationError
from ruleops.query.explain import explain


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="run an EQL or ES|QL query over events (NDJSON / JSON array) and print the results",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("query", help="the query (use quotes)")
    p.add_argument(
        "--language",
        choices=("eql", "kql", "esql"),
        default="eql",
        help="the query's language (default: eql)",
    )
    p.add_argument(
        "--mapping",
        default=None,
        help="an index mapping (JSON of GET index/_mapping) giving the events' field types",
    )
    add_config_argument(p)
    p.add_argument(
        "--now",
        default=None,
        help="ES|QL: the moment NOW() returns (ISO-8601; default: the current time)",
    )
    p.add_argument("events", nargs="+", help="event files: NDJSON or a JSON array; '-' for stdin")
    p.add_argument(
        "--timestamp-field",
        default="@timestamp",
        help="field ordering events in time (default: @timestamp)",
    )
    p.add_argument(
        "--tiebreaker-field",
        default=None,
        help="field ordering events with equal timestamps (default: none)",
    )
    p.add_argument(
        "--category-field",
        default="event.category",
        help="field the event category is read from (default: event.category)",
    )
    p.add_argument("--size", type=int, default=None, help="at most this many results")
    p.add_argument(
        "--max-samples-per-key",
        type=int,
        default=1,
        help="samples per join-key combination (sample queries; default 1)",
    )
    p.add_argument(
        "--format",
        choices=("ndjson", "json"),
        default="ndjson",
        help="ndjson: one line per match (default); json: one document",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="explain, for every event, which condition matched or rejected it",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        ecs, mapping = field_context(args)
    except MappingError as error:
        print(f"ruleops: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.language == "esql":
        from ruleops.commands.eval_esql import run_esql  # noqa: PLC0415 -- per language

        return run_esql(args, ecs, mapping)
    if args.language == "kql":
        return _run_kql(args, {**ecs.fields, **_types(mapping)})

    try:
        query = parse_eql(args.query)
    except EqlSyntaxError as error:
        report_syntax_error(error, "query")
        return EXIT_USAGE
    mapped = _types({**ecs.mapped, **(mapping or {})})
    sourced = _sourced(args)
    if sourced is None:
        return EXIT_USAGE
    try:
        executor = compile_query(
            query, category_field=args.category_field, field_types=mapped or None
        )
        if args.explain:
            _explain_all(query, sourced, args.category_field)
            return EXIT_OK
        results = executor.run(
            [event for _, _, event in sourced],
            timestamp_field=args.timestamp_field,
            tiebreaker_field=args.tiebreaker_field,
            size=args.size,
            max_samples_per_key=args.max_samples_per_key,
        )
    except EvaluationError as error:
        print(f"query: {error}", file=sys.stderr)
        return EXIT_USAGE
    single = _is_event_query(query)
    documents: list[Any] = [r.events[0] if single else list(r.events) for r in results]
    join_keys = None if single else [list(r.join_keys) for r in results]
    return _write_matches(args.format, documents, join_keys)


def field_context(args: argparse.Namespace) -> tuple[Ecs, dict[str, MappedField] | None]:
    """ECS with the configuration's field definitions and mappings, and the `--mapping`
    file's fields (None without one). Raises MappingError for an unusable file."""
    ecs = ecs_for(load_configuration(args))
    return ecs, load_mapping(Path(args.mapping)) if args.mapping else None


def _types(mapping: Mapping[str, MappedField] | None) -> dict[str, str]:
    return {name: mapped.type for name, mapped in (mapping or {}).items()}


def _run_kql(args: argparse.Namespace, types: Mapping[str, str]) -> int:
    """A KQL query as a query rule runs it: each event it matches, with the field types
    deciding what each condition means (ruleops.kql.rule_types)."""
    from ruleops.kql.rule_types import compile_rule_type  # noqa: PLC0415 -- per language
    from ruleops.query.syntax_error import QuerySyntaxError  # noqa: PLC0415 -- per language

    try:
        rule = compile_rule_type({"type": "query", "query": args.query}, types)
    except QuerySyntaxError as error:
        report_syntax_error(error, "query")
        return EXIT_USAGE
    sourced = _sourced(args)
    if sourced is None:
        return EXIT_USAGE
    if args.explain:
        for path, line, event in sourced:
            print(f"{path}:{line}")
            text = explain(rule.condition, event, dialect="kql", field_types=rule.field_types)
            sys.stdout.write(text.text(indent=0) + "\n")
        return EXIT_OK
    try:
        alerts = rule.run([event for _, _, event in sourced], timestamp_field=args.timestamp_field)
    except EvaluationError as error:
        print(f"query: {error}", file=sys.stderr)
        return EXIT_USAGE
    return _write_matches(args.format, [alert.events[0] for alert in alerts][: args.size], None)


def _sourced(args: argparse.Namespace) -> list[tuple[str, int, Mapping]] | None:
    """The events of every file given, with where each came from; None after an error."""
    try:
        return [item for path in args.events for item in read_events(path)]
    except InputError as error:
        print(f"ruleops: {error}", file=sys.stderr)
        return None


def _write_matches(form: str, documents: list[Any], join_keys: list[Any] | None) -> int:
    """The matches as NDJSON or one JSON document; 0 when there is one, else 1."""
    if form == "json":
        document = {"matches": documents, "count": len(documents), "join_keys": join_keys}
        json.dump(document, sys.stdout, ensure_ascii=False, default=str, indent=2)
        sys.stdout.write("\n")
    else:
        for match in documents:
            sys.stdout.write(json.dumps(match, ensure_ascii=False, default=str) + "\n")
    return EXIT_OK if documents else EXIT_FINDINGS


def _is_event_query(query: Any) -> bool:
    return isinstance(query.body, EventQuery)


def _explain_all(query: Any, sourced: list[tuple[str, int, Mapping]], category_field: str) -> None:
    body = query.body
    clauses = [body] if isinstance(body, EventQuery) else [c.query for c in body.clauses]
    if not isinstance(body, EventQuery) and getattr(body, "until", None) is not None:
        clauses.append(body.until.query)
    category_path = Field(tuple(category_field.split(".")))
    for path, line, event in sourced:
        print(f"{path}:{line}")
        for index, clause in enumerate(clauses):
            condition = clause.condition
            if clause.category is not None:
                condition = And((Compare("==", category_path, Literal(clause.category)), condition))
            label = (
                "" if len(clauses) == 1 else f"  clause {index + 1} [{clause.category or 'any'}]\n"
            )
            text = explain(condition, event).text(indent=1 if label else 0)
            sys.stdout.write(label + text + "\n")
