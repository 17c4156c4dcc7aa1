"""Elasticsearch's ES|QL csv-spec tests through ruleops' evaluator (tests/esql_conformance.py,
README of ../shared/conformance/elasticsearch-esql). The per-file figures are printed at the
end of the run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import esql_conformance as conformance

pytestmark = pytest.mark.skipif(
    not conformance.ESQL_CONFORMANCE.is_dir(), reason="../shared conformance corpus not present"
)

# Share of in-scope tests that must pass, per file (issue 16).
GOALS = {
    **dict.fromkeys(
        (
            "where",
            "where-like",
            "null",
            "conditional",
            "boolean",
            "ip",
            "eval",
            "keep",
            "drop",
            "rename",
            "mv_expand",
            "stats_count_distinct",
        ),
        1.0,
    ),
    **dict.fromkeys(("stats", "string", "grok", "date_trunc", "kql-function"), 0.95),
}


@pytest.fixture(scope="module")
def outcomes(request):
    results = list(conformance.outcomes())
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        request.addfinalizer(lambda: _report(reporter, results))
    return results


def _report(reporter, results) -> None:
    reporter.write_line("")
    reporter.write_line("ES|QL csv-spec conformance (passed / in scope / total):")
    for line in conformance.figure_lines(results):
        reporter.write_line("  " + line)


@pytest.mark.parametrize("name", sorted(GOALS))
def test_each_spec_file_meets_its_goal(outcomes, name):
    counts = conformance.figures(outcomes)[f"{name}.csv-spec"]
    in_scope = counts["pass"] + counts["fail"]
    assert counts["pass"] >= GOALS[name] * in_scope, f"{counts['pass']}/{in_scope}"


def test_every_failing_test_is_listed_with_its_cause(outcomes):
    unlisted = [
        f"{o.test.file} {o.test.name}: {o.reason}"
        for o in outcomes
        if o.status == "fail" and conformance.key(o.test) not in conformance.KNOWN_FAILURES
    ]
    assert unlisted == []


def test_listed_failures_still_fail(outcomes):
    """A listed failure that now passes is removed from KNOWN_FAILURES."""
    passing = {conformance.key(o.test) for o in outcomes if o.status == "pass"}
    assert sorted(set(conformance.KNOWN_FAILURES) & passing) == []


def test_every_test_has_one_outcome(outcomes):
    assert len(outcomes) == 1354
    assert {o.status for o in outcomes} <= {"pass", "fail", "skipped", "unsupported"}


def test_every_unsupported_test_says_why(outcomes):
    assert [o.test.name for o in outcomes if o.status == "unsupported" and not o.reason] == []
