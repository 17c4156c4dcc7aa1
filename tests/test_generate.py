"""Event generation on the condition form: every event is confirmed by the evaluator."""

from __future__ import annotations

from ruleops.ecs import load_ecs
from ruleops.eql.parser import parse_eql
from ruleops.es_types import parse_date_millis
from ruleops.kql.parser import parse_kql
from ruleops.query.evaluate import compile_condition
from ruleops.query.generate import distinct_value, events_for, near_misses, pattern_examples


def first_event(query: str, *, language: str = "eql") -> dict:
    if language == "eql":
        condition, dialect = parse_eql(query).body.condition, "eql"
    else:
        condition, dialect = parse_kql(query), "kql"
    found = next(iter(events_for(condition, dialect=dialect, field_type=load_ecs().field_type)))
    assert compile_condition(condition, dialect=dialect)(found.event)
    return found.event


def test_an_array_field_gets_one_value_per_condition():
    event = first_event('process where process.args == "-c" and process.args == "id"')
    assert event["process"]["args"] == ["-c", "id"]


def test_two_contains_patterns_on_one_string_are_joined():
    event = first_event(
        'process where process.command_line : "*curl*" and process.command_line : "*| sh*"'
    )
    assert "curl" in event["process"]["command_line"]


def test_a_prefix_and_a_contains_pattern_are_joined_prefix_first():
    event = first_event(
        'network where http.request.body.content : ("POST*") and '
        'http.request.body.content : "*/upload*"'
    )
    assert event["http"]["request"]["body"]["content"].startswith("POST")


def test_kql_values_take_the_type_of_their_field():
    event = first_event("destination.port:8000", language="kql")
    assert event["destination"]["port"] == 8000


def test_a_present_ip_field_gets_an_address():
    event = first_event("network where destination.ip != null")
    assert event["destination"]["ip"][0].isdigit()


def test_a_length_bound_gets_a_long_enough_string():
    event = first_event("process where length(process.command_line) > 255")
    assert len(event["process"]["command_line"]) > 255


def test_an_escaped_star_in_string_contains_is_a_literal_star():
    event = first_event('any where stringContains(aws.request, "Principal=\\\\*")')
    assert "Principal=*" in event["aws"]["request"]


def test_near_misses_turn_exactly_one_condition():
    condition = parse_eql(
        'process where process.name : "cmd.exe" and process.pid == 4'
    ).body.condition
    positive = next(iter(events_for(condition)))
    check = compile_condition(condition)
    misses = list(near_misses(condition, positive))
    assert len(misses) == 2
    assert all(not check(event) for _, event in misses)


def test_regex_examples_avoid_negated_classes():
    assert pattern_examples("[^a-z0-9]+x", "regex") == [" x"]


def test_a_date_field_that_must_differ_from_a_date_gets_another_date():
    event = first_event(
        'any where event.created != null and event.created != "2024-05-01T10:00:00.000Z"'
    )
    assert parse_date_millis(event["event"]["created"]) is not None


def test_a_string_field_that_must_exist_gets_the_ecs_example():
    event = first_event("process where process.executable != null")
    assert event["process"]["executable"] == "/usr/bin/ssh"


def test_distinct_values_of_a_field_with_an_ecs_example_are_variations_of_it():
    values = [distinct_value("keyword", i, "cloud.region") for i in range(3)]
    assert values[0] == "us-east-1" and len(set(values)) == 3
