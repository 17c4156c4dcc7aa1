"""How a KQL query decides whether one event matches: the specification (semantics.md).

Kibana compiles KQL to Elasticsearch Query DSL, so a KQL condition is a Lucene query: two-
valued, any-value-matches on arrays, and `not` (bool must_not) matches an event that lacks
the field. These tests parse real KQL and evaluate it with the shared evaluator in its
`dialect="kql"` mode. The evaluator knows no field types: a term that is an address or
CIDR block compares as addresses, and everything else compares as on a keyword field.
"""

from __future__ import annotations

from ruleops.eql.parser import parse_eql
from ruleops.kql.parser import parse_kql
from ruleops.query.evaluate import compile_condition
from tests.time_bound import deadline


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


def test_question_mark_is_a_literal_character():
    assert not matches("url.path:/a?b*", {"url": {"path": "/axb/c"}})


def test_question_mark_matches_itself():
    assert matches("url.path:/a?b*", {"url": {"path": "/a?b/c"}})


def test_question_mark_is_literal_in_a_list_of_patterns():
    query = "url.path:(/a?b* or /c/*)"
    assert matches(query, {"url": {"path": "/a?b/x"}})
    assert not matches(query, {"url": {"path": "/axb/x"}})
    assert matches(query, {"url": {"path": "/c/x"}})


def test_question_mark_between_stars_is_literal():
    query = "url.original:*secrets?limit*"
    assert matches(query, {"url": {"original": "/api/v1/secrets?limit=5"}})
    assert not matches(query, {"url": {"original": "/api/v1/secrets/limit=5"}})


def test_question_mark_is_still_a_wildcard_in_eql():
    condition = parse_eql('any where url.path : "/a?b*"').body.condition
    assert compile_condition(condition, dialect="eql")({"url": {"path": "/axb/c"}})


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


# ------------------------------------------------------------------ field names and nesting


def test_wildcard_field_name_matches_any_matching_field():
    assert matches("file.hash.*:abc", {"file": {"hash": {"sha256": "abc"}}})


def test_wildcard_field_name_does_not_match_other_fields():
    assert not matches("file.hash.*:abc", {"file": {"name": "abc", "hash": {"md5": "x"}}})


def test_star_in_a_field_name_spans_dots():
    assert matches("process.*:bash", {"process": {"parent": {"name": "bash"}}})


def test_star_in_the_middle_of_a_field_name_matches_array_positions():
    event = {"target_resources": {"0": {"type": "User"}, "1": {"type": "Group"}}}
    assert matches("target_resources.*.type:Group", event)


def test_a_field_name_with_many_stars_is_matched_without_backtracking():
    query = "process." + "*a" * 20 + "*b : x"
    with deadline(5):
        assert not matches(query, {"process": {"a" * 60: "x"}})


def test_wildcard_field_name_matches_dotted_keys():
    assert matches("file.hash.*:abc", {"file.hash.md5": "abc"})


def test_wildcard_field_name_with_star_value_needs_one_field_with_a_value():
    assert matches("file.hash.*:*", {"file": {"hash": {"md5": "abc"}}})
    assert not matches("file.hash.*:*", {"file": {"name": "x"}})


def test_not_wildcard_field_name_fails_when_any_matching_field_matches():
    event = {"file": {"hash": {"md5": "x", "sha1": "abc"}}}
    assert not matches("not file.hash.*:abc", event)
    assert matches("not file.hash.*:abc", {"file": {"hash": {"md5": "x"}}})


def test_free_text_matches_a_value_in_any_field():
    assert matches("mimikatz", {"process": {"name": "mimikatz"}})


def test_free_text_does_not_match_when_no_field_holds_the_value():
    assert not matches("mimikatz", {"process": {"name": "cmd.exe"}, "mimikatz": "x"})


def test_free_text_wildcard_matches_in_any_field():
    assert matches("mimi*", {"file": {"path": ["a", "mimikatz.exe"]}})


def test_free_text_number_matches_a_numeric_field():
    assert matches("4625", {"event": {"code": 4625}})


def test_cidr_block_matches_an_address_of_an_ip_field():
    assert matches("destination.ip:10.0.0.0/8", {"destination": {"ip": "10.1.2.3"}})


def test_cidr_block_does_not_match_an_address_outside_it():
    assert not matches("destination.ip:10.0.0.0/8", {"destination": {"ip": "11.1.2.3"}})


def test_cidr_blocks_in_a_value_list_match_any_block():
    query = "destination.ip:(10.0.0.0/8 or 192.168.0.0/16)"
    assert matches(query, {"destination": {"ip": ["8.8.8.8", "192.168.1.1"]}})
    assert not matches(query, {"destination": {"ip": "172.16.0.1"}})


def test_not_cidr_block_matches_an_address_outside_it():
    assert matches("not source.ip:10.0.0.0/8", {"source": {"ip": "8.8.8.8"}})
    assert not matches("not source.ip:10.0.0.0/8", {"source": {"ip": "10.0.0.1"}})


def test_address_matches_the_same_address_written_another_way():
    assert matches('source.ip:"::1"', {"source": {"ip": "0:0:0:0:0:0:0:1"}})


def test_cidr_block_on_a_field_known_not_to_be_ip_compares_as_text():
    condition = compile_condition(
        parse_kql("a:10.0.0.0/8"), dialect="kql", field_types={"a": "keyword"}
    )
    assert not condition({"a": "10.1.2.3"})
    assert condition({"a": "10.0.0.0/8"})


def test_nested_query_needs_one_object_to_meet_every_condition():
    event = {
        "bindings": [{"action": "ADD", "role": "viewer"}, {"action": "REMOVE", "role": "owner"}]
    }
    assert not matches("bindings:{ action:ADD and role:owner }", event)


def test_nested_query_matches_when_one_object_meets_every_condition():
    event = {"bindings": [{"action": "ADD", "role": "owner"}]}
    assert matches("bindings:{ action:ADD and role:owner }", event)


def test_nested_query_matches_any_object_of_the_array():
    event = {
        "bindings": [{"action": "REMOVE", "role": "owner"}, {"action": "ADD", "role": "owner"}]
    }
    assert matches("bindings:{ action:ADD and role:owner }", event)


def test_nested_query_matches_a_single_object():
    assert matches(
        "bindings:{ action:ADD and role:owner }", {"bindings": {"action": "ADD", "role": "owner"}}
    )


def test_nested_query_reads_dotted_keys_as_one_object():
    event = {"bindings.action": "ADD", "bindings.role": "owner"}
    assert matches("bindings:{ action:ADD and role:owner }", event)


def test_nested_query_on_a_missing_array_does_not_match_even_with_not_inside():
    assert not matches("bindings:{ not action:ADD }", {"other": 1})


def test_not_nested_query_matches_when_no_object_meets_the_conditions():
    event = {"bindings": [{"action": "ADD", "role": "viewer"}]}
    assert matches("not bindings:{ action:ADD and role:owner }", event)


def test_separate_nested_queries_may_be_met_by_different_objects():
    event = {
        "bindings": [{"action": "ADD", "role": "viewer"}, {"action": "REMOVE", "role": "owner"}]
    }
    assert matches("bindings:{ action:ADD } and bindings:{ role:owner }", event)


def test_nested_query_within_a_nested_query_needs_one_inner_object():
    query = "a:{ x:1 and b:{ c:1 and d:2 } }"
    one = {"a": [{"x": 1, "b": [{"c": 1, "d": 2}]}]}
    split = {"a": [{"x": 1, "b": [{"c": 1, "d": 3}, {"c": 3, "d": 2}]}]}
    assert matches(query, one)
    assert not matches(query, split)


def test_nested_query_combines_with_conditions_on_the_event():
    query = "event.action:grant and bindings:{ role:owner }"
    assert matches(query, {"event": {"action": "grant"}, "bindings": [{"role": "owner"}]})
    assert not matches(query, {"event": {"action": "deny"}, "bindings": [{"role": "owner"}]})
