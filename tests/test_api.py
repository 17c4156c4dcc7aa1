"""The Python API (`ruleops.parse`, `ruleops.check_query`, `ruleops.evaluate`): stable
names and signatures, one behaviour per test."""

from __future__ import annotations

import inspect

import pytest

import ruleops
from ruleops.eql.ast import Query as EqlQuery
from ruleops.esql.ast import Query as EsqlQuery
from ruleops.query.ast import Match
from ruleops.query.syntax_error import QuerySyntaxError

PROCESS = {
    "@timestamp": "2024-05-01T10:00:00Z",
    "event": {"category": "process"},
    "process": {"name": "cmd.exe", "pid": 4},
    "message": "Mimikatz was run",
}
NETWORK = {
    "@timestamp": "2024-05-01T10:00:01Z",
    "event": {"category": "network"},
    "process": {"pid": 4},
    "bytes": 200,
}


def test_the_three_names_have_their_documented_signatures():
    assert str(inspect.signature(ruleops.parse)) == "(query: 'str', language: 'str') -> 'Any'"
    assert list(inspect.signature(ruleops.check_query).parameters) == [
        "query",
        "language",
        "field_types",
        "mapping",
    ]
    evaluate = inspect.signature(ruleops.evaluate).parameters
    assert list(evaluate) == ["query", "events", "language", "field_types", "mapping"]
    assert evaluate["field_types"].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize(
    ("query", "language", "kind"),
    [
        ('process where process.name : "cmd.exe"', "eql", EqlQuery),
        ("process.name:cmd.exe", "kql", Match),
        ("FROM logs-* | KEEP process.name", "esql", EsqlQuery),
    ],
)
def test_parse_gives_each_languages_syntax_tree(query, language, kind):
    assert isinstance(ruleops.parse(query, language), kind)


def test_parse_raises_a_located_syntax_error():
    with pytest.raises(QuerySyntaxError) as caught:
        ruleops.parse("process where (", "eql")
    assert (caught.value.line, caught.value.column) == (1, 16)


def test_an_unknown_language_is_a_value_error():
    with pytest.raises(ValueError, match="eql, kql, esql"):
        ruleops.parse("x", "lucene")


def test_check_query_reports_a_syntax_error_as_a_diagnostic():
    [found] = ruleops.check_query("process where (", "eql")
    assert (found.code, found.path, found.line, found.column) == ("RO300", "query", 1, 16)


def test_check_query_reports_what_the_eql_verifier_rejects():
    [found] = ruleops.check_query("process where process.pid", "eql")
    assert found.code == "RO311"


def test_check_query_on_a_clean_query_is_empty():
    assert ruleops.check_query('process where process.name == "cmd.exe"', "eql") == []


def test_check_query_reads_the_given_field_types():
    found = ruleops.check_query("bytes > 100*", "kql", field_types={"bytes": "long"})
    assert [d.code for d in found] == ["RO353", "RO410"]


def test_check_query_reads_an_index_mapping():
    mapping = {"properties": {"flag": {"type": "long"}}}
    [found] = ruleops.check_query("any where flag", "eql", mapping=mapping)
    assert found.code == "RO311"


NESTED = {
    "properties": {
        "corp": {
            "properties": {
                "events": {"type": "nested", "properties": {"name": {"type": "keyword"}}}
            }
        }
    }
}


def test_evaluate_kql_reads_a_mapped_nested_field_only_inside_its_object():
    events = [{"corp": {"events": [{"name": "q"}]}}]
    assert ruleops.evaluate("corp.events.name:q", events, "kql", mapping=NESTED) == []
    assert ruleops.evaluate("corp.events:{name:q}", events, "kql", mapping=NESTED) == events


def test_check_query_reports_a_mapped_nested_field_read_outside_its_object():
    assert [d.code for d in ruleops.check_query("corp.events.name:q", "kql", mapping=NESTED)] == [
        "RO409"
    ]
    eql = ruleops.check_query('any where corp.events.name == "q"', "eql", mapping=NESTED)
    assert [d.code for d in eql] == ["RO313"]


def test_check_query_places_findings_on_later_lines():
    [found] = ruleops.check_query('FROM logs-*\n| WHERE process.nmae == "x"', "esql")
    assert (found.code, found.line, found.column) == ("RO350", 2, 9)


def test_evaluate_eql_returns_the_matching_events():
    query = 'process where process.name : "CMD.EXE"'
    assert ruleops.evaluate(query, [PROCESS, NETWORK], "eql") == [PROCESS]


def test_evaluate_eql_returns_a_sequence_as_a_list_of_events():
    query = "sequence by process.pid [process where true] [network where true]"
    assert ruleops.evaluate(query, [PROCESS, NETWORK], "eql") == [[PROCESS, NETWORK]]


def test_evaluate_kql_runs_with_field_types():
    # message is a text field in ECS: its words match
    assert ruleops.evaluate("message:mimikatz", [PROCESS, NETWORK], "kql") == [PROCESS]


def test_evaluate_kql_takes_the_callers_types():
    assert ruleops.evaluate("bytes:200.0", [NETWORK], "kql", field_types={"bytes": "long"}) == [
        NETWORK
    ]


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")])
def test_evaluate_kql_reads_a_non_finite_number_in_a_long_field_as_absent(number):
    events = [{"process": {"pid": number}}]
    assert ruleops.evaluate("process.pid:5", events, "kql") == []
    assert ruleops.evaluate("not process.pid:5", events, "kql") == events


@pytest.mark.parametrize("number", [float("inf"), float("nan")])
def test_evaluate_eql_with_a_mapping_reads_a_non_finite_number_as_absent(number):
    mapping = {"properties": {"process": {"properties": {"pid": {"type": "long"}}}}}
    events = [{"event": {"category": "process"}, "process": {"pid": number}}]
    assert ruleops.evaluate("process where process.pid == 5", events, "eql", mapping=mapping) == []
    assert ruleops.evaluate("process where process.pid > 5", events, "eql", mapping=mapping) == []


def test_evaluate_esql_returns_the_result_rows():
    rows = ruleops.evaluate(
        "FROM events | WHERE process.pid == 4 | KEEP event.category | SORT event.category",
        [PROCESS, NETWORK],
        "esql",
    )
    assert rows == [{"event.category": "network"}, {"event.category": "process"}]


def test_evaluate_rejects_a_query_elasticsearch_would_reject():
    with pytest.raises(ValueError, match="Unable to convert"):
        ruleops.evaluate('any where number("abc") == 1', [PROCESS], "eql")


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("any where true", "eql"),
        ("process.pid:4", "kql"),
        ("FROM events | WHERE process.pid == 4", "esql"),
    ],
)
@pytest.mark.parametrize("event", [1, "process", None, [PROCESS]])
def test_evaluate_says_which_event_is_not_an_object(query, language, event):
    with pytest.raises(ValueError, match=r"event 1 is .*, not a JSON object"):
        ruleops.evaluate(query, [PROCESS, event], language)
