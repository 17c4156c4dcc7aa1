"""`ruleops eval --language esql`: an ES|QL query over events (see `commands/eval.py`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping

from ruleops.commands.events import InputError, read_events
from ruleops.commands.parse import report_syntax_error
from ruleops.ecs import Ecs
from ruleops.esql.evaluate import EsqlError
from ruleops.esql.parser import EsqlSyntaxError, parse_esql
from ruleops.esql.pipeline import compile_query
from ruleops.esql.source import FieldTypes, event_table, flatten
from ruleops.esql.values import to_json
from ruleops.exits import EXIT_OK, EXIT_USAGE
from ruleops.fixtures.esql import field_types
from ruleops.kql.dates import parse_time
from ruleops.mapping import MappedField
from ruleops.query_fields import fields_of


def run_esql(args: argparse.Namespace, ecs: Ecs, mapping: Mapping[str, MappedField] | None) -> int:
    """The query over the events, with `ecs`'s field types and mappings under `mapping`
    (the `--mapping` file, which also makes a field no mapping or event has unknown)."""
    try:
        query = parse_esql(args.query)
    except EsqlSyntaxError as error:
        report_syntax_error(error, "query")
        return EXIT_USAGE
    now = None
    if args.now is not None:
        moment = parse_time(args.now)
        if moment is None:
            print(f"ruleops: --now {args.now!r} is not an ISO-8601 date", file=sys.stderr)
            return EXIT_USAGE
        now = int(moment.timestamp() * 1000)
    try:
        sourced = [item for path in args.events for item in read_events(path)]
    except InputError as error:
        print(f"ruleops: {error}", file=sys.stderr)
        return EXIT_USAGE
    events = [event for _, _, event in sourced]
    known = field_types(ecs)
    source = FieldTypes({**known.mapping, **(mapping or {})}, known.known, known.multi_fields)
    table = event_table(events, source, query=query, strict=mapping is not None)
    if mapping is None:
        _warn_unknown_columns(args.query, events, source)
    try:
        plan = compile_query(args.query, {"*": table})
        result = plan.run(now=now, explain=args.explain)
    except EsqlError as error:
        line = args.query.count("\n", 0, error.span.start) + 1
        column = error.span.start - (args.query.rfind("\n", 0, error.span.start) + 1) + 1
        print(f"query:{line}:{column}: {error.reason}", file=sys.stderr)
        return EXIT_USAGE
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.explain:
        _explain(query, sourced, result)
        return EXIT_OK
    names = [n for n, _ in result.columns]
    types = [t for _, t in result.columns]
    rows = [
        {n: to_json(v, t) for n, v, t in zip(names, row, types, strict=True)} for row in result.rows
    ]
    if args.format == "json":
        json.dump({"columns": [{"name": n, "type": t} for n, t in result.columns], "values": rows},
                  sys.stdout, ensure_ascii=False, indent=2, default=str)  # fmt: skip
        sys.stdout.write("\n")
    else:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return EXIT_OK


def _warn_unknown_columns(text: str, events: list, source: FieldTypes) -> None:
    """Without a mapping every name the query reads is a column (null where no event has
    it); a name in no event, not in ECS and not in the field definitions is most likely a
    typo, which Elasticsearch would refuse (`Unknown column [x]`) unless the index maps it."""
    present = {name for event in events for name in flatten(event)}
    for name, offset in fields_of(text, "esql").items():
        if name in present or source.lookup(name) is not None:
            continue
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        print(
            f"warning: query:{line}:{column}: `{name}` is in no event and is neither an ECS "
            "field nor a field definition: it reads as null here, and Elasticsearch rejects "
            f"the query (Unknown column [{name}]) unless the index maps it (check with --mapping)",
            file=sys.stderr,
        )


def _explain(query, sourced, result) -> None:
    """For each event: kept (it reached the results), or the command that dropped it."""
    dropped: dict[int, str] = {}
    for index, entries in result.dropped.items():
        command = query.commands[index]
        for drop in entries:
            if drop.origin is not None:
                dropped.setdefault(drop.origin, f"{command.keyword}: {drop.reason}")
    kept = {o for o in result.origins if o is not None}
    for position, (path, line, _event) in enumerate(sourced):
        if position in kept:
            state = "in the results"
        elif position in dropped:
            state = "dropped by " + dropped[position]
        else:
            state = "not in the results (aggregated, limited or expanded away)"
        print(f"{path}:{line}: {state}")
