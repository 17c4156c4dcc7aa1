"""The public hypothesis strategies (`ruleops.strategies`): what they generate matches, or
misses, by the evaluator's own judgement."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_matching import equal, wildcard

from ruleops.eql.parser import parse_eql
from ruleops.kql.parser import parse_kql
from ruleops.query.evaluate import compile_condition
from ruleops.query.generate import category_base
from ruleops.query.wildcard import compile_wildcard
from ruleops.strategies import (
    kql_value_matches,
    kql_value_near_misses,
    kql_value_pattern,
    matching_events,
    near_miss_events,
    wildcard_matches,
    wildcard_near_misses,
)

PATTERNS = [
    "?:\\Windows\\System32\\*.exe",
    "*\\AppData\\*",
    "procexp??.exe",
    "?",
    "a*b*c",
    "HKLM\\SYSTEM\\ControlSet*\\Services\\*\\ImagePath",
]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.data())
def test_wildcard_matches_are_matched_by_the_pattern(data):
    """Every generated string matches its pattern, case-sensitively."""
    pattern = data.draw(st.sampled_from(PATTERNS))
    text = data.draw(wildcard_matches(pattern))
    assert compile_wildcard(pattern)(text)


@FAST
@given(st.data())
def test_case_insensitive_matches_are_matched_by_the_folding_pattern(data):
    """With case_insensitive, letters appear in either case and `:`-style matching agrees."""
    pattern = data.draw(st.sampled_from(PATTERNS))
    text = data.draw(wildcard_matches(pattern, case_insensitive=True))
    assert compile_wildcard(pattern, case_insensitive=True)(text)


@FAST
@given(st.data())
def test_wildcard_near_misses_are_not_matched(data):
    """A near miss never matches the pattern it was made from, by the reference model (the
    strategy itself filters with ruleops' matcher, so only an independent judge can fail)."""
    pattern = data.draw(st.sampled_from(PATTERNS))
    case_insensitive = data.draw(st.booleans())
    text = data.draw(wildcard_near_misses(pattern, case_insensitive=case_insensitive))
    assert not wildcard(pattern, text, case_insensitive=case_insensitive)


def test_near_misses_of_a_pattern_that_matches_everything_are_refused():
    with pytest.raises(ValueError, match="matches every string"):
        wildcard_near_misses("**")


@settings(max_examples=200, deadline=None)
@given(wildcard_near_misses("?:\\Windows\\*"))
def test_question_mark_at_the_edge_takes_exactly_one_character(text):
    """`?:\\Windows\\*` misses a drive with no letter or two letters, which `*` would match."""
    assert not wildcard("?:\\Windows\\*", text, case_insensitive=False)


def test_question_mark_near_misses_include_an_empty_and_a_double_edge():
    found: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(wildcard_near_misses("?:\\x"))
    def collect(text):
        found.add(text)

    collect()
    assert ":\\x" in found  # `?` given no character
    assert any(t.endswith(":\\x") and len(t) == 5 for t in found)  # `?` given two


def test_near_misses_turn_windows_separators_round():
    found: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(wildcard_near_misses("C:\\Windows\\cmd.exe", case_insensitive=True))
    def collect(text):
        found.add(text)

    collect()
    assert any("/" in t for t in found)
    assert any("\\\\" in t for t in found)


def test_kql_value_pattern_reads_escapes():
    assert kql_value_pattern("C\\:\\\\Temp\\\\*") == "C:\\Temp\\*"


def test_kql_value_pattern_refuses_a_literal_star():
    with pytest.raises(ValueError, match="literal"):
        kql_value_pattern("a\\*b*")


KQL_VALUES = ["C\\:\\\\Temp\\\\*", "a\\*b*", "*.exe", "cmd.exe"]


@FAST
@given(st.data())
def test_kql_value_matches_agree_with_the_kql_evaluator(data):
    """Strings generated for an unquoted KQL value match `field:value` in Kibana's sense."""
    value = data.draw(st.sampled_from(KQL_VALUES))
    text = data.draw(kql_value_matches(value))
    matches = compile_condition(parse_kql(f"file.path:{value}"), dialect="kql")
    assert matches({"file": {"path": text}})


@FAST
@given(st.data())
def test_kql_value_near_misses_are_rejected_by_the_kql_evaluator(data):
    """An escaped `\\*` is a literal star: strings without it there do not match."""
    value = data.draw(st.sampled_from(KQL_VALUES))
    text = data.draw(kql_value_near_misses(value))
    matches = compile_condition(parse_kql(f"file.path:{value}"), dialect="kql")
    assert not matches({"file": {"path": text}})


QUERY = (
    'process where process.name : ("cmd.exe", "pwsh.exe") and '
    'not process.parent.executable : "?:\\\\Windows\\\\explorer.exe"'
)


@FAST
@given(matching_events(QUERY))
def test_matching_events_match_the_query(event):
    """Judged by the reference model, field by field (the strategy confirms its events with
    the evaluator, so asking the evaluator again could not fail)."""
    body = parse_eql(QUERY).body
    assert event["event"] == category_base(body.category)["event"]
    name = event["process"]["name"]
    assert any(equal(name, wanted, case_insensitive=True) for wanted in ("cmd.exe", "pwsh.exe"))
    parent = event["process"].get("parent", {}).get("executable")
    excluded = "?:\\Windows\\explorer.exe"
    assert parent is None or not wildcard(excluded, parent, case_insensitive=True)


@FAST
@given(near_miss_events(QUERY))
def test_near_miss_events_miss_the_query(event):
    body = parse_eql(QUERY).body
    category = event.get("event", {}).get("category")
    assert category != body.category or not compile_condition(body.condition)(event)


@FAST
@given(matching_events('process.name:cmd.exe and not process.args:"/c"', language="kuery"))
def test_matching_events_take_kql_queries(event):
    condition = parse_kql('process.name:cmd.exe and not process.args:"/c"')
    assert compile_condition(condition, dialect="kql")(event)


def test_event_strategies_refuse_sequences():
    with pytest.raises(ValueError, match="single-event"):
        matching_events("sequence [process where true] [file where true]")


ESQL_QUERY = """
from logs-endpoint* metadata _id
| where process.name == "certutil.exe" and process.command_line like "*urlcache*"
| stats Esql.count = count(*) by host.name
"""


@given(matching_events(ESQL_QUERY, language="esql"))
def test_esql_matching_events_pass_the_where_before_stats(event):
    assert event["process"]["name"] == "certutil.exe"


@given(near_miss_events(ESQL_QUERY, language="esql"))
def test_esql_near_misses_fail_one_condition(event):
    process = event["process"]
    assert process["name"] != "certutil.exe" or "urlcache" not in process["command_line"]
