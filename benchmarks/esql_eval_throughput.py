"""Throughput of ES|QL evaluation: the corpus's ES|QL rules over generated events.

Every ES|QL rule of the corpus that ruleops evaluates is compiled once and run over the same
generated events (field values drawn from the values the rules' WHERE conditions compare
with, as in eval_throughput.py), the way `ruleops test` runs a rule: events → source table
(types from ECS, doc values) → the compiled plan. The figure is source rows per second
summed over the rules. No peer evaluates ES|QL offline, so there is no second column.

    python benchmarks/esql_eval_throughput.py [--events N] [--rules PATH] [--seed S]
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

from ruleops.esql.evaluate import EsqlError
from ruleops.esql.lower import lowered_conditions
from ruleops.esql.parser import EsqlSyntaxError, parse_esql
from ruleops.esql.pipeline import compile_query
from ruleops.esql.source import default_field_types, event_table
from ruleops.query.ast import Compare, Field, InSet, Literal, Match, walk

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_throughput import arguments, generate_events


def load_rules(rules_dir: Path) -> list[tuple[str, str]]:
    rules = []
    for path in sorted(rules_dir.rglob("*.toml")):
        rule = tomllib.loads(path.read_text(encoding="utf-8")).get("rule", {})
        if rule.get("language") == "esql" and isinstance(rule.get("query"), str):
            rules.append((str(path.relative_to(rules_dir)), rule["query"]))
    return rules


def harvest(queries: list) -> tuple[list[str], dict]:

    values: dict = {}
    for query in queries:
        for condition in lowered_conditions(query):
            for node in walk(condition):
                if isinstance(node, Compare) and isinstance(node.left, Field):
                    if isinstance(node.right, Literal):
                        values.setdefault(node.left.path, []).append(node.right.value)
                elif isinstance(node, Match) and isinstance(node.value, Field):
                    values.setdefault(node.value.path, []).extend(
                        p.replace("*", "x").replace("?", "y") for p in node.patterns
                    )
                elif isinstance(node, InSet) and isinstance(node.value, Field):
                    values.setdefault(node.value.path, []).extend(
                        o.value for o in node.options if isinstance(o, Literal)
                    )
    return ["process", "network", "authentication", "iam", "file"], values


def main(argv: list[str] | None = None) -> int:

    args = arguments(argv, __doc__.split("\n\n")[0])
    if args is None:
        return 2
    parsed = []
    skipped: Counter[str] = Counter()
    for path, text in load_rules(args.rules):
        try:
            parsed.append((path, text, parse_esql(text)))
        except EsqlSyntaxError:
            skipped["does not parse"] += 1
    categories, values = harvest([q for _, _, q in parsed])
    events = generate_events(args.events, categories, values, args.seed)
    types = default_field_types()
    print(f"{len(parsed)} ES|QL rules, {len(events):,} generated events")
    rows_in = rows_out = 0
    rules_run = 0
    elapsed = 0.0
    for _path, text, query in parsed:
        started = time.perf_counter()
        try:
            table = event_table(events, types, query=query)
            result = compile_query(text, {"*": table}).run(now=1_700_000_000_000 + len(events))
        except EsqlError as error:
            skipped[type(error).__name__ + ": " + error.message.split(":")[0][:60]] += 1
            continue
        elapsed += time.perf_counter() - started
        rules_run += 1
        rows_in += len(events)
        rows_out += len(result.rows)
    print(
        f"ruleops   {rows_in / elapsed:>12,.0f} rows/s  ({elapsed:.2f} s for {rules_run} rules "
        f"× {len(events):,} events, {rows_out:,} result rows)"
    )
    for reason, count in skipped.most_common():
        print(f"  not run: {count:3d}  {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
