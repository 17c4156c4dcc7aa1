"""A short fuzz run in CI: grammar-generated and mutated EQL, KQL and ES|QL queries keep the
properties of tests/query_fuzz.py (the long run is scripts/fuzz.py)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.query_fuzz import (
    Findings,
    check_query,
    check_rule_text,
    corpus_queries,
    languages,
    mutate,
    rule_text,
)

LANGUAGES = languages()
SHORT = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULES = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def no_problems(found: Findings) -> None:
    assert found.problems == []


@pytest.mark.parametrize("name", sorted(LANGUAGES))
@SHORT
@given(st.randoms(use_true_random=False))
def test_generated_queries_parse_or_fail_with_a_syntax_error_quickly(name, r):
    found = Findings()
    check_query(LANGUAGES[name], LANGUAGES[name].generate(r), found)
    no_problems(found)


@pytest.mark.parametrize("name", sorted(LANGUAGES))
@SHORT
@given(st.randoms(use_true_random=False))
def test_mutated_corpus_queries_parse_or_fail_with_a_syntax_error_quickly(name, r):
    corpus = _corpus(name)
    if not corpus:
        pytest.skip("the production corpus is not beside the checkout (../shared)")
    found = Findings()
    check_query(LANGUAGES[name], mutate(r, r.choice(corpus)), found)
    no_problems(found)


@pytest.mark.parametrize("name", sorted(LANGUAGES))
@RULES
@given(st.randoms(use_true_random=False))
def test_rules_holding_generated_queries_are_checked_and_drafted_without_crashing(name, r):
    found = Findings()
    check_rule_text(rule_text(LANGUAGES[name], LANGUAGES[name].generate(r)), found)
    no_problems(found)


def test_a_fixed_sample_of_mutated_queries_keeps_every_property():
    """Deterministic, so that a regression shows on every run, not on a lucky one."""
    r = random.Random(18)
    for name, language in LANGUAGES.items():
        found = Findings()
        corpus = _corpus(name) or [language.generate(r)]
        for _ in range(200):
            query = mutate(r, r.choice(corpus))
            if check_query(language, query, found) and found.rules < 3:
                check_rule_text(rule_text(language, query), found)
        no_problems(found)


_CORPUS: dict[str, list[str]] = {}


def _corpus(name: str) -> list[str]:
    if name not in _CORPUS:
        _CORPUS[name] = corpus_queries(name)
    return _CORPUS[name]
