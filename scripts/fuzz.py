"""The long fuzz run: grammar-generated and mutated queries in EQL, KQL and ES|QL, and
mutated corpus rule files, held to the properties of tests/query_fuzz.py.

    python scripts/fuzz.py [--queries N] [--rules N] [--rule-files N] [--seconds S] [--seed K]
                           [--language eql|kuery|esql ...]

Per language, N queries (half generated from the grammar, half mutations of the corpus's
queries) are parsed, and every query that parses goes on, one in N/rules, into a rule
checked by every per-rule check and drafted by `fixtures generate`. Then mutated copies of
corpus rule files (the query or any other text of the file edited) go through the same. The
run stops early at the time budget. It prints the figures and every violation, and exits 1
when there is one. The CI test (tests/test_fuzz.py) runs the same properties briefly.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.query_fuzz import (
    CORPUS,
    Findings,
    check_query,
    check_rule_text,
    corpus_queries,
    languages,
    mutate,
    rule_text,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100_000, help="queries per language")
    parser.add_argument("--rules", type=int, default=2_000, help="rules checked per language")
    parser.add_argument("--rule-files", type=int, default=2_000, help="mutated rule files")
    parser.add_argument("--seconds", type=float, default=3600, help="time budget")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--language", action="append", help="eql, kuery or esql (default all)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(
            f"no corpus at {CORPUS}: queries are generated from the grammars only, and no "
            "corpus query or rule file is mutated",
            file=sys.stderr,
        )
    deadline = time.monotonic() + args.seconds
    r = random.Random(args.seed)
    failed = False
    for name, language in languages().items():
        if args.language and name not in args.language:
            continue
        found = Findings()
        corpus = corpus_queries(name)
        every = max(1, args.queries // max(1, args.rules))
        check_query(language, corpus[0] if corpus else "", Findings())  # builds the parser
        started = time.perf_counter()
        for number in range(args.queries):
            if time.monotonic() > deadline:
                break
            mutated = corpus and number % 2
            query = mutate(r, r.choice(corpus)) if mutated else language.generate(r)
            if check_query(language, query, found) and number % every == 0:
                check_rule_text(rule_text(language, query), found)
        failed |= report(name, found, time.perf_counter() - started)
    found = Findings()
    files = sorted(CORPUS.rglob("*.toml")) if CORPUS.is_dir() else []
    started = time.perf_counter()
    for _ in range(args.rule_files if files else 0):
        if time.monotonic() > deadline:
            break
        check_rule_text(mutate(r, r.choice(files).read_text(encoding="utf-8")), found)
    failed |= report("rule files", found, time.perf_counter() - started)
    return 1 if failed else 0


def report(name: str, found: Findings, elapsed: float) -> bool:
    print(
        f"{name}: {found.queries:,} queries ({found.parsed:,} parsed), {found.rules:,} rules "
        f"checked and drafted in {elapsed:.0f} s; slowest parse {found.slowest_parse:.3f} s, "
        f"check {found.slowest_check:.2f} s, generate {found.slowest_generate:.2f} s; "
        f"{len(found.problems)} problems"
    )
    for problem in found.problems:
        print("  " + problem[:2000])
    sys.stdout.flush()
    return bool(found.problems)


if __name__ == "__main__":
    raise SystemExit(main())
