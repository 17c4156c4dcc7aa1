"""EQL parse throughput: ruleops vs the `eql` package (PyPI), on the corpus's EQL queries.

    python benchmarks/eql_parse.py [--rules DIR] [--repeat N]

Both parsers see the same queries in one run. ruleops' memo cache is bypassed (each query is
really parsed); its one-off grammar build is timed separately. `eql` is a benchmark-only
dependency (`pip install -e '.[bench]'`); ruleops never imports it.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

DEFAULT_RULES = Path(__file__).resolve().parents[1].parent / "shared/corpus/detection-rules/rules"


def load_queries(rules: Path) -> list[str]:
    queries = []
    for path in sorted(rules.rglob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if "eql" not in text:
            continue
        rule = tomllib.loads(text).get("rule", {})
        if rule.get("language") == "eql" and isinstance(rule.get("query"), str):
            queries.append(rule["query"])
    return queries


def best_of(repeat: int, run) -> tuple[float, int]:
    """(best wall time, queries parsed without error) over `repeat` runs."""
    best, ok = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        ok = run()
        best = min(best, time.perf_counter() - start)
    return best, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.rules.is_dir():
        print(f"no rules folder at {args.rules}", file=sys.stderr)
        return 2
    queries = load_queries(args.rules)
    print(f"{len(queries)} EQL queries from {args.rules}")

    from ruleops.eql import parser as ruleops_parser

    start = time.perf_counter()
    ruleops_parser._parser()
    build = time.perf_counter() - start
    uncached = ruleops_parser.parse_eql.__wrapped__

    def run_ruleops() -> int:
        ok = 0
        for query in queries:
            try:
                uncached(query)
                ok += 1
            except ruleops_parser.EqlSyntaxError:
                pass
        return ok

    ours, ours_ok = best_of(args.repeat, run_ruleops)

    try:
        import eql
    except ImportError:
        print("the `eql` package is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    def run_eql() -> int:
        ok = 0
        with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
            for query in queries:
                try:
                    eql.parse_query(query)
                    ok += 1
                except eql.EqlError:
                    pass
        return ok

    theirs, theirs_ok = best_of(args.repeat, run_eql)

    rate_ours, rate_theirs = len(queries) / ours, len(queries) / theirs
    print(f"{'parser':<22}{'queries/s':>12}{'ms/query':>10}{'parsed':>9}")
    print(f"{'ruleops (LALR)':<22}{rate_ours:>12,.0f}{1000 / rate_ours:>10.3f}{ours_ok:>9}")
    print(
        f"{'eql ' + eql.__version__:<22}{rate_theirs:>12,.0f}{1000 / rate_theirs:>10.3f}"
        f"{theirs_ok:>9}"
    )
    print(
        f"ruleops is {rate_ours / rate_theirs:.1f}x faster; grammar build {build * 1000:.0f} ms "
        "(once per process)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
