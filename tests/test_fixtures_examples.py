"""The example rules' fixtures exercise their whole query.

For each rule in rules/ with a fixture: every `or` branch and every value of a multi-valued
comparison lets some positive event through, every `not` exclusion (and each of its values)
is what rejects some negative event that every other condition accepts, and every condition
rejects some negative event.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ruleops.config import load_config
from ruleops.fixtures.discover import load_fixtures, pair
from ruleops.fixtures.events import prepare
from ruleops.fixtures.languages import compile_rule
from ruleops.fixtures.runner import timestamp_field
from ruleops.loading import load_rule
from ruleops.query.ast import And, InSet, Match, Not, Or
from ruleops.query.evaluate import compile_condition

REPOSITORY = Path(__file__).resolve().parent.parent


def example_pairs():
    rules_dir = REPOSITORY / "rules"
    if not rules_dir.is_dir():
        return []
    config = load_config(start=REPOSITORY)
    rules = [load_rule(p, str(p)).rule for p in sorted(rules_dir.rglob("*.toml"))]
    return pair(rules, load_fixtures(config), config).pairs


PAIRS = example_pairs()


def holds(expr, event) -> bool:
    return bool(compile_condition(expr)(event))


def events_of(rule, fixture, expect):
    for case in fixture.cases:
        if case.expect == expect:
            yield from prepare(case, timestamp_field(rule, fixture, case)).events


def alternatives(expr):
    """(node, one-branch versions) for each `or` and multi-valued comparison."""
    if isinstance(expr, Or):
        return [(expr, list(expr.operands))]
    if isinstance(expr, Match) and len(expr.patterns) > 1:
        return [(expr, [replace(expr, patterns=(p,)) for p in expr.patterns])]
    if isinstance(expr, InSet) and len(expr.options) > 1:
        return [(expr, [replace(expr, options=(o,)) for o in expr.options])]
    return []


def conjuncts(condition):
    return list(condition.operands) if isinstance(condition, And) else [condition]


def test_every_example_rule_has_a_fixture():
    if not PAIRS:
        pytest.skip("rules/ with fixtures not present")
    rule_files = sorted((REPOSITORY / "rules").rglob("*.toml"))
    assert len(PAIRS) == len(rule_files)


@pytest.mark.parametrize("rule, fixture", PAIRS, ids=lambda x: getattr(x, "name", None) or "")
def test_every_branch_lets_some_positive_through(rule, fixture):
    condition = compile_rule(rule).clauses[0].condition
    positives = [e for e in events_of(rule, fixture, "match") if holds(condition, e)]
    for part in conjuncts(condition):
        if isinstance(part, Not):
            continue
        for node, branches in alternatives(part):
            for branch in branches:
                assert any(holds(branch, e) for e in positives), (
                    f"no positive case goes through {branch} of {node}"
                )


@pytest.mark.parametrize("rule, fixture", PAIRS, ids=lambda x: getattr(x, "name", None) or "")
def test_every_exclusion_alone_rejects_some_negative(rule, fixture):
    condition = compile_rule(rule).clauses[0].condition
    parts = conjuncts(condition)
    negatives = list(events_of(rule, fixture, "no match"))
    for index, part in enumerate(parts):
        if not isinstance(part, Not):
            continue
        others = [p for i, p in enumerate(parts) if i != index]
        # Events that only this exclusion rejects.
        rejected = [e for e in negatives if all(holds(p, e) for p in others)]
        assert any(holds(part.operand, e) for e in rejected), f"nothing exercises {part}"
        for _, values in alternatives(part.operand):
            for value in values:
                assert any(holds(value, e) for e in rejected), f"nothing exercises {value}"


@pytest.mark.parametrize("rule, fixture", PAIRS, ids=lambda x: getattr(x, "name", None) or "")
def test_every_condition_rejects_some_negative(rule, fixture):
    """Not necessarily alone: registry.value and registry.path, for one, agree on real data."""
    condition = compile_rule(rule).clauses[0].condition
    negatives = list(events_of(rule, fixture, "no match"))
    for part in conjuncts(condition):
        assert any(not holds(part, e) for e in negatives), f"no negative case fails {part}"
