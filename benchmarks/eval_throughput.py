"""Throughput of single-event EQL evaluation: ruleops versus the `eql` package's PythonEngine.

Takes every single-event EQL rule of the detection-rules corpus, generates N events
(default 100,000) deterministically from the fields and literals those rules use, evaluates
all rules over all events with both engines in one run, and prints events per second.

    python benchmarks/eval_throughput.py [--events N] [--rules PATH] [--seed S]

Needs the `bench` extra (`pip install -e '.[bench]'`) for the `eql` package; ruleops itself
never imports it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path

from ruleops.eql.ast import EventQuery
from ruleops.eql.parser import EqlSyntaxError, parse_eql
from ruleops.query.ast import Compare, Field, InSet, Literal, Match, walk
from ruleops.query.evaluate import compile_condition

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RULES = ROOT.parent / "shared" / "corpus" / "detection-rules" / "rules"


def load_rules(rules_dir: Path) -> list[tuple[str, str, object]]:
    """(path, query text, parsed Query) of every single-event EQL rule ruleops parses."""
    rules = []
    for path in sorted(rules_dir.rglob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        rule = data.get("rule", {})
        if rule.get("language") != "eql" or "query" not in rule:
            continue
        try:
            query = parse_eql(rule["query"])
        except EqlSyntaxError:
            continue
        if isinstance(query.body, EventQuery):
            rules.append((str(path), rule["query"], query))
    return rules


def harvest(rules: list) -> tuple[list[str], dict[tuple[str, ...], list]]:
    """Categories, and per field path the literal values the rules compare it with."""
    categories: list[str] = []
    values: dict[tuple[str, ...], list] = defaultdict(list)
    for _, _, query in rules:
        if query.body.category:
            categories.append(query.body.category)
        for node in walk(query.body.condition):
            if (
                isinstance(node, Compare)
                and isinstance(node.left, Field)
                and isinstance(node.right, Literal)
            ):
                values[node.left.path].append(node.right.value)
            elif isinstance(node, Match) and isinstance(node.value, Field):
                values[node.value.path].extend(
                    p.replace("*", "x").replace("?", "y") for p in node.patterns
                )
            elif isinstance(node, InSet) and isinstance(node.value, Field):
                values[node.value.path].extend(
                    o.value for o in node.options if isinstance(o, Literal)
                )
            elif isinstance(node, Field):
                values.setdefault(node.path, [])
    return categories, values


def generate_events(count: int, categories: list[str], values: dict, seed: int) -> list[dict]:
    rng = random.Random(seed)
    paths = sorted(values)
    os_types = ["windows", "linux", "macos"]
    events = []
    for i in range(count):
        event: dict = {"@timestamp": 1_700_000_000_000 + i}
        category = rng.choice(categories)
        _put(event, ("event", "category"), category)
        _put(event, ("host", "os", "type"), rng.choice(os_types))
        _put(event, ("event", "type"), rng.choice(["start", "creation", "change", "info"]))
        for path in rng.sample(paths, k=min(12, len(paths))):
            pool = values[path]
            if pool and rng.random() < 0.7:
                value = rng.choice(pool)
            else:
                value = f"value-{rng.randrange(1000)}.exe"
            if value is None:
                continue
            _put(event, path, value)
        events.append(event)
    return events


def _put(event: dict, path: tuple[str, ...], value: object) -> None:
    node = event
    for part in path[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = node[part] = {}
        node = nxt
    node[path[-1]] = value


def bench_ruleops(rules: list, events: list[dict]) -> tuple[float, int]:
    """Compile every rule (timed) and test each event against the rules of its category."""
    start = time.perf_counter()
    by_category: dict[str | None, list] = defaultdict(list)
    for _, _, query in rules:
        by_category[query.body.category].append(compile_condition(query.body.condition))
    any_rules = by_category.pop(None, [])
    matches = 0
    for event in events:
        for test in by_category.get(event["event"]["category"], ()):
            if test(event):
                matches += 1
        for test in any_rules:
            if test(event):
                matches += 1
    return time.perf_counter() - start, matches


def bench_eql(rule_texts: list[str], events: list[dict]) -> tuple[float, int]:
    import eql  # noqa: PLC0415 -- optional: the eql peer (bench extra)

    start = time.perf_counter()
    with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        queries = []
        for text in rule_texts:
            try:
                queries.append(eql.parse_query(text))
            except eql.EqlError:
                continue
    engine = eql.PythonEngine()
    for query in queries:
        try:
            engine.add_query(query)
        except eql.EqlError:  # e.g. cidrMatch, which the engine does not implement
            continue
    matches = stream_counting(engine, events)
    return time.perf_counter() - start, matches


def stream_counting(engine, events: list[dict]) -> int:
    """Stream the events through a PythonEngine; the number of results it emits."""
    import eql  # noqa: PLC0415 -- optional: the eql peer (bench extra)

    matches = 0

    def count(_result: object) -> None:
        nonlocal matches
        matches += 1

    engine.add_output_hook(count)
    wrapped = [eql.Event(e["event"]["category"], e["@timestamp"], e) for e in events]
    engine.stream_events(wrapped, finalize=True)
    return matches


def arguments(argv: list[str] | None, description: str) -> argparse.Namespace | None:
    """The benchmarks' shared options; None (after saying why) without a rules folder."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args(argv)
    if not args.rules.is_dir():
        print(f"rules folder not found: {args.rules}", file=sys.stderr)
        return None
    return args


def report(engine: str, events: int, seconds: float, matches: int) -> None:
    print(
        f"{engine:<9} {events / seconds:>12,.0f} events/s  ({seconds:.2f} s, {matches:,} matches)"
    )


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv, __doc__.split("\n\n")[0])
    if args is None:
        return 2
    rules = load_rules(args.rules)
    categories, values = harvest(rules)
    events = generate_events(args.events, categories, values, args.seed)
    print(f"{len(rules)} single-event EQL rules, {len(events):,} generated events")

    ours, our_matches = bench_ruleops(rules, events)
    report("ruleops", len(events), ours, our_matches)
    try:
        theirs, their_matches = bench_eql([text for _, text, _ in rules], events)
    except ImportError:
        print("eql        not installed (pip install -e '.[bench]')")
        return 0
    report("eql", len(events), theirs, their_matches)
    print(f"speed-up   {theirs / ours:.1f}x")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
