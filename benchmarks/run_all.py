"""Every benchmark in one run: `python benchmarks/run_all.py [--quick]`.

Prints each benchmark's table in turn: whole-corpus `ruleops check` (cold, warm, one file,
peak memory, growth), the commit hook in a real layout (one changed rule, `--version`),
EQL, KQL and ES|QL parse throughput (ES|QL against esql-py, run from its own Python 3.13
venv: see esql_parse.py), and EQL and KQL evaluation throughput against the `eql` package
(`pip install -e '.[bench]'`). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS = (
    ("whole-corpus check", ["corpus_check.py"], ["--repeat", "1"]),
    ("commit hook in a real layout", ["commit_hook.py"], ["--runs", "3"]),
    ("EQL parse throughput", ["eql_parse.py"], ["--repeat", "1"]),
    ("KQL parse throughput", ["kql_parse.py"], []),
    ("ES|QL parse throughput", ["esql_parse.py"], ["--repeat", "1"]),
    ("EQL evaluation throughput", ["eval_throughput.py"], ["--events", "20000"]),
    ("KQL evaluation throughput", ["kql_eval_throughput.py"], ["--events", "20000"]),
    ("ES|QL evaluation throughput", ["esql_eval_throughput.py"], ["--events", "2000"]),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and events")
    args = parser.parse_args()
    failed = 0
    for title, script, quick in BENCHMARKS:
        print(f"\n== {title} ==", flush=True)
        started = time.perf_counter()
        command = [sys.executable, str(HERE / script[0]), *(quick if args.quick else [])]
        failed += subprocess.call(command) != 0
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
