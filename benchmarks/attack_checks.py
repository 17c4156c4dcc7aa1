"""Time the ATT&CK checks over the corpus: data load once, then both checks per rule.

python benchmarks/attack_checks.py [RULES_FOLDER]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ruleops.attack import _load, load_attack
from ruleops.checks.attack import tactic_tags, threat_mapping
from ruleops.config import Config
from ruleops.discovery import discover
from ruleops.loading import load_rule

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    config = Config()
    rules = [load_rule(p).rule for p in discover([folder], config)]
    rules = [r for r in rules if r is not None]

    _load.cache_clear()
    start = time.perf_counter()
    load_attack()
    loaded = time.perf_counter() - start

    start = time.perf_counter()
    found = 0
    for rule in rules:
        found += sum(1 for _ in threat_mapping(rule, config))
        found += sum(1 for _ in tactic_tags(rule, config))
    checked = time.perf_counter() - start
    print(f"ATT&CK data load: {loaded * 1000:.1f} ms")
    print(
        f"{len(rules)} rules checked in {checked * 1000:.0f} ms "
        f"({checked / len(rules) * 1e6:.0f} µs per rule), {found} findings"
    )


if __name__ == "__main__":
    main()
