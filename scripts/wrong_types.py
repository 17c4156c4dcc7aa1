"""The long wrong-type run: a value of every other type at every key path of the corpus's
rules, and of the example rules run with their whole fixtures and drafted by `fixtures
generate`, held to one property: nothing crashes (no RO003, no exception).

    python scripts/wrong_types.py [--rules-per-path N] [--seconds S]

For each key path the production rules use, N rules that have it (default 13: about the
2,400 files of issue 18) each get every wrong value at that key and go through every
per-rule check. The example rules (every rule type and language, each with a fixture) get
the same at every key and also run their fixtures and a fixture draft. Prints the figures
and every crash; exits 1 when there is one. tests/test_wrong_types.py runs a short version.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ruleops.checks import load_all_checks
from ruleops.config import load_config
from ruleops.fixtures.load import load_fixture
from tests.wrong_types import crashes, dotted, key_paths, variants

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "detection-rules" / "rules"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules-per-path", type=int, default=13)
    parser.add_argument("--seconds", type=float, default=3600, help="time budget")
    args = parser.parse_args()
    deadline = time.monotonic() + args.seconds
    load_all_checks()
    config = load_config(REPO)
    found: list[tuple[str, str, object, str]] = []
    files = 0
    started = time.perf_counter()
    for path in sorted((REPO / "rules").rglob("*.toml")):
        fixture = load_fixture(REPO / "tests" / "rules" / path.relative_to(REPO / "rules"))
        for key, value, text in variants(path.read_text(encoding="utf-8"), every_type=True):
            files += 1
            for crash in crashes(text, path, config, fixture.fixture, draft=True):
                found.append((path.name, key, value, crash))
    print(f"example rules: {files} wrong-type files in {time.perf_counter() - started:.1f} s")
    by_path: dict[str, list[Path]] = defaultdict(list)
    if CORPUS.is_dir():
        for path in sorted(CORPUS.rglob("*.toml")):
            for key, _ in key_paths(tomllib.loads(path.read_text(encoding="utf-8"))):
                if len(by_path[dotted(key)]) < args.rules_per_path:
                    by_path[dotted(key)].append(path)
    started, before = time.perf_counter(), files
    for key, paths in by_path.items():
        for path in paths:
            if time.monotonic() > deadline:
                break
            text = path.read_text(encoding="utf-8")
            for _, value, changed in variants(text, only=key, every_type=True):
                files += 1
                found += [(path.name, key, value, c) for c in crashes(changed, path, config)]
    print(
        f"corpus: {files - before} wrong-type files over {len(by_path)} key paths in "
        f"{time.perf_counter() - started:.1f} s"
    )
    for name, key, value, crash in found:
        print(f"CRASH {name} {key} = {value!r}: {crash}")
    print(f"{len(found)} crashes in {files} files")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
