"""Time the KQL front end over the corpus: grammar build, cold parses, memoised parses, and
the KQL rule check (parse + pitfalls + ECS fields) per rule.

python benchmarks/kql_parse.py [RULES_FOLDER]
"""

from __future__ import annotations

import sys
import time
import tomllib
from pathlib import Path

from ruleops.checks.kql import kql_query
from ruleops.config import Config
from ruleops.kql import parser
from ruleops.loading import load_rule

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    paths, queries = [], []
    for path in sorted(folder.rglob("*.toml")):
        rule = tomllib.loads(path.read_text(encoding="utf-8")).get("rule", {})
        if rule.get("language") == "kuery":
            paths.append(path)
            queries.append(rule["query"])
            if rule.get("threat_query"):
                queries.append(rule["threat_query"])

    start = time.perf_counter()
    parser._parser()
    built = time.perf_counter() - start

    start = time.perf_counter()
    for query in queries:
        parser.parse_kql(query)
    cold = time.perf_counter() - start

    start = time.perf_counter()
    for query in queries:
        parser.parse_kql(query)
    warm = time.perf_counter() - start

    rules = [load_rule(p).rule for p in paths]
    config = Config()
    start = time.perf_counter()
    found = sum(len(list(kql_query(rule, config))) for rule in rules if rule is not None)
    checked = time.perf_counter() - start

    print(f"{len(queries)} KQL queries in {len(paths)} rules")
    print(f"grammar build      {built * 1000:8.1f} ms")
    print(f"parse (cold)       {cold * 1000:8.1f} ms  ({cold / len(queries) * 1e6:.0f} µs/query)")
    print(f"parse (memoised)   {warm * 1000:8.1f} ms")
    print(f"kql check, all     {checked * 1000:8.1f} ms  ({found} diagnostics)")


if __name__ == "__main__":
    main()
