"""ES|QL parse throughput: ruleops vs `esql-py` (PyPI), on the corpus's ES|QL queries.

    python benchmarks/esql_parse.py [--rules DIR] [--repeat N] [--esqlpy PYTHON]

Both parsers see the same queries in one run. esql-py needs Python >= 3.13, so it runs in its
own virtual environment, in a child process that times itself (ruleops never imports it); its
interpreter is --esqlpy, or $RULEOPS_ESQLPY, or ../venvs/esqlpy/bin/python beside the
checkout. Make one with:

    python3.13 -m venv ../venvs/esqlpy && ../venvs/esqlpy/bin/pip install esql-py

ruleops' memo cache is bypassed (each query is really parsed, source positions included);
its one-off grammar load is timed separately. Times are CPU time, best of --repeat runs each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from ruleops.esql import parser

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RULES = ROOT.parent / "shared/corpus/detection-rules/rules"
DEFAULT_ESQLPY = ROOT.parent / "venvs/esqlpy/bin/python"
MAKE_ESQLPY = "python3.13 -m venv {venv} && {venv}/bin/pip install esql-py"

# Runs in esql-py's interpreter: reads the queries (JSON on stdin), prints its best CPU time,
# the number parsed without error and its version.
_ESQLPY = """
import json, sys, time
import pyesql
queries, repeat = json.load(sys.stdin), int(sys.argv[1])
best, ok = float("inf"), 0
for _ in range(repeat):
    start, ok = time.process_time(), 0
    for query in queries:
        try:
            pyesql.parse(query)
            ok += 1
        except pyesql.EsqlError:
            pass
    best = min(best, time.process_time() - start)
print(json.dumps({"seconds": best, "ok": ok, "version": pyesql.__version__}))
"""


def load_queries(rules: Path) -> list[str]:
    queries = []
    for path in sorted(rules.rglob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if "esql" not in text:
            continue
        rule = tomllib.loads(text).get("rule", {})
        if rule.get("language") == "esql" and isinstance(rule.get("query"), str):
            queries.append(rule["query"])
    return queries


def time_ruleops(queries: list[str], repeat: int) -> tuple[float, int, float]:
    """(best CPU seconds, queries parsed, grammar load seconds)."""
    start = time.process_time()
    parser._parser()
    load = time.process_time() - start
    uncached = parser.parse_esql.__wrapped__
    best, ok = float("inf"), 0
    for _ in range(repeat):
        start, ok = time.process_time(), 0
        for query in queries:
            try:
                uncached(query)
                ok += 1
            except parser.EsqlSyntaxError:
                pass
        best = min(best, time.process_time() - start)
    return best, ok, load


def time_esqlpy(python: Path, queries: list[str], repeat: int) -> dict | str:
    """esql-py's figures, or why there are none."""
    if not python.exists():
        venv = python.parent.parent
        return f"no esql-py interpreter at {python}; make one: {MAKE_ESQLPY.format(venv=venv)}"
    run = subprocess.run(
        [str(python), "-c", _ESQLPY, str(repeat)],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        venv = python.parent.parent
        return f"esql-py failed in {python} ({last}); install it: {venv}/bin/pip install esql-py"
    return json.loads(run.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--esqlpy",
        type=Path,
        default=Path(os.environ.get("RULEOPS_ESQLPY", DEFAULT_ESQLPY)),
        help="the Python interpreter of a virtual environment holding esql-py",
    )
    args = parser.parse_args()
    if not args.rules.is_dir():
        print(f"no rules folder at {args.rules}", file=sys.stderr)
        return 2
    queries = load_queries(args.rules)
    characters = sum(len(q) for q in queries)
    print(
        f"{len(queries)} ES|QL queries from {args.rules} ({characters // len(queries)} chars each)"
    )

    ours, ours_ok, load = time_ruleops(queries, args.repeat)
    theirs = time_esqlpy(args.esqlpy, queries, args.repeat)

    rate = len(queries) / ours
    print(f"{'parser':<22}{'queries/s':>12}{'ms/query':>10}{'parsed':>9}")
    print(f"{'ruleops (LALR)':<22}{rate:>12,.0f}{1000 / rate:>10.3f}{ours_ok:>9}")
    if isinstance(theirs, str):
        print(f"esql-py: not measured: {theirs}")
        return 2
    peer = len(queries) / theirs["seconds"]
    name = "esql-py " + theirs["version"]
    print(f"{name:<22}{peer:>12,.0f}{1000 / peer:>10.3f}{theirs['ok']:>9}")
    print(
        f"ruleops is {rate / peer:.1f}x as fast; grammar load {load * 1000:.0f} ms "
        "(once per process)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
