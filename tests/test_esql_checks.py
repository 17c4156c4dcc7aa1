"""ES|QL checks (`ruleops.esql.codes`): each fails on its documented bad example, passes on
the good one, and lands on the rule file's line and column."""

from __future__ import annotations

from ruleops.checks.esql import esql_query
from ruleops.config import Config
from ruleops.diagnostics import REGISTRY
from ruleops.loading import rule_from_text

PREAMBLE = """[metadata]
creation_date = "2024/01/01"
{metadata}
[rule]
name = "Example"
language = "esql"
type = "esql"
"""


def rule_file(query: str, metadata: str = "", rule: str = "") -> str:
    head = PREAMBLE.format(metadata=metadata)
    return head + f"query = '''\n{query}\n'''\n" + rule + "\n"


def diagnostics(query: str, metadata: str = "", rule: str = ""):
    loaded = rule_from_text(rule_file(query, metadata, rule), "rules/example.toml")
    assert loaded.rule is not None
    return list(esql_query(loaded.rule, Config()))


def codes(query: str, **extra: str) -> list[str]:
    return [d.code for d in diagnostics(query, **extra)]


def test_each_documented_query_example_fails_and_passes():
    for number in range(700, 714):
        info = REGISTRY[f"RO{number}"]
        assert info.summary and info.explanation
        assert info.code in codes(info.bad), info.code
        assert info.code not in codes(info.good), info.code


def test_features_newer_than_min_stack_version():
    query = "FROM logs-* | LOOKUP JOIN threats ON source.ip | KEEP source.ip"
    assert "RO714" in codes(query, metadata='min_stack_version = "8.15.0"')
    assert "RO714" not in codes(query, metadata='min_stack_version = "8.18.0"')


def _newer(query: str, version: str) -> list[str]:
    found = diagnostics(query, metadata=f'min_stack_version = "{version}"')
    return [d.message for d in found if d.code == "RO714"]


def test_change_point_came_in_8_19_and_9_1_but_not_9_0():
    query = "FROM m | STATS n = COUNT(*) BY @timestamp | CHANGE_POINT n ON @timestamp | KEEP n"
    assert _newer(query, "8.19.0") == [] and _newer(query, "9.1.0") == []
    assert _newer(query, "9.0.3") == [
        "CHANGE_POINT needs stack 8.19 or 9.1 or later; the rule's min_stack_version is 9.0.3"
    ]


def test_fork_came_in_9_1_only():
    query = "FROM a | FORK (WHERE b == 1) (WHERE c == 2) | KEEP b"
    assert _newer(query, "8.19.0") and not _newer(query, "9.1.0")


def test_aggregate_where_came_in_8_16():
    query = "FROM a | STATS Esql.n = COUNT(*) WHERE b == 1 | KEEP Esql.n"
    assert _newer(query, "8.15.2") and not _newer(query, "8.16.0")


def test_the_hint_names_the_first_version_on_the_rule_s_line():
    query = "FROM a | SAMPLE 0.1 | KEEP a"
    (found,) = [
        d for d in diagnostics(query, metadata='min_stack_version = "8.17.0"') if d.code == "RO714"
    ]
    assert found.hint == 'raise min_stack_version to "8.19.0"'


def test_a_function_newer_than_min_stack_version_is_named():
    query = 'FROM a | WHERE MV_CONTAINS(event.category, "process") | KEEP a'
    assert _newer(query, "8.18.0") == [
        "MV_CONTAINS needs stack 9.2 or later; the rule's min_stack_version is 8.18.0"
    ]
    assert _newer(query, "9.2.0") == []


def test_an_aggregate_newer_than_min_stack_version_is_named():
    query = "FROM a | STATS Esql.l = LAST(host.name, @timestamp) | KEEP Esql.l"
    assert _newer(query, "9.3.0") and not _newer(query, "9.4.0")


def test_a_function_is_reported_once_per_query():
    query = 'FROM a | EVAL b = JSON_EXTRACT(c, "x"), d = JSON_EXTRACT(c, "y") | KEEP b'
    assert len(_newer(query, "9.3.0")) == 1


def test_an_argument_list_compared_never_matches_and_is_an_error():
    query = 'FROM a | WHERE process.args == "enc" AND process.args LIKE "-d*" | KEEP a'
    found = [d for d in diagnostics(query) if d.code == "RO716"]
    assert len(found) == 2 and {str(d.severity) for d in found} == {"error"}


def test_event_type_compared_is_a_warning_naming_the_alternatives():
    query = 'FROM a | WHERE event.type == "start" | STATS Esql.n = COUNT(*) | KEEP Esql.n'
    (found,) = diagnostics(query)
    assert (found.code, str(found.severity)) == ("RO710", "warning")
    assert 'KQL("event.type:value")' in found.hint and "MV_EXPAND event.type" in found.hint


def test_after_mv_expand_the_field_holds_one_value_per_row():
    query = 'FROM a | MV_EXPAND process.args | WHERE process.args == "-enc" | KEEP a'
    assert "RO716" not in codes(query)


def test_functions_of_elasticsearch_s_newer_lists_are_not_unknown():
    query = (
        'FROM a | EVAL Esql.d = NETWORK_DIRECTION(source.ip, destination.ip, ["private"]), '
        "Esql.h = ST_GEOHASH_TO_LONG(Esql.x), Esql.m = TO_AGGREGATEMETRICDOUBLE(1) "
        '| WHERE TERM(host.name, "x") | KEEP Esql.d'
    )
    assert "RO702" not in codes(query)


def test_suppression_on_a_column_the_query_does_not_return():
    query = "FROM logs-* | STATS Esql.n = COUNT(*) BY host.name | KEEP host.name, Esql.n"
    bad = '[rule.alert_suppression]\ngroup_by = ["user.name"]'
    good = '[rule.alert_suppression]\ngroup_by = ["host.name"]'
    assert "RO715" in codes(query, rule=bad)
    assert "RO715" not in codes(query, rule=good)


def test_syntax_error_lands_on_the_rule_file_line_and_column():
    (found,) = diagnostics("FROM logs-*\n| WHERE x = 1 | KEEP x")
    assert (found.code, found.line, found.column) == ("RO700", 10, 11)


def test_like_percent_is_reported_on_its_pattern():
    found = [d for d in diagnostics('FROM a\n| WHERE b LIKE "%x%" | KEEP b') if d.code == "RO706"]
    assert [(d.line, d.column) for d in found] == [(10, 16)]


def test_column_dropped_by_stats_is_unknown_with_what_is_left():
    query = "FROM a | STATS Esql.n = COUNT(*) BY host.name | WHERE process.name == 1 | KEEP Esql.n"
    (found,) = [d for d in diagnostics(query) if d.code == "RO705"]
    assert "Esql.n" in found.message


def test_typo_in_a_query_column_suggests_the_column():
    query = "FROM a | STATS Esql.count = COUNT(*) | WHERE Esql.cuont > 1 | KEEP Esql.count"
    (found,) = [d for d in diagnostics(query) if d.code == "RO705"]
    assert "Esql.count" in found.hint


def unknown_columns(query: str) -> list[tuple[str, str]]:
    """(code, message) of the column findings: RO705 unknown column, RO350 unknown field."""
    return [(d.code, d.message) for d in diagnostics(query) if d.code in ("RO705", "RO350")]


def test_a_field_keep_left_out_is_an_unknown_column_not_an_unknown_field():
    query = 'FROM a | KEEP _id, host.name | WHERE process.name == "cmd.exe"'
    ((code, message),) = unknown_columns(query)
    assert code == "RO705" and "`process.name`" in message and "KEEP" in message


def test_a_field_drop_removed_is_an_unknown_column():
    query = 'FROM a | DROP process.* | WHERE process.name == "cmd.exe" | KEEP host.name'
    ((code, message),) = unknown_columns(query)
    assert code == "RO705" and "DROP" in message


def test_a_field_renamed_away_is_an_unknown_column():
    query = "FROM a | RENAME host.name AS Esql.h | STATS Esql.c = COUNT(*) BY host.name"
    ((code, message),) = unknown_columns(query + " | KEEP Esql.c")
    assert code == "RO705" and "RENAME" in message


def test_a_computed_column_drop_removed_is_an_unknown_column():
    query = "FROM a | EVAL Esql.a = 1 | DROP Esql.a | STATS Esql.c = COUNT(Esql.a) | KEEP Esql.c"
    ((code, message),) = unknown_columns(query)
    assert code == "RO705" and "`Esql.a`" in message


def test_a_typo_in_a_computed_column_before_stats_suggests_the_column():
    query = 'FROM a | EVAL Esql.proc = process.name | WHERE Esql.porc == "a" | KEEP Esql.proc'
    (found,) = [d for d in diagnostics(query) if d.code == "RO705"]
    assert "`Esql.porc`" in found.message and found.hint == "did you mean `Esql.proc`?"


def test_an_esql_column_no_command_made_is_unknown_wherever_it_is_read():
    for use in ("WHERE Esql.nope == 1", "MV_EXPAND Esql.nope", "SORT Esql.nope"):
        ((code, _),) = unknown_columns(f"FROM a | {use} | KEEP host.name")
        assert code == "RO705", use


def test_a_field_kept_by_a_wildcard_is_still_readable():
    assert unknown_columns('FROM a | KEEP process.* | WHERE process.name == "a"') == []


def test_a_column_after_enrich_may_be_anything():
    query = "FROM a | ENRICH p ON host.name | WHERE Esql.x == 1 | KEEP Esql.x"
    assert [code for code, _ in unknown_columns(query)] == []


def test_kql_error_inside_esql_points_into_the_string():
    query = 'FROM a METADATA _id, _version, _index\n| WHERE KQL("host.name:(a or")\n| KEEP _id'
    found = [d for d in diagnostics(query) if d.code == "RO400"]
    assert found and found[0].line == 10


def test_ip_compared_with_a_non_address():
    assert "RO704" in codes('FROM a | WHERE source.ip == "nope" | KEEP source.ip')


def test_multi_valued_field_inside_mv_contains_is_fine():
    query = 'FROM a METADATA _id, _version, _index | WHERE MV_CONTAINS(event.type, "start")'
    assert "RO710" not in codes(query + " | KEEP _id, _version, _index")


def test_rlike_digit_classes_are_lucene_s_and_no_finding():
    assert "RO708" not in codes('FROM a | WHERE b RLIKE """\\d+\\s\\w""" | KEEP b')


def test_an_invalid_rlike_pattern_s_advice_does_not_deny_the_classes_lucene_has():
    (found,) = [d for d in diagnostics('FROM a | WHERE b RLIKE "a[" | KEEP b') if d.code == "RO708"]
    assert "no \\d" not in found.hint and "no `\\d`" not in REGISTRY["RO708"].explanation


def test_a_field_typo_inside_kql_is_reported_inside_the_string():
    query = 'FROM a | WHERE KQL("proces.name:cmd.exe") | KEEP a'
    (found,) = [d for d in diagnostics(query) if d.code == "RO350"]
    assert "proces.name" in found.message and found.column == len('FROM a | WHERE KQL("') + 1


def test_a_value_of_the_wrong_type_inside_kql_is_reported():
    found = [d for d in diagnostics('FROM a | WHERE KQL("process.pid:abc") | KEEP a')]
    assert any("process.pid" in d.message or "abc" in d.message for d in found)


def test_a_sound_kql_string_has_no_finding():
    found = codes(
        'FROM a METADATA _id, _version, _index | WHERE KQL("process.name:cmd.exe")'
        " | KEEP _id, _version, _index"
    )
    assert found == []


def test_grok_patterns_capturing_one_name_by_different_references_are_invalid():
    query = 'FROM a | GROK message "%{NUMBER:Esql.n}", "%{WORD:Esql.n}" | KEEP Esql.n'
    assert "RO709" in codes(query)
