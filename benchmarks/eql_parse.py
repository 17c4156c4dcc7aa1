"""EQL parse throughput: ruleops vs the `eql` package (PyPI), on the corpus's EQL queries.

    python benchmarks/eql_parse.py [--rules DIR] [--repeat N]

Both parsers see the same queries in one run. ruleops' memo cache is bypassed (each query is
really parsed); its one-off grammar build is timed separately. Times are CPU time, best of
--repeat interleaved runs. `eql` is a benchmark-only dependency (`pip install -e '.[bench]'`);
ruleops never imports it.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

from ruleops.eql import parser as ruleops_parser

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


def timed(run) -> tuple[float, int]:
    """(CPU seconds, queries parsed without error). CPU time, not wall time: a shared
    machine's load would otherwise decide the ratio."""
    start = time.process_time()
    ok = run()
    return time.process_time() - start, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.rules.is_dir():
        print(f"no rules folder at {args.rules}", file=sys.stderr)
        return 2
    queries = load_queries(args.rules)
    print(f"{len(queries)} EQL queries from {args.rules}")

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

    try:
        import eql  # noqa: PLC0415 -- optional: the eql peer (bench extra)
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

    # Interleaved, best of N each: both parsers see the same machine conditions.
    ours = theirs = float("inf")
    ours_ok = theirs_ok = 0
    for _ in range(args.repeat):
        seconds, ours_ok = timed(run_ruleops)
        ours = min(ours, seconds)
        seconds, theirs_ok = timed(run_eql)
        theirs = min(theirs, seconds)

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
