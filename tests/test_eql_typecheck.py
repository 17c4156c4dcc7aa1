"""What Elasticsearch's EQL verifier rejects once it knows the fields' types (and EQL `:` on a
field that is not a string): each rule names the Elasticsearch source it follows."""

from __future__ import annotations

import pytest

from ruleops.checks.fields import eql_fields
from ruleops.config import Config
from ruleops.diagnostics import REGISTRY
from ruleops.ecs import load_ecs
from ruleops.eql.parser import parse_eql
from ruleops.eql.typecheck import check_types
from ruleops.loading import rule_from_text


def codes(query: str, types=None) -> list[str]:
    return [f.code for f in check_types(parse_eql(query), types or load_ecs().fields)]


def rule_codes(query: str) -> list[str]:
    text = f"[rule]\nlanguage = \"eql\"\ntype = \"eql\"\nquery = '''\n{query}\n'''\n"
    return [d.code for d in eql_fields(rule_from_text(text, "rules/r.toml").rule, Config())]


@pytest.mark.parametrize("code", ["RO311", "RO312", "RO313", "RO314"])
def test_each_code_fails_on_its_bad_example_and_passes_its_good_one(code):
    info = REGISTRY[code]
    assert code in rule_codes(info.bad)
    assert code not in rule_codes(info.good)


# RO311: ql VerifierChecks.checkFilterConditionType, "Condition expression needs to be boolean"


@pytest.mark.parametrize(
    "query",
    ["process where process.pid", "file where 1 - -2", 'any where "a"', "any where length(x.y)"],
)
def test_a_condition_that_is_not_boolean_is_rejected(query):
    assert codes(query, {"x.y": "keyword", "process.pid": "long"}) == ["RO311"]


def test_an_operand_of_and_must_be_boolean():
    assert codes("process where process.pid and true") == ["RO311"]


def test_a_boolean_field_is_a_condition():
    # querytranslator_tests.txt fieldNoEquals: `process where bool` is term bool:true
    assert codes("process where process.interactive") == []


def test_a_field_of_unknown_type_is_not_judged():
    assert codes("any where custom.flag", {}) == []


def test_the_condition_error_points_at_the_operand():
    [finding] = check_types(parse_eql("process where true and process.pid"), load_ecs().fields)
    assert (finding.span.start, finding.span.end) == (23, 34)


# RO312: TypeResolutions.isExact / FieldAttribute.exactAttribute on text fields


@pytest.mark.parametrize(
    "condition",
    [
        'message == "a"',
        'message : "*a*"',
        'message in ("a", "b")',
        "length(message) > 3",
        'process.command_line.text like "a*"',
        "message != null",
    ],
)
def test_a_text_field_cannot_be_compared_exactly(condition):
    assert codes(f"any where {condition}") == ["RO312"]


def test_a_text_field_with_a_keyword_sub_field_compares_that():
    types = {"body": "text", "body.keyword": "keyword"}
    assert codes('any where body == "a"', types) == []


def test_the_hint_names_the_keyword_parent_of_a_text_multi_field():
    [finding] = check_types(parse_eql('any where user.name.text == "x"'), load_ecs().fields)
    assert finding.hint == "compare the keyword field user.name instead"


# RO313: VerifierTests.testGeo, testNested, testRange


def test_a_geo_point_field_is_unsupported():
    assert codes("network where source.geo.location != null") == ["RO313"]


def test_a_field_inside_a_nested_field_is_unsupported():
    assert codes('email where email.attachments.file.name == "a.exe"') == ["RO313"]


def test_a_range_field_is_unsupported():
    assert codes("any where r == 1", {"r": "integer_range"}) == ["RO313"]


# RO314: Verifier.checkJoinKeyTypes, DataTypes.areCompatible


def test_join_keys_of_incompatible_types_are_rejected():
    query = "sequence [network where true] by source.ip [iam where true] by user.name"
    assert codes(query) == ["RO314"]


def test_numeric_join_keys_of_different_widths_are_compatible():
    types = {"a": "long", "b": "integer"}
    assert codes("sequence [x where true] by a [y where true] by b", types) == []


def test_keyword_and_wildcard_keys_are_compatible():
    query = "sequence [process where true] by process.command_line [file where true] by file.path"
    assert codes(query) == []


# RO354 in EQL: InsensitiveBinaryComparison.resolveInputType (isString), RegexMatch


def test_colon_on_a_number_field_is_rejected_without_a_wildcard():
    assert "RO354" in rule_codes('process where process.pid : "4"')


def test_colon_on_an_ip_field_is_rejected():
    assert "RO354" in rule_codes('network where source.ip : "10.0.0.1"')
