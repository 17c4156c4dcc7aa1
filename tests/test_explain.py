"""explain(): which condition accepted or rejected an event, in terms of the query."""

from __future__ import annotations

from ruleops.eql.parser import parse_eql
from ruleops.kql.parser import parse_kql
from ruleops.query.explain import explain, render


def explained(condition: str, event: dict):
    return explain(parse_eql(f"any where {condition}").body.condition, event)


EVENT = {"process": {"executable": "C:\\Programs\\x.exe", "name": "x.exe"}}


def test_a_rejecting_leaf_names_the_field_the_value_seen_and_the_pattern_expected():
    text = explained('process.executable : "?:\\\\Program Files\\\\*.exe"', EVENT).text()
    assert "process.executable was" in text and "C:\\\\Programs\\\\x.exe" in text
    assert "?:\\\\Program Files\\\\*.exe" in text


def test_a_non_matching_event_is_reported_as_no_match():
    assert not explained('process.name == "y.exe"', EVENT).matched


def test_a_matching_event_is_reported_as_match():
    assert explained('process.name : "X.EXE"', EVENT).matched


def test_and_explains_every_operand():
    result = explained('process.name == "x.exe" and process.pid == 1', EVENT)
    assert [child.matched for child in result.children] == [True, False]


def test_failing_leaves_point_at_the_condition_that_rejected_the_event():
    result = explained('process.name == "x.exe" and process.pid == 1', EVENT)
    assert [leaf.condition for leaf in result.failing_leaves()] == ["process.pid == 1"]


def test_a_missing_field_is_reported_as_missing():
    result = explained("process.pid == 1", EVENT)
    assert "process.pid is missing" in result.text()


def test_not_over_a_missing_field_says_why_it_matched():
    result = explained('not user.name : "root"', EVENT)
    assert result.matched and "must_not" in result.text()


def test_not_over_a_null_function_says_null_counts_as_false():
    result = explained("not length(user.name) > 3", EVENT)
    assert result.matched and "null, which counts as false" in result.text()


def test_a_function_leaf_shows_the_value_it_computed():
    result = explained("length(process.name) > 10", EVENT)
    assert "length(process.name) was 5" in result.text()


def test_render_writes_the_condition_back_as_eql():
    condition = parse_eql('any where a.b in~ ("x", "y") and not c : ("d*", "e")').body.condition
    assert render(condition) == 'a.b in~ ("x", "y") and not c : ("d*", "e")'


def test_reasons_of_a_match_name_the_branch_that_let_the_event_through():
    result = explained('process.name == "y" or process.name == "x.exe"', EVENT)
    assert [r.condition for r in result.reasons()] == ['process.name == "x.exe"']


def test_a_failing_not_is_its_own_reason():
    result = explained('not process.name == "x.exe"', EVENT)
    assert [r.condition for r in result.failing_leaves()] == ['not process.name == "x.exe"']


def test_summary_is_one_line_naming_the_rejecting_condition():
    summary = explained('process.name == "y"', EVENT).summary()
    assert summary.startswith('`process.name == "y"`') and summary.endswith("rejected the event")


def test_a_nested_query_met_only_by_different_objects_is_its_own_reason():
    query = parse_kql("bindings:{ action:ADD and role:owner }")
    event = {
        "bindings": [{"action": "ADD", "role": "viewer"}, {"action": "REMOVE", "role": "owner"}]
    }
    explanation = explain(query, event, dialect="kql")
    (reason,) = explanation.failing_leaves()
    assert reason.condition.startswith("bindings:{ ")
    assert "one object of bindings must meet every condition" in reason.detail


def test_a_failed_match_on_a_text_field_names_the_words_elasticsearch_indexed():
    result = explain(
        parse_kql("message:*Invoke-Mimikatz*"),
        {"message": "ran Invoke-Mimikatz now"},
        dialect="kql",
        field_types={"message": "match_only_text"},
    )
    assert not result.matched and "(ran, invoke, mimikatz, now)" in result.text()


def test_a_multi_field_is_explained_from_its_parents_value():
    types = {"user.name": "keyword", "user.name.text": "match_only_text"}
    result = explain(
        parse_kql("user.name.text:bob"), {"user": {"name": "Al"}}, dialect="kql", field_types=types
    )
    assert 'user.name.text was "Al"' in result.text()
