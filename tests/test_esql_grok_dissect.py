"""GROK and DISSECT patterns (ruleops.esql.grok, ruleops.esql.dissect)."""

import pytest

from ruleops.esql.dissect import DissectError, compile_dissect
from ruleops.esql.grok import GrokError, compile_grok, compile_groks, library


def test_every_library_pattern_compiles():
    for name in library():
        compile_grok(f"%{{{name}:x}}")


def test_a_grok_pattern_searches_the_value():
    assert compile_grok("%{WORD:b} .*").match("foo bar") == ["foo"]


def test_a_type_suffix_converts_the_column():
    grok = compile_grok("%{NUMBER:b:int} %{NUMBER:c:float} %{WORD:d:boolean}")
    assert [c.type for c in grok.columns] == ["integer", "double", "boolean"]
    assert grok.match("12 15.5 true") == [12, 15.5, True]


def test_no_match_gives_none():
    assert compile_grok("%{NUMBER:b:int} .*").match("foo bar") is None


def test_a_name_captured_twice_is_a_multi_value():
    assert compile_grok("%{WORD:b} %{WORD:b}").match("foo bar") == [("foo", "bar")]


def test_inline_named_groups_may_have_dotted_names():
    grok = compile_grok("instanceId=(?<Esql.instance_id>[^,}]+)")
    assert grok.columns[0].name == "Esql.instance_id"
    assert grok.match("x instanceId=i-123, y") == ["i-123"]


def test_an_unknown_pattern_is_an_error():
    with pytest.raises(GrokError, match=r"Unable to find pattern \[NOPE\]"):
        compile_grok("%{NOPE:x}")


def test_dissect_splits_on_delimiters():
    assert compile_dissect("%{a} %{b} %{c}").match("1 2 3 4") == ["1", "2", "3 4"]


def test_dissect_append_and_skip_and_padding():
    dissect = compile_dissect("%{a} %{+a} %{?x} %{b->} %{c}")
    assert dissect.columns == ("a", "b", "c")
    assert dissect.match("1 2 3 4    5", ",") == ["1,2", "4", "5"]


def test_dissect_no_match_gives_none():
    assert compile_dissect("%{a}-%{b}").match("no dash") is None


def test_dissect_reference_keys_are_rejected():
    with pytest.raises(DissectError):
        compile_dissect("%{*k} %{&k}")


# Patterns Elasticsearch refuses (StatementParserTests.testGrokPattern).


def test_a_name_captured_with_two_types_is_an_error():
    with pytest.raises(GrokError, match=r"\[foo\] is defined multiple times with different types"):
        compile_grok("%{NUMBER:foo:int} %{WORD:foo}")


def test_python_named_groups_are_not_grok_syntax():
    with pytest.raises(GrokError, match=r"undefined group option"):
        compile_grok("(?P<justification>.+)")


def test_an_escaped_parenthesis_before_p_is_no_named_group():
    assert compile_grok(r"\(?P %{WORD:b}").match("(P foo") == ["foo"]


def test_several_patterns_may_not_capture_one_name_by_different_references():
    with pytest.raises(GrokError, match=r"\[foo\] is defined multiple times"):
        compile_groks(("%{NUMBER:foo}", "%{WORD:foo}"))


def test_several_patterns_may_capture_one_name_by_the_same_reference():
    assert [c.name for c in compile_groks(("%{WORD:foo} x", "%{WORD:foo}"))[0].columns] == ["foo"]
