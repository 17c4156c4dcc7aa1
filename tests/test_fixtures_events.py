"""Fixture events: timestamps filled in, values checked against ECS types."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ruleops.fixtures.events import leaves, lookup, prepare
from ruleops.fixtures.load import fixture_from_text
from ruleops.fixtures.runner import type_diagnostics


def case_of(events_toml: str, extra: str = ""):
    text = f'rule_id = "x"\n\n[[case]]\nname = "c"\nexpect = "match"\n{extra}{events_toml}'
    loaded = fixture_from_text(text, "f.toml")
    assert loaded.fixture is not None, loaded.diagnostics
    return loaded.fixture


EMPTY_EVENTS = "[[case.events]]\na = 1\n[[case.events]]\na = 2\n[[case.events]]\na = 3\n"


def test_events_without_timestamps_get_one_second_apart_in_file_order():
    prepared = prepare(case_of(EMPTY_EVENTS).cases[0], "@timestamp")
    stamps = [e["@timestamp"] for e in prepared.events]
    assert stamps == [
        "2024-01-01T00:00:00.000Z",
        "2024-01-01T00:00:01.000Z",
        "2024-01-01T00:00:02.000Z",
    ]


def test_missing_timestamps_follow_the_previous_given_one():
    events = '[[case.events]]\n"@timestamp" = 2024-05-01T10:00:00Z\n[[case.events]]\na = 2\n'
    prepared = prepare(case_of(events).cases[0], "@timestamp")
    assert prepared.events[1]["@timestamp"] == "2024-05-01T10:00:01.000Z"


def test_leading_events_without_timestamps_come_before_the_first_given_one():
    events = '[[case.events]]\na = 1\n[[case.events]]\n"@timestamp" = "2024-05-01T10:00:00Z"\n'
    prepared = prepare(case_of(events).cases[0], "@timestamp")
    assert prepared.events[0]["@timestamp"] == "2024-05-01T09:59:59.000Z"


def test_given_timestamps_are_rewritten_in_one_sortable_form():
    events = (
        '[[case.events]]\n"@timestamp" = "2024-05-01T12:00:00+02:00"\n'
        '[[case.events]]\n"@timestamp" = 1714557600500\n'
    )
    prepared = prepare(case_of(events).cases[0], "@timestamp")
    assert [e["@timestamp"] for e in prepared.events] == [
        "2024-05-01T10:00:00.000Z",
        "2024-05-01T10:00:00.500Z",
    ]
    assert prepared.times[1] - prepared.times[0] == dt.timedelta(milliseconds=500)


def test_timestamps_go_in_the_timestamp_field_given():
    prepared = prepare(case_of(EMPTY_EVENTS).cases[0], "event.ingested")
    assert prepared.events[0]["event"]["ingested"] == "2024-01-01T00:00:00.000Z"
    assert "@timestamp" not in prepared.events[0]


def test_toml_date_times_in_events_become_iso_strings():
    events = "[[case.events]]\nevent.created = 2024-05-01T10:00:00Z\n"
    prepared = prepare(case_of(events).cases[0], "@timestamp")
    assert prepared.events[0]["event"]["created"] == "2024-05-01T10:00:00.000Z"


def test_lookup_reads_nested_and_dotted_keys():
    event = {"process": {"parent": {"name": "a"}}, "host.os.type": "windows"}
    assert lookup(event, "process.parent.name") == "a"
    assert lookup(event, "host.os.type") == "windows"
    assert lookup(event, "process.pid") is None


def test_leaves_flatten_arrays_with_their_key_paths():
    event = {"p": {"args": ["a", "b"]}}
    found = [(leaf.name, leaf.value, leaf.key_path) for leaf in leaves(event, "e")]
    assert found == [("p.args", "a", "e.p.args[0]"), ("p.args", "b", "e.p.args[1]")]


def test_string_in_process_pid_is_reported_on_its_line_with_a_fix():
    fixture = case_of('[[case.events]]\nevent.category = "process"\nprocess.pid = "4"\n')
    (problem,) = type_diagnostics(fixture)
    assert (problem.code, problem.line, problem.column) == ("RO505", 8, 1)
    assert problem.message == (
        "process.pid is a long field in ECS, but case 'c' gives it the string '4'"
    )
    assert problem.hint == "write process.pid = 4"


def test_each_element_of_an_array_is_type_checked():
    fixture = case_of('[[case.events]]\ndestination.port = [1, "2"]\n')
    (problem,) = type_diagnostics(fixture)
    assert problem.code == "RO505"
    assert (problem.line, problem.column) == (7, 24)


def test_fields_outside_ecs_are_not_type_checked():
    fixture = case_of('[[case.events]]\nfile.Ext.header_bytes = 7265\nacme.custom = "x"\n')
    assert list(type_diagnostics(fixture)) == []


@given(st.lists(st.one_of(st.none(), st.integers(0, 4_102_444_800_000)), min_size=1, max_size=8))
def test_canonical_timestamps_sort_as_the_times_they_stand_for(millis):
    """Whatever mix of given and missing timestamps, the written strings order like the
    times, so a string sort and a time sort of the events agree."""
    events = "".join(
        "[[case.events]]\n" + (f'"@timestamp" = {m}\n' if m is not None else "a = 1\n")
        for m in millis
    )
    prepared = prepare(case_of(events).cases[0], "@timestamp")
    stamps = [e["@timestamp"] for e in prepared.events]
    by_string = sorted(range(len(stamps)), key=lambda i: (stamps[i], i))
    by_time = sorted(range(len(stamps)), key=lambda i: (prepared.times[i], i))
    assert by_string == by_time


def test_event_category_outside_ecs_values_is_a_warning_with_a_suggestion():
    fixture = case_of('[[case.events]]\nevent.category = "registery"\n')
    (problem,) = type_diagnostics(fixture)
    assert (problem.code, str(problem.severity), problem.line) == ("RO510", "warning", 7)
    assert problem.hint == "did you mean 'registry'?"


def test_ecs_categorisation_values_pass():
    fixture = case_of('[[case.events]]\nevent.category = ["process"]\nevent.type = "start"\n')
    assert list(type_diagnostics(fixture)) == []
