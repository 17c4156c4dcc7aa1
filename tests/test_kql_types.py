"""KQL where the field's type decides the meaning (issue 19, KQL items 1-6): each test names
the Kibana or Elasticsearch source it follows. Conditions run with ECS's field types, as
the KQL rule executor runs them."""

from __future__ import annotations

import pytest

from ruleops.ecs import load_ecs
from ruleops.engine import run_check
from ruleops.es_types import analyze
from ruleops.kql.field_types import kql_field_types
from ruleops.kql.parser import parse_kql
from ruleops.kql.typecheck import check_types
from ruleops.query.evaluate import compile_condition
from ruleops.query.fieldcheck import check_condition

TYPES = kql_field_types(
    {
        **load_ecs().fields,
        "bytes": "long",
        "ratio": "float",
        "event.created": "date",
        "host.ip": "ip",
    }
)


def matches(query: str, event: dict, types=TYPES) -> bool:
    return compile_condition(parse_kql(query), dialect="kql", field_types=types)(event)


# 1. text fields are analysed (standard analyzer; is.ts: query_string for wildcards)


def test_the_standard_analyzer_splits_words_and_lower_cases_them():
    assert analyze("Invoke-Mimikatz -DumpCreds mimikatz.exe") == (
        "invoke",
        "mimikatz",
        "dumpcreds",
        "mimikatz.exe",
    )


def test_a_wildcard_on_a_text_field_never_spans_two_words():
    assert not matches("message:*Invoke-Mimikatz*", {"message": "ran Invoke-Mimikatz now"})


def test_a_wildcard_on_a_text_field_matches_one_word_in_any_case():
    assert matches("message:qui*", {"message": "The Quick fox"})


def test_a_term_on_a_text_field_matches_any_of_its_words():
    # match query, default operator OR
    assert matches("message:Mimikatz", {"message": "blocked mimikatz today"})


def test_a_phrase_on_a_text_field_needs_its_words_in_order():
    assert matches('message:"quick fox"', {"message": "The Quick Fox"})
    assert not matches('message:"fox quick"', {"message": "The Quick Fox"})


def test_whitespace_splits_a_wildcard_value_into_terms_on_a_text_field():
    # query_string: terms separated by whitespace, any may match
    assert matches("message:*zzz qui*", {"message": "The quick fox"})


def test_a_wildcard_on_a_keyword_field_matches_the_whole_value_exactly():
    # is.ts: a `wildcard` query on a keyword field
    assert matches("process.name:*cmd*", {"process": {"name": "xcmd.exe"}})
    assert not matches("process.name:*CMD*", {"process": {"name": "xcmd.exe"}})


# 2. free text searches every field (multi_match, lenient)


def test_free_text_matches_a_keyword_field_exactly():
    assert matches("cmd.exe", {"process": {"name": "cmd.exe"}})


def test_free_text_matches_a_word_of_a_text_field():
    assert matches("mimikatz", {"message": "Mimikatz was run"})


def test_a_quoted_free_text_phrase_matches_a_message_that_contains_it():
    assert matches('"was run"', {"message": "Mimikatz was run today"})


def test_free_text_skips_a_number_field_it_cannot_read():
    assert not matches("abc", {"bytes": 5})
    assert matches("5", {"bytes": 5})


# 3. ECS `.text` multi-fields are read from their parent field


def test_a_text_multi_field_reads_its_parent_value_analysed():
    assert matches("user.name.text:smith", {"user": {"name": "John Smith"}})


def test_a_text_multi_field_never_exists_in_the_document():
    assert not matches("user.name.text:smith", {"user": {"name": {"text": "smith"}}})


# 4. numbers compare as numbers on numeric fields (NumberFieldMapper)


def test_a_number_with_leading_zeros_is_that_number():
    assert matches("bytes:070", {"bytes": 70})


def test_a_document_number_written_as_a_decimal_matches_the_integer():
    assert matches("bytes:200", {"bytes": 200.0})
    assert matches("bytes:200", {"bytes": "200"})


def test_a_decimal_on_an_integer_field_matches_nothing():
    # NumberFieldMapper.termQuery: a value with a decimal part matches no document
    assert not matches("bytes:200.5", {"bytes": 200})


def test_a_decimal_range_bound_on_an_integer_field_compares_as_a_number():
    assert matches("bytes > 1.5", {"bytes": 2})
    assert not matches("bytes > 1.5", {"bytes": 1})


# 5. dates: equality is a range over the precision written (is.ts: gte/lte)


def test_a_date_written_to_the_day_matches_the_whole_day():
    assert matches("event.created:2024-05-01", {"event": {"created": "2024-05-01T23:59:59Z"}})
    assert not matches("event.created:2024-05-01", {"event": {"created": "2024-05-02T00:00:00Z"}})


@pytest.mark.parametrize(
    ("query", "created", "expected"),
    [
        # gt and lte round a bound without a time up to the day's last millisecond
        ("event.created > 2024-05-01", "2024-05-01T12:00:00Z", False),
        ("event.created <= 2024-05-01", "2024-05-01T12:00:00Z", True),
        # gte and lt round down to its first
        ("event.created >= 2024-05-01", "2024-05-01T00:00:00Z", True),
        ("event.created < 2024-05-01", "2024-05-01T00:00:00Z", False),
    ],
)
def test_a_range_bound_without_a_time_rounds_as_the_range_query_does(query, created, expected):
    assert matches(query, {"event": {"created": created}}) is expected


def test_epoch_milliseconds_work_on_a_date_field():
    assert matches("event.created:1714557600000", {"event": {"created": "2024-05-01T10:00:00Z"}})


# 6. ranges follow the field's type


def test_a_range_on_a_keyword_field_compares_strings():
    assert matches("process.name > 10", {"process": {"name": "9"}})


def test_a_range_on_an_ip_field_compares_addresses():
    assert matches("host.ip >= 10.0.0.2", {"host": {"ip": "10.0.0.10"}})
    assert not matches("host.ip >= 10.0.0.20", {"host": {"ip": "10.0.0.3"}})


# 7. nested fields match only inside `field:{ … }` (ECS nests email.attachments)


def test_a_nested_field_matches_inside_a_nested_query():
    event = {"email": {"attachments": [{"file": {"extension": "exe"}}]}}
    assert matches('email.attachments:{ file.extension: "exe" }', event)


def test_a_nested_field_outside_a_nested_query_matches_nothing():
    # the nested objects are documents of their own: a plain query never reaches them
    event = {"email": {"attachments": [{"file": {"extension": "exe"}}]}}
    assert not matches('email.attachments.file.extension: "exe"', event)


def test_a_check_says_a_nested_field_outside_a_nested_query_matches_nothing():
    [finding] = check_types(parse_kql('email.attachments.file.extension: "exe"'), TYPES)
    assert finding.code == "RO409"


# 8. a quoted or escaped `*` in a field name is a character (a literal node in Kibana)


def test_a_quoted_star_in_a_field_name_is_no_wildcard():
    assert not matches('"process.*":x', {"process": {"name": "x"}})
    assert matches('"process.*":x', {"process.*": "x"})


def test_an_escaped_star_in_a_field_name_is_no_wildcard():
    assert not matches("process.\\*:x", {"process": {"name": "x"}})


# 9. what Kibana accepts and Elasticsearch rejects is a semantic finding, not a syntax error


def test_a_wildcard_range_bound_is_a_finding_on_a_number_field():
    expr = parse_kql("destination.port > 100*")
    codes = [f.code for f in (*check_types(expr, TYPES), *check_condition(expr, dialect="kql"))]
    assert sorted(codes) == ["RO353", "RO410"]


def test_a_wildcard_nested_path_is_a_finding():
    [finding] = check_types(parse_kql('email.attach*:{ file.extension: "exe" }'), TYPES)
    assert finding.code == "RO408"


# A condition the field's type makes impossible, which Elasticsearch runs and never matches


def never(query: str) -> list[str]:
    return [f.message for f in check_types(parse_kql(query), TYPES) if f.code == "RO411"]


def test_a_wildcard_with_a_character_no_word_holds_never_matches_a_text_field():
    [message] = never("event.category:process and message:*Invoke-Mimikatz*")
    assert message.startswith('"*Invoke-Mimikatz*" can never match message')
    assert 'no word Elasticsearch indexes holds "-"' in message


@pytest.mark.parametrize(
    "query",
    [
        "message:*mimikatz*",  # a word
        "message:*.exe",  # `.` stays inside a word between letters
        "process.command_line:*Invoke-Mimikatz*",  # a keyword field: the whole value
        'message:"Invoke-Mimikatz"',  # a phrase: the words in order
    ],
)
def test_a_condition_that_can_match_is_no_finding(query):
    assert never(query) == []


def test_each_value_of_a_list_that_never_matches_is_named():
    [message] = never("message:(*a-b* or mimikatz)")
    assert message.startswith('"*a-b*" can never match message')


def test_a_value_with_no_word_never_matches_a_text_field():
    [message] = never('message:"--"')
    assert "holds no word" in message


def test_a_fraction_never_matches_an_integer_field():
    [message] = never("destination.port:70.5")
    assert "whole numbers" in message


def test_the_never_matching_wildcard_is_a_check_finding_of_the_rule(rule_repo):
    rule_repo.rule(
        "r.toml",
        "event.category:process and powershell.file.script_block_text:*Set-MpPreference*",
        type="query",
        language="kuery",
    )
    result = run_check([rule_repo.root / "rules"], rule_repo.config(), cache=False)
    [found] = [d for d in result.diagnostics if d.code == "RO411"]
    before = "event.category:process and powershell.file.script_block_text:"
    assert (str(found.severity), found.column) == ("error", len(before) + 1)


@pytest.mark.parametrize("query", ["@timestamp:abc", "@timestamp > abc", "event.created < 2024-13"])
def test_a_date_elasticsearch_cannot_read_is_a_finding(query):
    found = check_condition(parse_kql(query), dialect="kql")
    assert [f.code for f in found] == ["RO353"]


@pytest.mark.parametrize(
    "query", ["@timestamp:2024-05-01", '@timestamp >= "now-30d/d"', "@timestamp < 1714557600000"]
)
def test_a_date_elasticsearch_reads_is_no_finding(query):
    assert check_condition(parse_kql(query), dialect="kql") == []
