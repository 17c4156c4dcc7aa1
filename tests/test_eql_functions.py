"""EQL functions at their edges, as Elasticsearch's function processors and their tests pin
them (x-pack/plugin/eql `expression/function/scalar/string`, `StringUtils`,
`StringUtilsTests`, `*FunctionProcessorTests`, `ToNumberProcessorTests`)."""

from __future__ import annotations

import pytest

from ruleops.eql.parser import parse_eql
from ruleops.query import functions as fn
from ruleops.query.evaluate import EvaluationError, compile_condition, script_value


def value_of(expression: str, event: dict | None = None):
    condition = parse_eql(f"any where {expression} == null").body.condition
    return script_value(condition.left, event or {})


def test_string_contains_an_empty_substring_is_false():
    # StringUtils.stringContains: hasLength(substring) == false -> false
    assert value_of('stringContains("abc", "")') is False


def test_string_contains_on_a_field_with_an_empty_substring_is_the_wildcard_query():
    # QueryTranslator.CaseInsensitiveScalarFunctions: a field and a constant become the
    # wildcard query "*" + "" + "*", which matches every value
    condition = parse_eql('any where stringContains(a, "")').body.condition
    assert compile_condition(condition)({"a": "abc"})


def test_substring_with_a_null_start_is_the_whole_string():
    # SubstringFunctionProcessor.doProcess: `if (start == null) return input`
    assert value_of('substring("abcdef", null)') == "abcdef"
    assert value_of('substring("abcdef", null, 2)') == "abcdef"


def test_substring_with_a_null_end_runs_to_the_end():
    assert value_of('substring("abcdef", 2, null)') == "cdef"


def test_between_with_an_empty_delimiter_is_the_source():
    # StringUtils.between: an empty left or right returns the string itself
    assert value_of('between("abcdef", "", "d")') == "abcdef"
    assert value_of('between("abcdef", "b", "")') == "abcdef"


def test_between_of_an_empty_source_is_empty():
    assert value_of('between("", "a", "b")') == ""


def test_index_of_an_empty_substring_past_the_end_is_the_length():
    # Java String.indexOf("", from) returns the length when from is past it
    assert value_of('indexOf("abc", "", 10)') == 3


def test_index_of_a_substring_past_the_end_is_null():
    # IndexOfFunctionProcessorTests: indexOf("foobar", "O", 3) is null
    assert value_of('indexOf~("foobar", "O", 3)') is None


def test_ends_with_an_empty_suffix_is_true():
    # EndsWithFunctionProcessorTests: endsWith("foobar", "") is true
    assert value_of('endsWith("foobar", "")') is True


@pytest.mark.parametrize(
    ("text", "expected"), [("12", 12), ("-12", -12), ("12.5", 12.5), ("0x1F", 31)]
)
def test_number_reads_decimal_and_hex_strings(text, expected):
    assert fn.fn_number(False, text) == expected


@pytest.mark.parametrize("text", ["", "foo", "1.2.3.4", " 12", "+5", "1,000", "5e3"])
def test_number_of_a_string_that_is_not_a_number_fails(text):
    # ToNumberProcessorTests.testInvalidSourceString: "Unable to convert [foo] to number"
    # (a DecimalFormat parse without grouping, exponent or surrounding spaces)
    with pytest.raises(fn.FunctionError, match="Unable to convert"):
        fn.fn_number(False, text)


def test_number_in_base_16_of_a_negative_hex_literal_fails():
    # ToNumberProcessorTests.testNegativeBase16
    with pytest.raises(fn.FunctionError):
        fn.fn_number(False, "-0x1", 16)


def test_number_with_a_base_that_is_not_a_number_fails():
    # ToNumberFunctionProcessor: the base must be a Number (a string field's value is not)
    with pytest.raises(fn.FunctionError, match="A number is required"):
        fn.fn_number(False, "10", "")


def test_number_of_a_constant_that_is_not_a_number_fails_the_query():
    # the optimizer folds the constant and the request fails
    condition = parse_eql('any where number("abc") == 1').body.condition
    with pytest.raises(EvaluationError, match="Unable to convert"):
        compile_condition(condition)


def test_number_of_a_field_value_that_is_not_a_number_is_null():
    condition = parse_eql("any where number(a) == 1").body.condition
    assert not compile_condition(condition)({"a": "abc"})


def test_concat_writes_doubles_as_java_does():
    # ConcatFunctionProcessorTests: concat(3.14) is "3.14", concat(1.0) "1.0"
    assert value_of('concat(3.14, "/", 1.0)') == "3.14/1.0"


@pytest.mark.parametrize(
    ("number", "text"), [(1e7, "1.0E7"), (1.5e-5, "1.5E-5"), (123.456, "123.456"), (0.001, "0.001")]
)
def test_string_of_a_double_is_java_double_to_string(number, text):
    assert fn.java_string(number) == text
