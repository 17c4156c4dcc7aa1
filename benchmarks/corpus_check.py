"""`ruleops check` on the whole corpus: cold and warm, peak memory, and growth with size.

    python benchmarks/corpus_check.py [--rules DIR] [--repeat N]

Every figure is the wall time of a fresh `python -m ruleops check` process, as a commit hook
or CI step would run it, best of --repeat runs:
- cold: no cache (`--no-cache`), every check on every rule;
- warm: a second run over unchanged files, answered from the content-hash cache;
- peak memory: the largest resident set of the run's processes (workers included);
- growth: 1x, 2x and 4x the corpus (copies with fresh rule_ids and names), cold.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

DEFAULT_RULES = Path(__file__).resolve().parents[1].parent / "shared/corpus/detection-rules/rules"
_RULE_ID = re.compile(r'^(rule_id\s*=\s*)"[^"]*"', re.MULTILINE)
_NAME = re.compile(r'^(name\s*=\s*)"([^"]*)"', re.MULTILINE)

# Runs `ruleops check` in a child process and prints its wall time and peak RSS (children's).
_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(wall, peak, code)
"""


def measure(args: list[str], cwd: Path) -> tuple[float, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "ruleops", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def best(args: list[str], cwd: Path, repeat: int) -> tuple[float, int, int]:
    runs = [measure(args, cwd) for _ in range(repeat)]
    wall = min(r[0] for r in runs)
    return wall, max(r[1] for r in runs), runs[-1][2]


def copy_corpus(rules: Path, target: Path, times: int) -> None:
    """`times` copies of the corpus; each copy after the first gets fresh ids and names."""
    for copy in range(times):
        for path in rules.rglob("*.toml"):
            text = path.read_text(encoding="utf-8")
            if copy:
                text = _RULE_ID.sub(lambda m: f'{m.group(1)}"{uuid.uuid4()}"', text, count=1)
                text = _NAME.sub(
                    lambda m, n=copy: f'{m.group(1)}"{m.group(2)} (copy {n})"', text, count=1
                )
            destination = target / f"copy{copy}" / path.relative_to(rules)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.rules.is_dir():
        print(f"no corpus at {args.rules}", file=sys.stderr)
        return 2
    count = sum(1 for _ in args.rules.rglob("*.toml"))
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; corpus: {count} rules"
    )
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / "pyproject.toml").write_text("[tool.ruleops]\n")
        shutil.copytree(args.rules, work / "corpus")
        target = ["check", "corpus", "--format", "json"]
        cold = best([*target, "--no-cache"], work, args.repeat)
        measure(target, work)  # fills the cache
        warm = best(target, work, args.repeat)
        one = best(
            ["check", "--no-cache", next((work / "corpus").rglob("*.toml")).as_posix()],
            work,
            args.repeat,
        )
        print()
        print(f"{'measure':<34}{'wall s':>10}{'peak MB':>10}{'exit':>6}")
        for label, (wall, peak, code) in (
            ("check, one rule (commit hook)", one),
            (f"check, {count} rules, cold", cold),
            (f"check, {count} rules, warm (cache)", warm),
        ):
            print(f"{label:<34}{wall:>10.2f}{peak / 1024:>10.0f}{code:>6}")
        print()
        print(f"{'growth (cold)':<34}{'rules':>10}{'wall s':>10}{'s / 1k rules':>14}")
        for times in (1, 2, 4):
            grown = work / f"grown{times}"
            copy_corpus(args.rules, grown, times)
            wall, _, _ = best(["check", str(grown), "--format", "json", "--no-cache"], work, 1)
            rules = count * times
            print(f"{f'{times}x corpus':<34}{rules:>10}{wall:>10.2f}{wall / rules * 1000:>14.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
