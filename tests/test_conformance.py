"""Elasticsearch's own EQL spec tests (see tests/conformance.py and the corpus README)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import conformance

pytestmark = pytest.mark.skipif(
    not conformance.CORPUS.is_dir(), reason="../shared conformance corpus not present"
)


@pytest.fixture(scope="module")
def outcomes():
    return [o for results in conformance.run_all().values() for o in results]


def test_at_least_99_percent_of_spec_queries_return_exactly_the_expected_ids(outcomes):
    passed = sum(o.passed for o in outcomes)
    assert passed / len(outcomes) >= 0.99, f"{passed}/{len(outcomes)}"


def test_every_failing_spec_query_is_listed_with_a_reason(outcomes):
    unlisted = [
        f"{o.case.suite}:{o.case.name}: {o.reason}"
        for o in outcomes
        if not o.passed and f"{o.case.suite}:{o.case.name}" not in conformance.KNOWN_FAILURES
    ]
    assert unlisted == []


def test_known_failures_still_fail(outcomes):
    """A listed failure that now passes should be removed from KNOWN_FAILURES."""
    passing = {f"{o.case.suite}:{o.case.name}" for o in outcomes if o.passed}
    assert sorted(set(conformance.KNOWN_FAILURES) & passing) == []


def test_all_current_suites_are_loaded(outcomes):
    assert len(outcomes) == 298
