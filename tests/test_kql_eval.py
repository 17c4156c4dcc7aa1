"""How a KQL query decides whether one event matches: the specification (semantics.md).

Kibana compiles KQL to Elasticsearch Query DSL, so a KQL condition is a Lucene query: two-
valued, any-value-matches on arrays, and `not` (bool must_not) matches an event that lacks
the field. These tests parse real KQL and evaluate it with the shared evaluator in its
`dialect="kql"` mode. Behaviours the evaluator does not implement yet are marked
xfail(strict=True) with the reason, so they turn into failures the day they start working.
"""

from __future__ import annotations

import pytest

from ruleops.kql.parser import parse_kql
from ruleops.query.evaluate import compile_condition


def matches(query: str, event: dict) -> bool:
    return compile_condition(parse_kql(query), dialect="kql")(event)


# ---------------------------------------------------------------------------- keyword terms


def test_unquoted_value_matches_a_keyword_exactly():
    assert matches("process.name:cmd.exe", {"process": {"name": "cmd.exe"}})


def test_keyword_match_is_case_sensitive():
    assert not matches("process.name:cmd.exe", {"process": {"name": "CMD.EXE"}})


def test_value_with_spaces_is_one_keyword_term():
    assert matches("user_agent.original:S3 Browser", {"user_agent": {"original": "S3 Browser"}})
    assert not matches("user_agent.original:S3 Browser", {"user_agent": {"original": "S3"}})


def test_dotted_keys_and_nested_objects_are_the_same_field():
    assert matches("process.name:cmd.exe", {"process.name": "cmd.exe"})


def test_number_value_matches_a_numeric_field():
    assert matches("http.response.status_code:405", {"http": {"response": {"status_code": 405}}})


def test_boolean_value_matches_a_boolean_field():
    assert matches(
        "dll.code_signature.trusted:true", {"dll": {"code_signature": {"trusted": True}}}
    )


def test_one_of_several_ored_values():
    query = "process.name:(bash or sh or zsh)"
    assert matches(query, {"process": {"name": "sh"}})
    assert not matches(query, {"process": {"name": "fish"}})


# ---------------------------------------------------------------------------- wildcards


def test_star_matches_any_run_of_characters():
    assert matches("file.path:/tmp/*.sh", {"file": {"path": "/tmp/a/b.sh"}})
    assert not matches("file.path:/tmp/*.sh", {"file": {"path": "/var/tmp/b.sh"}})


def test_wildcard_match_is_case_sensitive():
    assert not matches("process.name:CMD*", {"process": {"name": "cmd.exe"}})


def test_escaped_characters_are_literal_in_a_wildcard_pattern():
    query = r"file.path:C\:\\Users\\*\\evil.exe"
    assert matches(query, {"file": {"path": "C:\\Users\\bob\\evil.exe"}})


@pytest.mark.xfail(
    strict=True,
    reason="the evaluator reads `?` as EQL's one-character wildcard in every dialect; "
    "KQL's only wildcard is `*` (Kibana escapes `?` in the wildcard query it builds)",
)
def test_question_mark_is_a_literal_character():
    assert not matches("url.path:/a?b*", {"url": {"path": "/axb/c"}})


def test_question_mark_matches_itself():
    assert matches("url.path:/a?b*", {"url": {"path": "/a?b/c"}})


def test_escaped_star_next_to_a_wildcard_matches_a_literal_star():
    assert matches(r"a:x\*y*", {"a": "x*yz"})
    assert not matches(r"a:x\*y*", {"a": "xzyz"})


# ---------------------------------------------------------------------------- phrases


def test_quoted_value_matches_a_keyword_exactly():
    assert matches('process.name:"cmd.exe"', {"process": {"name": "cmd.exe"}})
    assert not matches('process.name:"cmd"', {"process": {"name": "cmd.exe"}})


def test_star_in_quotes_is_a_literal_star():
    assert not matches('process.name:"python*"', {"process": {"name": "python3"}})
    assert matches('process.name:"python*"', {"process": {"name": "python*"}})


# ---------------------------------------------------------------------------- arrays


def test_any_value_of_an_array_may_match():
    assert matches("process.args:-enc", {"process": {"args": ["powershell.exe", "-enc", "xyz"]}})


def test_not_fails_when_any_value_of_an_array_matches():
    assert not matches("not process.args:-enc", {"process": {"args": ["x", "-enc"]}})


def test_values_may_come_from_an_array_of_objects():
    event = {"threat": [{"tactic": {"id": "TA0001"}}, {"tactic": {"id": "TA0002"}}]}
    assert matches("threat.tactic.id:TA0002", event)


# ---------------------------------------------------------------------------- missing fields


def test_a_missing_field_does_not_match_a_value():
    assert not matches("process.name:cmd.exe", {"event": {"category": "process"}})


def test_not_matches_an_event_that_lacks_the_field():
    assert matches("not process.name:cmd.exe", {"event": {"category": "process"}})


def test_not_matches_an_event_whose_field_is_null():
    assert matches("not process.name:cmd.exe", {"process": {"name": None}})


def test_not_over_a_range_matches_an_event_that_lacks_the_field():
    assert matches("not destination.port >= 1024", {})


# ---------------------------------------------------------------------------- exists


def test_star_matches_any_value_including_the_empty_string():
    assert matches("process.args:*", {"process": {"args": ["x"]}})
    assert matches("process.title:*", {"process": {"title": ""}})


def test_star_does_not_match_missing_null_or_empty_array():
    assert not matches("process.args:*", {})
    assert not matches("process.args:*", {"process": {"args": None}})
    assert not matches("process.args:*", {"process": {"args": []}})


# ---------------------------------------------------------------------------- ranges


def test_range_compares_numbers():
    assert matches("destination.port >= 1024", {"destination": {"port": 8080}})
    assert not matches("destination.port >= 1024", {"destination": {"port": 80}})


def test_range_on_a_missing_field_does_not_match():
    assert not matches("destination.port < 1024", {})


# ---------------------------------------------------------------------------- boolean logic


def test_and_binds_tighter_than_or_when_evaluated():
    query = "a:1 or b:2 and c:3"
    assert matches(query, {"a": 1})
    assert not matches(query, {"b": 2})
    assert matches(query, {"b": 2, "c": 3})


def test_value_list_with_and_not_on_one_field():
    query = "http.request.method:(* and not (GET or HEAD))"
    assert matches(query, {"http": {"request": {"method": "PUT"}}})
    assert not matches(query, {"http": {"request": {"method": "GET"}}})
    assert not matches(query, {})


def test_empty_query_matches_every_event():
    assert matches("", {"anything": 1})


# ---------------------------------------------------------------------------- beyond the evaluator


@pytest.mark.xfail(
    strict=True,
    reason="field-name wildcards (`file.hash.*`) need the evaluator to expand a `*` path "
    "segment against the event's fields; it looks the segment up literally",
)
def test_wildcard_field_name_matches_any_matching_field():
    assert matches("file.hash.*:abc", {"file": {"hash": {"sha256": "abc"}}})


@pytest.mark.xfail(
    strict=True,
    reason="free text (Field(('*',))) needs the evaluator to search every field",
)
def test_free_text_matches_a_value_in_any_field():
    assert matches("mimikatz", {"process": {"name": "mimikatz"}})


@pytest.mark.xfail(
    strict=True,
    reason="KQL on an ip field takes CIDR blocks (a term query on an ip field); the "
    "evaluator compares the block as text",
)
def test_cidr_block_matches_an_address_of_an_ip_field():
    assert matches("destination.ip:10.0.0.0/8", {"destination": {"ip": "10.1.2.3"}})


@pytest.mark.xfail(
    strict=True,
    reason="the parser flattens `f:{ … }` into prefixed fields, so the conditions may be "
    "met by different objects of an array; ES's nested query needs one object to meet all",
)
def test_nested_query_needs_one_object_to_meet_every_condition():
    event = {
        "bindings": [{"action": "ADD", "role": "viewer"}, {"action": "REMOVE", "role": "owner"}]
    }
    assert not matches("bindings:{ action:ADD and role:owner }", event)


def test_nested_query_matches_when_one_object_meets_every_condition():
    event = {"bindings": [{"action": "ADD", "role": "owner"}]}
    assert matches("bindings:{ action:ADD and role:owner }", event)
