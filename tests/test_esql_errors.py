"""ES|QL syntax errors: where they are, what was expected, and the hint for common mistakes."""

from __future__ import annotations

import pytest

from ruleops.esql import EsqlSyntaxError, parse_esql


def error(text: str) -> EsqlSyntaxError:
    with pytest.raises(EsqlSyntaxError) as raised:
        parse_esql(text)
    return raised.value


def test_keep_without_columns_is_an_early_end():
    found = error("FROM a | KEEP")
    assert (found.line, found.column) == (1, 14)
    assert "column name" in found.message


def test_single_equals_in_where_asks_for_double():
    found = error("FROM a\n| WHERE x = 1")
    assert (found.line, found.column) == (2, 11)
    assert "`==`" in found.message


def test_unclosed_string_points_at_its_quote():
    found = error('FROM a | WHERE x == "abc')
    assert found.column == 21 and "never closed" in found.message


def test_unknown_command_names_the_nearest_one():
    found = error("FROM a\n| where x == 1\n| evl y = 2")
    assert found.code == "RO701"
    assert (found.line, found.column) == (3, 3)
    assert "EVAL" in found.hint


def test_missing_operand_at_the_end():
    found = error("FROM a | WHERE x == 1 and")
    assert found.column == 23 and "must follow" in found.message


def test_missing_operand_before_the_next_command():
    found = error("FROM a | WHERE x == | KEEP x")
    assert found.column == 21


def test_single_quotes():
    assert "double quotes" in error("FROM a | WHERE x == 'a'").message


def test_unknown_escape_in_a_string():
    found = error(r'FROM a | WHERE x == "C:\temp\dir"')
    assert "`\\d`" in found.message and '"""' in found.hint


def test_a_query_must_start_with_a_source_command():
    assert "source command" in error("WHERE a == 1").message


def test_trailing_pipe():
    assert "ends with `|`" in error("FROM a |").message


def test_chained_comparison():
    assert "chained" in error("FROM a | WHERE a < b < c").message


def test_c_style_operators():
    assert "use `and`" in error("FROM a | WHERE a == 1 && b == 2").message


def test_two_values_without_an_operator():
    found = error("ROW a = 1 2")
    assert found.column == 11 and "`and`" in found.message


# A LIKE pattern's backslash escapes only `*`, `?` and itself (esql-core StringUtils.
# wildcardToJavaPattern; StatementParserTests.testLikeRLike expects "Invalid pattern for LIKE").


def test_a_like_backslash_before_another_character_is_an_error_on_the_pattern():
    found = error('FROM a | WHERE b LIKE "*\\\\.exe"')
    assert found.column == 23 and "Invalid pattern for LIKE" in found.message


def test_a_windows_path_with_single_backslashes_in_like_is_an_error_with_the_fix():
    found = error('FROM a | WHERE b LIKE "C:\\\\Windows\\\\*"')
    assert "`\\W`" in found.message
    assert '"""C:\\\\Windows\\\\*"""' in found.hint


def test_a_like_pattern_ending_in_a_backslash_is_an_error():
    assert "Invalid pattern for LIKE" in error('FROM a | WHERE b LIKE "a\\\\"').message


def test_like_escapes_of_wildcards_and_backslashes_parse():
    parse_esql('FROM a | WHERE b LIKE ("a\\\\*", "b\\\\?", "c\\\\\\\\d*", """e\\\\f*""")')


def test_an_rlike_backslash_is_the_regex_s_business():
    parse_esql('FROM a | WHERE b RLIKE "a\\\\.b"')
