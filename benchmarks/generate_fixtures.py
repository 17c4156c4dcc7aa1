"""Fixture generation and satisfiability over the production corpus.

For every EQL, KQL and ES|QL rule: draft a fixture in memory (`ruleops.fixtures.generate`), each
case confirmed by the runner, and count the rules that got a confirmed fixture, the rules
that did not (grouped by reason) and the time taken. Then run the satisfiability proofs
(RO550-RO552) on the same rules and report the findings and their time.

    python benchmarks/generate_fixtures.py [RULES_DIR]
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

from ruleops.checks.properties import satisfiability
from ruleops.config import Config
from ruleops.fixtures.generate import draft_fixture, render
from ruleops.fixtures.load import fixture_from_text
from ruleops.fixtures.properties import coverage
from ruleops.loading import load_rule

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not root.is_dir():
        print(f"no rules at {root}", file=sys.stderr)
        return 2
    rules = []
    for path in sorted(root.rglob("*.toml")):
        rule = load_rule(path, str(path.relative_to(root))).rule
        if rule is not None and rule.rule.get("language") in ("eql", "kuery", "esql"):
            rules.append(rule)
    print(f"{len(rules)} EQL, KQL and ES|QL rules under {root}")

    confirmed = 0
    by_language: Counter[str] = Counter()
    confirmed_by_language: Counter[str] = Counter()
    positives = negatives = dropped = 0
    reasons: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    started = time.perf_counter()
    drafts = []
    for rule in rules:
        draft = draft_fixture(rule)
        drafts.append(draft)
        language = str(rule.rule.get("language"))
        by_language[language] += 1
        if draft.ok:
            confirmed += 1
            confirmed_by_language[language] += 1
            positives += draft.count("match")
            negatives += draft.count("no match")
        else:
            reasons[_reason(draft.problem or "")] += 1
        dropped += draft.dropped
        kinds[f"{rule.rule.get('language')}/{rule.rule.get('type')}"] += 1
    elapsed = time.perf_counter() - started
    drafts = [d for d in drafts if d.ok]
    parts = exercised = 0
    covering = time.perf_counter()
    for draft in drafts:
        fixture = fixture_from_text(render(draft.rule.rule_id, draft.cases)).fixture
        found = coverage(draft.rule, fixture)
        parts += found.parts
        exercised += found.parts - len(found.missed)
    covering = time.perf_counter() - covering
    print(f"\nfixture generation: {elapsed:.1f} s ({1000 * elapsed / len(rules):.1f} ms per rule)")
    print(f"  confirmed fixtures: {confirmed} of {len(rules)} rules")
    for language, count in sorted(by_language.items()):
        print(f"    {language}: {confirmed_by_language[language]} of {count}")
    print(f"  cases: {positives} matching, {negatives} non-matching (all confirmed)")
    print(f"  generated cases the runner did not confirm (left out): {dropped}")
    print(f"  not generated: {len(rules) - confirmed}")
    for reason, count in reasons.most_common():
        print(f"    {count:5d}  {reason}")
    share = 100 * exercised / parts if parts else 100.0
    print(
        f"  the confirmed fixtures exercise {exercised} of {parts} `or` branches and "
        f"exclusions ({share:.1f}%; rendering, reloading and measuring took {covering:.1f} s)"
    )
    print("  rules by language/type: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))

    config = Config()
    started = time.perf_counter()
    findings = [d for rule in rules for d in satisfiability(rule, config)]
    elapsed = time.perf_counter() - started
    print(f"\nsatisfiability (RO550-RO552): {elapsed:.2f} s for {len(rules)} rules")
    for code, count in sorted(Counter(d.code for d in findings).items()):
        print(f"  {code}: {count}")
    for d in findings:
        print(f"  {d.path}:{d.line}: {d.code} {d.message[:160]}")
    return 0


def _reason(problem: str) -> str:
    """Group messages that differ only in quoted details."""
    problem = re.sub(r"'[^']*'|\"[^\"]*\"", "…", problem)
    return re.sub(r"\(line \d+, column \d+[^)]*\)", "(…)", problem)[:120]


if __name__ == "__main__":
    raise SystemExit(main())
