"""Field, type and value checks on the shared condition form (`ruleops.query.fieldcheck`).

Conditions are built by hand so that these tests specify the checker independently of
either parser; `test_eql_*` at the end go through the EQL front end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ruleops.checks.fields import eql_fields, eql_findings, field_definitions_usable
from ruleops.config import Config
from ruleops.ecs import ecs_with_definitions, load_ecs
from ruleops.eql.parser import parse_eql
from ruleops.loading import load_rule, rule_from_text
from ruleops.query.ast import (
    And,
    Call,
    Compare,
    Exists,
    Field,
    InSet,
    Literal,
    Match,
    Not,
    Or,
    Span,
)
from ruleops.query.fieldcheck import check_category, check_condition, check_fields


def field(name: str, start: int = 0) -> Field:
    return Field(tuple(name.split(".")), Span(start, start + len(name)))


def eq(name: str, value, op: str = "==") -> Compare:
    return Compare(op, field(name), Literal(value))


def codes(expr, **kwargs) -> list[str]:
    return [f.code for f in check_condition(expr, **kwargs)]


# RO350 unknown field


def test_misspelt_ecs_field_is_reported_with_the_nearest_field():
    [finding] = check_condition(eq("process.nmae", "cmd.exe"))
    assert finding.code == "RO350"
    assert "process.nmae" in finding.message
    assert finding.hint == "did you mean process.name?"


def test_unknown_field_finding_points_at_the_field():
    [finding] = check_condition(Compare("==", field("process.nmae", 17), Literal("x")))
    assert finding.span == Span(17, 29)


def test_ecs_field_passes():
    assert codes(eq("process.name", "cmd.exe")) == []


def test_reused_field_set_passes():
    assert codes(eq("process.parent.executable", "C:\\x.exe")) == []


def test_multi_field_passes():
    assert codes(Match(field("process.command_line.text"), ("*whoami*",))) == []


def test_defend_extension_field_passes():
    assert codes(eq("process.Ext.token.integrity_level_name", "system")) == []
    assert codes(eq("file.Ext.header_bytes", "4d5a*")) == []


def test_integration_field_passes_without_definitions():
    assert codes(eq("aws.cloudtrail.user_identity.arn", "x")) == []
    assert codes(eq("winlog.event_data.TargetUserName", "x")) == []


def test_optional_misspelt_field_is_still_reported():
    expr = Compare("==", Field(("process", "nmae"), optional=True), Literal("x"))
    assert codes(expr) == ["RO350"]


def test_same_unknown_field_is_reported_once_per_condition():
    expr = And((eq("process.nmae", "a"), eq("process.nmae", "b")))
    assert codes(expr) == ["RO350"]


def test_kql_wildcard_field_name_is_not_an_unknown_field():
    assert codes(Exists(field("process.*")), dialect="kql") == []


def test_user_definitions_check_their_namespace(tmp_path):
    path = tmp_path / "fields.json"
    path.write_text(json.dumps({"aws.cloudtrail.user_identity.arn": "keyword"}))
    ecs = ecs_with_definitions((path,))
    assert codes(eq("aws.cloudtrail.user_identity.arn", "x"), ecs=ecs) == []
    [finding] = check_condition(eq("aws.cloudtrail.user_identity.anr", "x"), ecs=ecs)
    assert finding.code == "RO350"
    assert finding.hint == "did you mean aws.cloudtrail.user_identity.arn?"


def test_user_definitions_give_types(tmp_path):
    path = tmp_path / "fields.json"
    path.write_text(json.dumps({"okta.debug_context.risk": "long"}))
    ecs = ecs_with_definitions((path,))
    assert codes(eq("okta.debug_context.risk", "high"), ecs=ecs) == ["RO353"]


def test_join_keys_are_checked_for_unknown_fields():
    assert [f.code for f in check_fields([field("host.idd"), field("host.id")])] == ["RO350"]


# RO351 category


def test_unknown_category_is_an_error_with_a_suggestion():
    [finding] = check_category("networ", Span(0, 6))
    assert finding.code == "RO351"
    assert finding.severity.name == "ERROR"
    assert finding.hint.startswith('did you mean "network where"?')


def test_ecs_category_passes():
    assert check_category("network") == []


def test_any_category_passes():
    assert check_category(None) == []
    assert check_category("any") == []


def test_category_is_checked_against_the_override_field():
    assert check_category("info", category_field="event.type") == []
    assert [f.code for f in check_category("info")] == ["RO351"]


def test_category_of_a_field_without_value_list_passes():
    assert check_category("anything", category_field="winlog.channel") == []


# RO352 categorisation values


def test_disallowed_event_type_value_is_reported():
    [finding] = check_condition(eq("event.type", "create"))
    assert finding.code == "RO352"
    assert finding.severity.name == "WARNING"
    assert finding.hint.startswith('did you mean "creation"?')


def test_allowed_event_type_value_passes():
    assert codes(eq("event.type", "creation")) == []


def test_disallowed_values_of_kind_and_outcome_are_reported():
    assert codes(eq("event.kind", "alerts")) == ["RO352"]
    assert codes(eq("event.outcome", "succeeded")) == ["RO352"]


def test_upper_case_value_fails_a_case_sensitive_comparison():
    [finding] = check_condition(eq("event.category", "Process"))
    assert finding.code == "RO352"
    assert "lower case" in finding.hint


def test_upper_case_value_passes_a_case_insensitive_match():
    assert codes(Match(field("event.category"), ("Process",), case_insensitive=True)) == []


def test_set_with_no_allowed_value_is_reported():
    expr = InSet(field("event.type"), (Literal("begin"), Literal("launch")), span=Span(5, 40))
    [finding] = check_condition(expr)
    assert finding.code == "RO352"
    assert finding.span == Span(5, 40)


def test_set_keeping_a_legacy_value_beside_an_ecs_value_passes():
    expr = InSet(field("event.type"), (Literal("start"), Literal("process_started")))
    assert codes(expr) == []


def test_match_list_with_no_allowed_value_is_reported():
    assert codes(Match(field("event.category"), ("networ", "proces"))) == ["RO352"]


def test_wildcard_matching_an_allowed_value_passes():
    assert codes(Match(field("event.type"), ("creat*",))) == []


def test_wildcard_matching_no_allowed_value_is_reported():
    assert codes(Match(field("event.type"), ("modif*",))) == ["RO352"]


def test_question_mark_is_a_wildcard_in_eql_only():
    assert codes(Match(field("event.outcome"), ("succes?",))) == []
    assert codes(Match(field("event.outcome"), ("succes?",)), dialect="kql") == ["RO352"]


def test_negated_comparison_is_checked_too():
    assert codes(Not(eq("event.type", "create", op="!="))) == ["RO352"]


# RO353 value type


def test_number_field_against_non_numeric_string_is_reported():
    [finding] = check_condition(eq("process.pid", "four"))
    assert finding.code == "RO353"
    assert "long" in finding.message


def test_number_field_against_number_passes():
    assert codes(eq("process.pid", 4)) == []
    assert codes(eq("process.pid", "4")) == []


def test_literal_on_the_left_is_checked_like_on_the_right():
    assert codes(Compare("==", Literal("four"), field("process.pid"))) == ["RO353"]


def test_ip_field_against_non_address_is_reported():
    assert codes(eq("source.ip", "localhost")) == ["RO353"]
    assert codes(eq("source.ip", "10.0.0.1")) == []


def test_boolean_field_against_non_boolean_is_reported():
    assert codes(eq("process.interactive", "yes")) == ["RO353"]
    assert codes(eq("process.interactive", True)) == []


def test_number_set_member_that_is_not_a_number_is_reported():
    expr = InSet(field("destination.port"), (Literal(445), Literal("smb")))
    assert codes(expr) == ["RO353"]


def test_kql_value_on_number_field_is_type_checked():
    assert codes(Match(field("process.pid"), ("four",)), dialect="kql") == ["RO353"]
    assert codes(Match(field("process.pid"), ("4",)), dialect="kql") == []


def test_kql_cidr_block_on_ip_field_passes():
    assert codes(Match(field("source.ip"), ("10.0.0.0/8",)), dialect="kql") == []


def test_null_comparison_passes_on_any_type():
    assert codes(eq("process.pid", None, op="!=")) == []


# RO354 pattern on non-string


def test_wildcard_on_number_field_is_reported():
    [finding] = check_condition(Match(field("destination.port"), ("44*",)))
    assert finding.code == "RO354"


def test_regex_on_ip_field_is_reported():
    assert codes(Match(field("source.ip"), ("10\\..*",), kind="regex")) == ["RO354"]


def test_wildcard_on_string_field_passes():
    assert codes(Match(field("process.name"), ("cmd*",))) == []


# RO355 range on string


def test_range_on_keyword_field_is_reported():
    [finding] = check_condition(eq("process.name", "a", op=">"))
    assert finding.code == "RO355"
    assert finding.severity.name == "WARNING"


def test_range_on_number_field_passes():
    assert codes(eq("process.args_count", 10, op=">")) == []


def test_range_on_number_field_with_text_is_a_type_mismatch():
    assert codes(eq("process.args_count", "many", op=">")) == ["RO353"]


# RO356 / RO357 functions


def test_cidr_match_on_non_ip_field_is_reported():
    expr = Call("cidrmatch", (field("destination.address"), Literal("10.0.0.0/8")))
    assert codes(expr) == ["RO356"]


def test_cidr_match_on_ip_field_passes():
    expr = Call("cidrmatch", (field("destination.ip"), Literal("10.0.0.0/8")))
    assert codes(expr) == []


def test_string_function_on_number_field_is_reported():
    expr = Call("startswith", (field("process.pid"), Literal("12")))
    assert codes(expr) == ["RO357"]


def test_string_function_on_string_field_passes():
    expr = Call("startswith", (field("process.name"), Literal("cmd")))
    assert codes(expr) == []


# RO359 event.type expected with the category


def test_event_type_unexpected_with_the_required_category_is_reported():
    expr = And((eq("event.type", "creation"), eq("process.name", "cmd.exe")))
    [finding] = check_condition(expr, category="process")
    assert finding.code == "RO359"
    assert '"creation"' in finding.message and '"process"' in finding.message


def test_event_type_expected_with_the_category_passes():
    assert codes(eq("event.type", "start"), category="process") == []


def test_event_category_comparison_in_the_condition_sets_the_category():
    expr = And((eq("event.category", "file"), eq("event.type", "start")))
    assert codes(expr, dialect="kql") == ["RO359"]


def test_one_expected_value_in_a_list_is_enough():
    expr = InSet(field("event.type"), (Literal("creation"), Literal("start")))
    assert codes(expr, category="process") == []


def test_event_type_under_or_is_not_a_requirement():
    expr = Or((eq("event.type", "creation"), eq("process.name", "x")))
    assert codes(expr, category="process") == []


def test_legacy_event_type_value_is_left_alone():
    expr = InSet(field("event.type"), (Literal("creation"), Literal("process_started")))
    assert codes(expr, category="process") == []


def test_findings_come_in_text_order():
    expr = And(
        (
            Compare("==", field("process.pid", 40), Literal("four")),
            Compare("==", field("process.nmae", 3), Literal("x")),
        )
    )
    assert [f.span.start for f in check_condition(expr)] == [3, 40]


# Through the EQL front end


def test_eql_sequence_clauses_and_keys_are_checked():
    query = parse_eql(
        "sequence by host.idd\n"
        '  [process where process.nmae == "a"]\n'
        '  [networ where destination.port == "smb"]'
    )
    found = sorted(f.code for f in eql_findings(query, load_ecs()))
    assert found == ["RO350", "RO350", "RO351", "RO353"]


def test_eql_rule_diagnostic_lands_on_the_query_line():
    text = (
        '[metadata]\ncreation_date = "2024/01/01"\n\n[rule]\n'
        'language = "eql"\n'
        "query = '''\n"
        "process where\n"
        '  process.nmae == "cmd.exe"\n'
        "'''\n"
    )
    [diagnostic] = list(eql_fields(rule_from_text(text).rule, Config()))
    assert diagnostic.code == "RO350"
    assert (diagnostic.line, diagnostic.column, diagnostic.end_column) == (8, 3, 15)


def test_eql_query_that_does_not_parse_is_left_to_the_syntax_check():
    text = "[rule]\nlanguage = \"eql\"\nquery = 'process where ('\n"
    assert list(eql_fields(rule_from_text(text).rule, Config())) == []


def test_eql_where_category_requires_expected_event_types():
    query = parse_eql('process where event.type == "creation" and process.name == "a"')
    assert [f.code for f in eql_findings(query, load_ecs())] == ["RO359"]


def test_eql_category_is_checked_against_the_rules_override():
    text = (
        '[rule]\nlanguage = "eql"\nevent_category_override = "event.type"\n'
        "query = 'info where event.action == \"x\"'\n"
    )
    assert list(eql_fields(rule_from_text(text).rule, Config())) == []


def test_eql_rule_uses_configured_field_definitions(tmp_path):
    path = tmp_path / "fields.json"
    path.write_text(json.dumps({"okta.event_type": "keyword"}))
    text = '[rule]\nlanguage = "eql"\nquery = \'iam where okta.evnt_type == "x"\'\n'
    rule = rule_from_text(text).rule
    assert list(eql_fields(rule, Config())) == []
    [diagnostic] = list(eql_fields(rule, Config(field_definitions=(path,))))
    assert diagnostic.hint == "did you mean okta.event_type?"


def test_unusable_field_definitions_are_reported_once_on_the_configuration(tmp_path):
    config = Config(source=tmp_path / "pyproject.toml", field_definitions=(tmp_path / "no.json",))
    [diagnostic] = list(field_definitions_usable([], config))
    assert diagnostic.code == "RO358"
    assert "no.json" in diagnostic.message


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"


def test_production_eql_rules_get_no_field_errors_and_rare_warnings():
    """The corpus rules are correct: no RO35x error on any of them, and at most a handful
    of warnings (measured: one, a lexicographic `user.id >= "1000000000"`)."""
    if not CORPUS.is_dir():
        pytest.skip("../shared corpus not present")

    found = []
    for path in sorted(CORPUS.rglob("*.toml")):
        rule = load_rule(path, str(path)).rule
        if rule is not None and rule.data.get("rule", {}).get("language") == "eql":
            found.extend(eql_fields(rule, Config()))
    assert [d for d in found if d.severity.name == "ERROR"] == []
    assert len(found) <= 5
