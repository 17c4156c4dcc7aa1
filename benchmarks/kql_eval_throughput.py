"""Throughput of KQL evaluation: ruleops versus the `eql` package's PythonEngine.

The `eql` package has no KQL, so the peer runs each KQL rule written out as the equivalent
EQL condition (`f:v` → `f like "v"`, `f:*` → `f != null`, quoted values → `==`); rules that
use what EQL cannot say (field-name wildcards, values searched in every field), that the peer
rejects, or that read a field the generated events hold as an object (the peer raises there)
are left out for both engines. Events are generated as in eval_throughput.py, from the fields
and values the rules use.

    python benchmarks/kql_eval_throughput.py [--events N] [--rules PATH] [--seed S]

Times are CPU time of this process (both engines run in it, one after the other), so that
a loaded machine does not change the figures as it changes the wall clock.
"""

from __future__ import annotations

import sys
import time
import tomllib
from pathlib import Path

from ruleops.ecs import load_ecs
from ruleops.eql.ast import EventQuery, Query
from ruleops.kql.field_types import kql_field_types
from ruleops.kql.parser import KqlSyntaxError, parse_kql
from ruleops.query.ast import And, Compare, Exists, Field, Literal, Match, Not, Or, fields
from ruleops.query.evaluate import compile_condition

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_throughput import arguments, generate_events, harvest, report, stream_counting  # noqa: E402


class Untranslatable(Exception):
    pass


def eql_text(expr) -> str:
    """The condition as EQL source, for the peer engine."""
    match expr:
        case Field(path=path):
            if any("*" in part for part in path):
                raise Untranslatable("field-name wildcard")
            return ".".join(path)
        case Literal(value=value):
            return _literal(value)
        case Match(value=value, patterns=patterns, kind=kind):
            field = eql_text(value)
            options = ", ".join(_literal(p) for p in patterns)
            if kind == "wildcard":
                return f"{field} like ({options})"
            return f"{field} in ({options})"
        case Exists(field=field):
            return f"{eql_text(field)} != null"
        case Compare(op=op, left=left, right=right):
            return f"{eql_text(left)} {op} {eql_text(right)}"
        case Not(operand=operand):
            return f"not ({eql_text(operand)})"
        case And(operands=operands):
            return " and ".join(f"({eql_text(o)})" for o in operands)
        case Or(operands=operands):
            return " or ".join(f"({eql_text(o)})" for o in operands)
    raise Untranslatable(type(expr).__name__)


def _literal(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_rules(rules_dir: Path) -> list[tuple[str, str, object]]:
    """(path, EQL text for the peer, condition) of every KQL rule both engines can run."""
    rules = []
    for path in sorted(rules_dir.rglob("*.toml")):
        rule = tomllib.loads(path.read_text(encoding="utf-8")).get("rule", {})
        if rule.get("language") != "kuery" or not isinstance(rule.get("query"), str):
            continue
        try:
            condition = parse_kql(rule["query"])
            text = f"any where {eql_text(condition)}"
        except (KqlSyntaxError, Untranslatable):
            continue
        rules.append((str(path), text, Query(EventQuery(None, condition))))
    return rules


def _reads_an_object(condition, leaves: list[tuple[str, ...]]) -> bool:
    return any(
        len(leaf) > len(f.path) and leaf[: len(f.path)] == f.path
        for f in fields(condition)
        for leaf in leaves
    )


def bench_ruleops(rules: list, events: list[dict]) -> tuple[float, int]:
    # the field types the KQL rule executor runs with (ECS and integration text fields)
    types = kql_field_types(load_ecs().fields)
    start = time.process_time()
    tests = [
        compile_condition(query.body.condition, dialect="kql", field_types=types)
        for _, _, query in rules
    ]
    matches = sum(1 for event in events for test in tests if test(event))
    return time.process_time() - start, matches


def peer_queries(rules: list, sample: list[dict]) -> list[tuple[object, object]]:
    """The rules the peer can run: it parses them and survives a sample of the events
    (it raises on some values, e.g. an object where it expects a string)."""
    import eql  # noqa: PLC0415 -- optional: the eql peer (bench extra)

    usable = []
    with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        for rule in rules:
            try:
                query = eql.parse_query(rule[1])
                trial = eql.PythonEngine()
                trial.add_query(query)
                trial.stream_events([_wrap(e) for e in sample], finalize=True)
            except (eql.EqlError, TypeError, AttributeError):
                continue
            usable.append((rule, query))
    return usable


def _wrap(event: dict):
    import eql  # noqa: PLC0415 -- optional: the eql peer (bench extra)

    return eql.Event(event["event"]["category"], event["@timestamp"], event)


def bench_eql(queries: list, events: list[dict]) -> tuple[float, int]:
    import eql  # noqa: PLC0415 -- optional: the eql peer (bench extra)

    start = time.process_time()
    engine = eql.PythonEngine()
    for query in queries:
        engine.add_query(query)
    matches = stream_counting(engine, events)
    return time.process_time() - start, matches


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv, __doc__.split("\n\n")[0])
    if args is None:
        return 2
    rules = load_rules(args.rules)
    categories, values = harvest(rules)
    # A path is either a value or an object in an event, never both (the peer fails on
    # an object where a rule expects a value).
    values = {
        path: pool
        for path, pool in values.items()
        if not any(len(other) > len(path) and other[: len(path)] == path for other in values)
        and path[0] not in ("event", "host", "@timestamp")
    }
    leaves = [*values, ("event", "category"), ("event", "type"), ("host", "os", "type")]
    rules = [rule for rule in rules if not _reads_an_object(rule[2].body.condition, leaves)]
    events = generate_events(args.events, categories or ["process"], values, args.seed)
    try:
        usable = peer_queries(rules, events[:200])
    except ImportError:
        print("eql is not installed (pip install -e '.[bench]'); ruleops alone:")
        usable = [(rule, None) for rule in rules]
    same = [rule for rule, _ in usable]
    print(f"{len(same)} KQL rules both engines run, {len(events):,} generated events")
    ours, our_matches = bench_ruleops(same, events)
    report("ruleops", len(events), ours, our_matches)
    if usable and usable[0][1] is None:
        return 0
    theirs, their_matches = bench_eql([query for _, query in usable], events)
    report("eql", len(events), theirs, their_matches)
    print(f"speed-up   {theirs / ours:.1f}x")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
