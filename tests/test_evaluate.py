"""The single-event evaluator: Elasticsearch's semantics per operator, field shape and null."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleops.eql.parser import parse_eql
from ruleops.query.ast import Call, Compare, Field, Literal, Match, Not
from ruleops.query.evaluate import EvaluationError, compile_condition, script_value
from ruleops.query.wildcard import compile_wildcard, compile_wildcard_set
from tests.time_bound import deadline


def matches(condition: str, event: dict, **kwargs) -> bool:
    query = parse_eql(f"any where {condition}")
    return compile_condition(query.body.condition, **kwargs)(event)


PROC = {"process": {"name": "cmd.exe", "pid": 42, "executable": "C:\\Windows\\cmd.exe"}}


# --- field access ----------------------------------------------------------------------------


def test_nested_objects_are_read_by_dotted_path():
    assert matches('process.name == "cmd.exe"', PROC)


def test_dotted_keys_are_read_like_nested_objects():
    assert matches('process.name == "cmd.exe"', {"process.name": "cmd.exe"})


def test_a_mix_of_nested_objects_and_dotted_keys_is_read():
    assert matches('process.parent.name == "x"', {"process": {"parent.name": "x"}})


def test_arrays_of_objects_flatten_into_a_multi_valued_field():
    event = {"process": [{"pid": 1}, {"pid": 2}]}
    assert matches("process.pid == 2", event)


def test_a_comparison_on_an_array_field_holds_when_any_value_satisfies_it():
    assert matches('event.category == "process"', {"event": {"category": ["file", "process"]}})


# --- case rules per operator ------------------------------------------------------------------


def test_double_equals_is_case_sensitive():
    assert not matches('process.name == "CMD.EXE"', PROC)


def test_colon_matches_case_insensitively():
    assert matches('process.name : "CMD.EXE"', PROC)


def test_like_is_case_sensitive():
    assert not matches('process.name like "CMD*"', PROC)


def test_like_tilde_is_case_insensitive():
    assert matches('process.name like~ "CMD*"', PROC)


def test_in_is_case_sensitive():
    assert not matches('process.name in ("CMD.EXE", "x")', PROC)


def test_in_tilde_is_case_insensitive():
    assert matches('process.name in~ ("CMD.EXE", "x")', PROC)


def test_in_does_not_expand_wildcards():
    assert not matches('process.name in ("cmd*")', PROC)


def test_string_ordering_is_case_sensitive_by_code_point():
    assert matches('process.name > "CMD"', PROC)


# --- wildcards -----------------------------------------------------------------------------


def test_colon_wildcard_question_mark_matches_exactly_one_character():
    assert matches('process.executable : "?:\\\\Windows\\\\*.exe"', PROC)


def test_wildcard_patterns_are_anchored():
    assert not matches('process.name : "cmd"', PROC)


def test_a_backslash_in_an_eql_wildcard_is_literal_not_an_escape():
    test = compile_wildcard("C:\\*")
    assert test("C:\\x") and not test("C:*")


def test_any_of_several_wildcard_patterns_may_match():
    assert matches('process.name : ("a*", "*.exe", "zz")', PROC)


def test_lucene_wildcard_escapes_make_the_next_character_literal():
    test = compile_wildcard("a\\*b", escapes=True)
    assert test("a*b") and not test("axb")


# --- regex ------------------------------------------------------------------------------------


def test_regex_must_match_the_whole_value():
    assert not matches('process.name regex "cmd"', PROC)


def test_regex_tilde_is_case_insensitive():
    assert matches('process.name regex~ "CMD\\\\.EXE"', PROC)


def test_regex_runs_lucene_syntax_not_python_syntax():
    assert matches('process.name regex "~(a.*)"', PROC)  # complement: not starting with "a"


def test_regex_that_would_backtrack_for_minutes_answers_at_once():
    with deadline(5):
        assert not matches('process.name regex~ "(a+)+b"', {"process": {"name": "a" * 3000}})


def test_invalid_regex_is_an_evaluation_error_naming_the_problem():
    with pytest.raises(EvaluationError, match="never closed"):
        matches('process.name regex "(a"', PROC)


# --- missing fields, null and three-valued logic ---------------------------------------------


def test_a_comparison_with_a_missing_field_does_not_match():
    assert not matches("process.exit_code > -1", PROC)


def test_not_over_a_field_condition_matches_an_event_without_the_field():
    # ES translates `not process.name : "a"` to a must_not query.
    assert matches('not user.name : "a"', PROC)


def test_not_over_a_function_of_a_missing_field_matches():
    # ES wraps the whole script query in `not`: querytranslator_tests.txt
    # negatedInFilterWithScripting gives InternalQlScriptUtils.not(multiValueDocValues(doc, f,
    # X0 -> nullSafeFilter(...))), and InternalEqlScriptUtils.multiValueDocValues tests null
    # for a missing field: nullSafeFilter(null > 3) is false, so `not` is true.
    assert matches("not length(user.name) > 3", PROC)


def test_a_function_of_a_missing_field_does_not_match():
    # the same script without `not`: null > 3 is null, and nullSafeFilter(null) is false
    assert not matches("length(user.name) > 3", PROC)


def test_not_over_a_script_holds_when_no_value_of_the_field_satisfies_it():
    # `not` wraps multiValueDocValues, which is true when any value passes
    assert not matches("not length(user.name) > 3", {"user": {"name": ["ab", "abcdef"]}})
    assert matches("not length(user.name) > 3", {"user": {"name": ["ab", "abc"]}})


def test_not_in_over_a_function_of_a_missing_field_matches():
    # querytranslator_tests.txt negatedInFilterWithScripting
    assert matches('substring(user.name, 5) not in ("test*", "best")', PROC)


def test_each_use_of_a_field_in_a_script_reads_its_own_value():
    # Scripts.multiValueDocValuesRewrite gives every docValue call its own variable, so a
    # field used twice ranges over its values independently.
    event = {"user": {"name": ["a", "b"]}}
    assert matches('concat(user.name, "-", user.name) == "a-b"', event)


def test_not_equals_matches_an_event_without_the_field():
    # ES translates `!=` on a field to must_not(term).
    assert matches('user.name != "root"', PROC)


def test_equals_null_matches_a_missing_field():
    assert matches("user.name == null", PROC)


def test_not_equals_null_matches_a_present_field():
    assert matches("process.name != null", PROC)


def test_null_equals_an_expression_tests_whether_it_is_null():
    assert matches("null == (user.id > -1)", PROC)


def test_function_equals_false_is_rewritten_to_not():
    # BooleanFunctionEqualsElimination: startsWith(...) == false is not startsWith(...).
    assert matches('startsWith(user.name, "a") == false', PROC)


def test_literal_on_the_left_of_a_comparison_is_moved_right():
    assert matches("40 < process.pid", PROC)


def test_unknown_optional_field_is_null_when_the_mapping_is_known():
    types = {"process.name": "keyword"}
    assert matches("?x == ?y", PROC, field_types=types)


def test_double_negation_cancels_out():
    condition = Not(Not(Compare("==", Field(("process", "pid")), Literal(42))))
    assert compile_condition(condition)(PROC)


# --- coercion and typed fields --------------------------------------------------------------


def test_a_numeric_string_value_compares_with_a_number():
    assert matches("process.pid == 42", {"process": {"pid": "42"}})


def test_integers_and_floats_compare_numerically():
    assert matches("process.pid < 42.5", PROC)


def test_date_fields_compare_with_iso_literals():
    event = {"@timestamp": "2024-05-01T10:00:00.500Z"}
    types = {"@timestamp": "date"}
    assert matches('@timestamp > "2024-05-01T10:00:00Z"', event, field_types=types)


def test_version_fields_compare_by_semantic_version():
    types = {"version": "version"}
    assert matches('version > "1.5.0"', {"version": "1.11.3"}, field_types=types)


def test_invalid_versions_are_neither_above_nor_below_valid_ones():
    types = {"version": "version"}
    assert not matches('version < "1.5.0"', {"version": "bad"}, field_types=types)


# --- functions ---------------------------------------------------------------------------------


def test_function_names_are_case_insensitive():
    assert matches('CONCAT(process.name, "x") == "cmd.exex"', PROC)


def test_concat_of_a_missing_field_is_null():
    call = Call("concat", (Field(("user", "name")), Literal("x")))
    assert script_value(call, PROC) is None


def test_between_returns_the_text_between_the_delimiters():
    assert matches('between(process.executable, "\\\\", ".") == "Windows\\\\cmd"', PROC)


def test_indexof_of_an_absent_substring_is_null():
    assert matches('indexOf(process.name, "z") == null', PROC)


def test_substring_accepts_negative_offsets():
    assert matches('substring(process.name, -3) == "exe"', PROC)


def test_string_contains_of_empty_strings_is_false():
    assert not matches('stringContains("", "")', PROC)


def test_integer_division_truncates():
    assert matches("process.pid / 5 == 8", PROC)


def test_modulo_takes_the_sign_of_the_dividend():
    assert matches("modulo(-10, -6) == -4", PROC)


def test_number_parses_hex_with_a_prefix():
    assert matches('number("0x1F") == 31', PROC)


def test_cidr_match_ignores_host_bits_of_the_block():
    assert matches('cidrMatch(source.ip, "10.6.48.157/8")', {"source": {"ip": "10.1.2.3"}})


def test_ends_with_tilde_is_case_insensitive():
    assert matches('endsWith~(process.name, ".EXE")', PROC)


def test_a_function_over_a_multi_valued_field_holds_if_any_value_satisfies_it():
    assert matches("length(tags) == 5", {"tags": ["a", "abcde"]})


def test_unknown_functions_are_an_evaluation_error():
    with pytest.raises(EvaluationError, match="unknown function"):
        compile_condition(Call("nosuch", (Literal(1),)))


def test_kql_dialect_is_accepted():
    condition = Match(Field(("process", "name")), ("cmd.exe",), "term")
    assert compile_condition(condition, dialect="kql")(PROC)


def test_an_unknown_dialect_is_rejected():
    with pytest.raises(EvaluationError, match="dialect"):
        compile_condition(Literal(True), dialect="sql")


def test_string_contains_on_a_field_keeps_lucene_wildcards_in_the_literal():
    # ES translates stringContains(field, "lit") to the wildcard query "*lit*" without
    # escaping, so `*` inside the literal is a wildcard (QueryTranslator).
    assert matches('stringContains(process.name, "c*e")', PROC)


def test_string_contains_on_an_expression_is_a_plain_substring_test():
    assert not matches('stringContains(concat(process.name, ""), "c*e")', PROC)


def test_not_over_starts_with_on_a_missing_field_matches():
    # startsWith(field, "lit") is a prefix query, so `not` is must_not.
    assert matches('not startsWith(user.name, "a")', PROC)


def test_and_over_a_script_and_a_query_negated_is_two_valued():
    # `not (script and query)` negates a bool query: the null script counts as false.
    assert matches('not (length(user.name) > 3 and process.name == "cmd.exe")', PROC)


def test_arithmetic_on_a_field_compared_with_an_integer_becomes_a_field_comparison():
    # SimplifyComparisonsArithmetics: `x + 1 > 3` is `x > 2`, a range query, so `not`
    # over it matches an event without x.
    assert matches("not user.id + 1 > 3", PROC)


def test_integer_division_is_not_simplified():
    # `x / 2 > 3` is not `x > 6`: 7 / 2 is 3 in integer division
    assert not matches("process.pid / 2 > 3", {"process": {"pid": 7}})


def test_negation_of_a_field_flips_the_comparison():
    assert matches("-process.pid < -41", PROC)


def test_an_unknown_optional_field_makes_a_conjunction_null_even_under_not():
    # `?x == "a"` folds to null; `null and ...` is null (PruneFilters); `not null` is null.
    types = {"process.pid": "long"}
    assert not matches('not (?x == "a" and process.pid == 42)', PROC, field_types=types)


def test_or_with_a_false_literal_keeps_the_other_operand():
    assert matches("false or process.pid == 42", PROC)


_alphabet = st.sampled_from(list("abAB*?\\.x"))
_patterns = st.text(_alphabet, max_size=6)
_values = st.text(st.sampled_from(list("abAB*?\\.x")), max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(_patterns, min_size=1, max_size=5), _values, st.booleans())
def test_a_pattern_set_matches_exactly_when_one_of_its_patterns_does(patterns, value, ci):
    """The grouped matcher (exact set, prefix/suffix tuples, one regex) agrees with testing
    each pattern on its own."""
    grouped = compile_wildcard_set(tuple(patterns), case_insensitive=ci)
    single = [compile_wildcard(p, case_insensitive=ci) for p in patterns]
    assert grouped(value) == any(t(value) for t in single)


@settings(max_examples=300, deadline=None)
@given(_patterns, _values)
def test_wildcards_agree_with_a_regex_reference(pattern, value):
    """`*` is any run, `?` one character, everything else literal (backslash included)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    assert compile_wildcard(pattern)(value) == (re.fullmatch(regex, value, re.DOTALL) is not None)


def test_an_escaped_star_alone_is_a_literal_star_in_a_lucene_wildcard():
    # one reader of wildcard patterns (wildcard.tokens) marks the wildcards apart from the
    # literal text, so an escaped `*` is never mistaken for one
    test = compile_wildcard("\\*", escapes=True)
    assert test("*") and not test("x")
