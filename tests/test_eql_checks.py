"""EQL syntax and structural checks (`ruleops.eql.codes`): each fails on a bad query, passes
on the good one, and lands on the rule file's line and column."""

from __future__ import annotations

import pytest

from ruleops.checks.eql import eql_query
from ruleops.config import Config
from ruleops.diagnostics import Severity
from ruleops.loading import rule_from_text

PREAMBLE = """[metadata]
creation_date = "2024/01/01"

[rule]
name = "Example"
language = "eql"
"""
# The query starts on line 8 of the file: the line after `query = '''`.
QUERY_LINE = PREAMBLE.count("\n") + 2


def rule_file(query: str, language: str = "eql") -> str:
    return PREAMBLE.replace('"eql"', f'"{language}"') + f"query = '''\n{query}\n'''\n"


def diagnostics(query: str, language: str = "eql"):
    loaded = rule_from_text(rule_file(query, language), "rules/example.toml")
    assert loaded.rule is not None
    return list(eql_query(loaded.rule, Config()))


def codes(query: str) -> list[str]:
    return [d.code for d in diagnostics(query)]


def only(query: str, code: str):
    found = diagnostics(query)
    assert [d.code for d in found] == [code], found
    return found[0]


def column_of(needle: str, line: str) -> int:
    return line.index(needle) + 1


# ---------------------------------------------------------------- registry


# ---------------------------------------------------------------- RO300 syntax error


def test_syntax_error_lands_on_the_rule_files_line_and_column():
    query = 'process where process.name == "a" and\n  process.args : "/c" process.pid == 4'
    found = only(query, "RO300")
    assert found.severity == Severity.ERROR
    assert found.line == QUERY_LINE + 1
    assert found.column == column_of("process.pid", '  process.args : "/c" process.pid == 4')
    assert "expected" in found.message


def test_syntax_error_caret_covers_the_offending_token():
    found = only("process where a == 1 bogus", "RO300")
    assert found.end_column - found.column == len("bogus")


def test_valid_query_has_no_diagnostics():
    assert diagnostics('process where process.name : "cmd.exe"') == []


def test_other_languages_are_not_checked():
    assert diagnostics("process.name : cmd.exe", language="kuery") == []


# ---------------------------------------------------------------- RO301 Endgame syntax


def test_endgame_syntax_says_so():
    found = only("process where process.name = 'cmd.exe'", "RO301")
    assert "Endgame" in found.message
    assert (found.line, found.column) == (
        QUERY_LINE,
        column_of("=", "process where process.name ="),
    )


def test_descendant_of_is_endgame():
    found = only('process where descendant of [process where process.name == "x"]', "RO301")
    assert "descendant of" in found.message


def test_double_equals_is_not_endgame():
    assert "RO301" not in codes('process where process.name == "cmd.exe"')


# ---------------------------------------------------------------- RO302 unknown function


def test_unknown_function():
    found = only('process where bogus(process.name) == "x"', "RO302")
    assert found.column == column_of("bogus", "process where bogus(")
    assert "unknown function `bogus`" in found.message


def test_endgame_function_is_named_with_advice():
    found = only('process where wildcard(process.name, "*x")', "RO302")
    assert "Endgame" in found.message and "`:`" in found.hint


def test_tilde_on_a_function_without_a_case_insensitive_form():
    assert codes("process where length~(process.name) > 1") == ["RO302"]


def test_known_functions_in_any_case_pass():
    assert codes('process where STARTSWITH~(process.name, "x") and CONCAT(a, "") == "y"') == []


# ---------------------------------------------------------------- RO303 arguments


def test_wrong_argument_count():
    found = only("process where startsWith(process.name) == true", "RO303")
    assert "takes 2 arguments, not 1" in found.message
    assert "startsWith(source, substring)" in found.hint


def test_too_many_arguments_for_optional_parameters():
    assert codes('process where substring(a, 1, 2, 3) == "x"') == ["RO303"]


def test_variadic_function_takes_many_arguments():
    assert codes('process where cidrMatch(source.ip, "10.0.0.0/8", "192.168.0.0/16")') == []


def test_literal_of_the_wrong_type():
    found = only("process where length(5) == 1", "RO303")
    assert "must be a string, not a whole number (5)" in found.message
    assert found.column == column_of("5", "process where length(5")


def test_greedy_must_be_a_boolean_literal():
    assert codes('process where between(a, "x", "y", "yes") == "z"') == ["RO303"]
    assert codes('process where between(a, "x", "y", b) == "z"') == ["RO303"]
    assert codes('process where between(a, "x", "y", true) == "z"') == []


def test_return_type_of_a_nested_call_is_checked():
    assert codes("process where length(length(a)) == 1") == ["RO303"]


def test_field_arguments_are_left_to_the_field_checks():
    assert codes("process where length(process.pid) == 1") == []


def test_whole_number_parameter_rejects_a_fraction():
    assert codes('process where substring(a, 1.5) == "x"') == ["RO303"]


# ---------------------------------------------------------------- RO304 literal wildcard


def test_double_equals_with_asterisk_warns():
    found = only('process where process.name == "python*"', "RO304")
    assert found.severity == Severity.WARNING
    assert found.column == column_of('"python*"', 'process where process.name == "python*"')
    assert "`like`" in found.hint


def test_in_with_question_mark_warns():
    assert codes('process where process.name in ("a", "b?.exe")') == ["RO304"]


def test_in_tilde_suggests_like_tilde():
    found = only('process where process.name in~ ("a*")', "RO304")
    assert "`like~`" in found.hint


def test_wildcards_with_colon_and_like_pass():
    assert codes('process where process.name : "python*" and process.name like ("a?", "b")') == []


# ---------------------------------------------------------------- RO305 join keys


def test_clauses_with_different_key_counts():
    query = (
        "sequence by host.id\n"
        "  [process where true] by process.pid, user.id\n"
        "  [network where true] by process.pid\n"
        "  [file where true] by process.pid"
    )
    found = only(query, "RO305")
    assert found.line == QUERY_LINE + 1
    assert found.column == column_of("process.pid", "  [process where true] by process.pid")
    assert "3 join keys but the others have 2" in found.message


def test_until_counts_towards_key_consistency():
    query = "sequence [a where true] by x [b where true] by x until [c where true]"
    assert codes(query) == ["RO305"]


def test_shared_keys_count_for_every_clause():
    assert codes("sequence by x [a where true] [b where true] by y") == ["RO305"]
    assert codes("sequence by x [a where true] by y [b where true] by z") == []


def test_sample_key_counts_are_checked_too():
    assert codes("sample [a where true] by x [b where true]") == ["RO305"]


# ---------------------------------------------------------------- RO306 maxspan


@pytest.mark.parametrize(
    ("maxspan", "words"),
    [("5", "no time unit"), ("5w", "unknown time unit `w`"), ("0.5s", "whole number")],
)
def test_bad_maxspan(maxspan, words):
    found = only(f"sequence with maxspan={maxspan} [a where true] [b where true]", "RO306")
    assert words in found.message
    assert found.column == column_of("with", "sequence with")


def test_a_zero_maxspan_is_rejected():
    # LogicalPlanBuilder.visitSequenceParams: "A positive maxspan value is required"
    found = only("sequence with maxspan=0s [a where true] [b where true]", "RO306")
    assert "positive" in found.message


@pytest.mark.parametrize("maxspan", ["500ms", "30s", "5m", "2h", "1d"])
def test_good_maxspan(maxspan):
    assert codes(f"sequence with maxspan={maxspan} [a where true] [b where true]") == []


# ---------------------------------------------------------------- RO307 missing without maxspan


def test_missing_event_without_maxspan():
    found = only("sequence by h\n  [a where true]\n  ![b where true]", "RO307")
    assert (found.line, found.column) == (QUERY_LINE + 2, 3)


def test_missing_event_with_maxspan_passes():
    assert codes("sequence by h with maxspan=1m [a where true] ![b where true]") == []


# ---------------------------------------------------------------- RO308 runs


@pytest.mark.parametrize("runs", [0, 101])
def test_runs_out_of_range(runs):
    found = only(f"sequence [a where true] with runs={runs} [b where true]", "RO308")
    assert found.column == column_of("with runs", "sequence [a where true] with runs")


@pytest.mark.parametrize("runs", [1, 100])
def test_runs_in_range(runs):
    assert codes(f"sequence [a where true] with runs={runs} [b where true]") == []


# ---------------------------------------------------------------- RO309 sample options


def test_sample_with_runs():
    assert codes("sample by h [a where true] with runs=2 [b where true]") == ["RO309"]


def test_sample_with_missing_event():
    assert codes("sample by h [a where true] ![b where true]") == ["RO309"]


def test_sample_with_maxspan_is_reported_at_the_option():
    found = only("sample by h with maxspan=1m [a where true] [b where true]", "RO309")
    assert found.column == column_of("with", "sample by h with")


def test_plain_sample_passes():
    assert codes("sample by h [a where true] [b where true]") == []


# ---------------------------------------------------------------- RO310 field vs field


def test_field_compared_to_field():
    found = only("process where process.name == process.parent.name", "RO310")
    assert found.column == column_of("process.name", "process where process.name")


def test_field_in_an_in_list():
    assert codes('process where process.name in ("a", process.parent.name)') == ["RO310"]


@pytest.mark.parametrize(
    "condition",
    [
        'process.name == concat(process.parent.name, "")',
        "length(process.name) == length(process.parent.name)",
        "process.pid + 1 == process.parent.pid",
        "process.pid in (1, process.parent.pid + 1)",
    ],
)
def test_a_field_compared_with_an_expression_of_fields(condition):
    # ExpressionTranslators.BinaryComparisons.checkBinaryComparison: the right side of a
    # comparison must be foldable ("Comparisons against fields are not (currently) supported")
    assert codes(f"process where {condition}") == ["RO310"]


def test_a_function_of_a_field_compared_with_a_constant_passes():
    assert codes('process where length(process.name) == length("abc")') == []


def test_optional_fields_may_be_compared():
    assert codes("process where ?a == ?b") == []


def test_fields_as_function_arguments_pass():
    assert codes("process where startsWith~(file.name, process.name)") == []


def test_position_accounts_for_escapes_in_a_basic_string_query():
    text = '[rule]\nlanguage = "eql"\nquery = "process where a == \\"x\\" and b = 1"\n'
    rule = rule_from_text(text, "rules/example.toml").rule
    (found,) = eql_query(rule, Config())
    assert (found.line, found.column) == (3, text.splitlines()[2].index("= 1") + 1)


def test_rule_without_a_string_query_is_left_to_the_schema_check():
    text = '[rule]\nlanguage = "eql"\nquery = 5\n'
    assert list(eql_query(rule_from_text(text, "rules/example.toml").rule, Config())) == []


def test_number_of_a_constant_that_is_not_a_number_is_a_located_error():
    # ToNumberFunctionProcessor: "Unable to convert [abc] to number of base [10]", raised while
    # Elasticsearch folds the constant
    found = only('process where process.pid == number("abc")', "RO303")
    assert "Unable to convert [abc]" in found.message


def test_number_of_a_numeric_constant_passes():
    assert codes('process where process.pid == number("0x1F")') == []


def test_cidr_match_with_a_block_that_is_not_a_constant():
    # CIDRMatch.resolveType: the addresses must be foldable
    found = only("network where cidrMatch(destination.ip, source.address)", "RO303")
    assert "constant" in found.message


def test_cidr_match_with_an_invalid_block():
    found = only('network where cidrMatch(destination.ip, "10.0.0.0/8", "10.0.0.0/33")', "RO303")
    assert '"10.0.0.0/33" is not an IP address or CIDR block' in found.message


def test_cidr_match_accepts_host_bits_single_addresses_and_ipv6():
    query = 'network where cidrMatch(destination.ip, "10.6.48.157/8", "127.0.0.1", "fe80::/10")'
    assert codes(query) == []


# ---------------------------------------------------------------- RO320 invalid regex


def test_invalid_regex_points_at_the_character_lucene_stops_at():
    line = 'process where process.name regex "ab(c"'
    found = only(line, "RO320")
    assert found.column == column_of("(c", line)
    assert "never closed" in found.message


def test_invalid_regex_in_a_list_is_located_in_its_own_string():
    line = 'process where process.name regex~ ("a.*", """x\\q""")'
    found = only(line, "RO320")
    assert found.column == column_of("\\q", line)


def test_invalid_regex_after_escapes_is_located_in_the_source_text():
    line = r'process where process.name regex "\\\\[a"'  # the pattern is \\[a
    found = only(line, "RO320")
    assert found.column == column_of("[a", line)


def test_invalid_regex_in_a_sequence_clause_is_reported():
    query = 'sequence [process where true] [file where file.name regex "<abc>"]'
    assert codes(query) == ["RO320"]


@pytest.mark.parametrize(
    "pattern", [".*?net1[ ]+[a-z]{4,15}[ ]+.*?", "~(a.*)", "[^ ]+&.*x", "<1-65535>", "^a$"]
)
def test_valid_lucene_regex_passes(pattern):
    assert codes(f'process where process.name regex "{pattern}"') == []
