"""Deep nesting in queries, events and field definitions: a located "nested too deeply"
error within the documented limit (ruleops.query.nesting), never a RecursionError."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleops.cli import main
from ruleops.engine import run_check
from ruleops.eql.parser import EqlSyntaxError, parse_eql
from ruleops.esql import ast
from ruleops.esql.parser import EsqlSyntaxError, _deeper_than_the_limit, parse_esql
from ruleops.kql.parser import KqlSyntaxError, parse_kql
from ruleops.query.nesting import MAX_QUERY_DEPTH, too_deep

NOTS = "process where " + "not " * 1000 + "true"
CALLS = "process where " + "length(" * 500 + "process.name" + ")" * 500 + " > 1"
KQL_NESTED = "a:{" * 300 + "b:c" + "}" * 300
ESQL_NOTS = "FROM logs-* | WHERE " + "NOT " * 1000 + 'message == "a"'
ESQL_CALLS = "FROM logs-* | EVAL y = " + "TO_LOWER(" * 500 + "message" + ")" * 500


def test_a_thousand_nested_nots_are_a_syntax_error_at_the_first_level_too_deep():
    with pytest.raises(EqlSyntaxError, match="nested too deeply") as error:
        parse_eql(NOTS)
    assert error.value.offset == len("process where ") + 4 * MAX_QUERY_DEPTH


def test_five_hundred_nested_calls_are_a_syntax_error():
    with pytest.raises(EqlSyntaxError, match="nested too deeply"):
        parse_eql(CALLS)


def test_a_condition_at_the_limit_parses():
    parse_eql("process where " + "not " * (MAX_QUERY_DEPTH - 1) + "true")


def test_nested_kql_queries_three_hundred_deep_are_a_syntax_error():
    with pytest.raises(KqlSyntaxError, match="nested too deeply"):
        parse_kql(KQL_NESTED)


def test_nested_kql_value_groups_are_a_syntax_error():
    values = "b or (c and (" * 100 + "d" + "))" * 100
    with pytest.raises(KqlSyntaxError, match="nested too deeply"):
        parse_kql(f"a:({values})")


def test_a_thousand_nested_es_ql_nots_are_a_syntax_error_at_the_first_level_too_deep():
    with pytest.raises(EsqlSyntaxError, match="nested too deeply") as error:
        parse_esql(ESQL_NOTS)
    assert error.value.offset == len("FROM logs-* | WHERE ") + 4 * MAX_QUERY_DEPTH


def test_five_hundred_nested_es_ql_calls_are_a_syntax_error():
    with pytest.raises(EsqlSyntaxError, match="nested too deeply"):
        parse_esql(ESQL_CALLS)


def test_deep_nesting_inside_an_es_ql_fork_branch_is_a_syntax_error():
    with pytest.raises(EsqlSyntaxError, match="nested too deeply"):
        parse_esql("FROM logs-* | FORK (WHERE " + "NOT " * 200 + "true) (LIMIT 1)")


def test_an_es_ql_condition_at_the_limit_parses():
    parse_esql("FROM logs-* | WHERE " + "NOT " * (MAX_QUERY_DEPTH - 1) + "true")


def test_an_es_ql_condition_one_level_beyond_the_limit_is_a_syntax_error():
    with pytest.raises(EsqlSyntaxError, match="nested too deeply"):
        parse_esql("FROM logs-* | WHERE " + "NOT " * MAX_QUERY_DEPTH + "true")


# ES|QL expressions around an inner one (parentheses add characters, no level; `--x` is as
# deep as it is long)
_WRAPPERS = [
    "NOT ({})", "TO_LOWER({})", "({})", "({}) + 1", "1 * ({})", "-({})", "({})::long",
    "({}) == 1", "a OR ({})", "a AND b AND ({})", "({}) IS NULL", "({}) IN (1, 2)",
    '({}) LIKE "a*"', "CONCAT(a, {}, b)", "a + 1 - ({})", "-{}",
]  # fmt: skip


@settings(max_examples=200)
@given(st.lists(st.sampled_from(_WRAPPERS), max_size=20), st.integers(1, 25))
def test_the_es_ql_depth_check_that_skips_short_expressions_agrees_with_the_full_walk(
    wrappers: list[str], limit: int
) -> None:
    text = "x"
    for wrapper in wrappers:
        text = wrapper.format(text)
    (field,) = parse_esql(f"FROM a | EVAL y = {text}").commands[1].fields
    expected = too_deep(field.value, limit, below=ast.children) is not None
    assert _deeper_than_the_limit(field.value, limit) == expected


def test_a_long_es_ql_chain_of_additions_is_as_deep_as_it_is_long():
    parse_esql("FROM logs-* | EVAL x = " + " + ".join(["1"] * MAX_QUERY_DEPTH))
    with pytest.raises(EsqlSyntaxError, match="nested too deeply"):
        parse_esql("FROM logs-* | EVAL x = " + " + ".join(["1"] * (MAX_QUERY_DEPTH + 1)))


@pytest.mark.parametrize(
    ("query", "language", "code"),
    [(NOTS, "eql", "RO300"), (KQL_NESTED, "kuery", "RO400"), (ESQL_CALLS, "esql", "RO700")],
)
def test_check_reports_deep_queries_as_syntax_errors_and_no_check_crashes(
    rule_repo, query, language, code
):
    rule_type = {"eql": "eql", "kuery": "query", "esql": "esql"}[language]
    rule_repo.rule("deep.toml", query, type=rule_type, language=language)
    found = run_check([rule_repo.root / "rules"], rule_repo.config()).diagnostics
    codes = {d.code for d in found}
    assert code in codes and "RO003" not in codes


def test_test_command_does_not_run_a_deep_rule_and_does_not_crash(rule_repo, capsys):
    rule_repo.rule("deep.toml", NOTS)
    rule_repo.fixture(
        "deep.toml",
        'rule_id = "11111111-1111-4111-8111-111111111111"\n'
        '[[case]]\nname = "c"\nexpect = "match"\n[[case.events]]\nevent.category = "process"\n',
    )
    assert main(["test", str(rule_repo.root / "rules")]) == 1
    assert "nested too deeply" in capsys.readouterr().out


def test_parse_command_reports_a_deep_query_without_a_traceback(capsys):
    assert main(["parse", NOTS]) != 0
    assert "nested too deeply" in capsys.readouterr().err


def test_es_ql_parse_and_eval_report_a_deep_query_without_a_traceback(tmp_path, capsys):
    events = tmp_path / "events.ndjson"
    events.write_text('{"message": "a"}\n')
    assert main(["parse", "--language", "esql", ESQL_NOTS]) != 0
    assert main(["eval", "--language", "esql", ESQL_CALLS, str(events)]) == 2
    err = capsys.readouterr().err
    assert err.count("nested too deeply") == 2 and "Traceback" not in err


def test_eval_refuses_a_deeply_nested_json_array_with_its_position(tmp_path, capsys):
    events = tmp_path / "deep.json"
    events.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["eval", "any where true", str(events)]) == 2
    assert f"{events}:1:102: an event nests" in capsys.readouterr().err


def test_eval_refuses_a_deeply_nested_ndjson_object_on_its_line(tmp_path, capsys):
    events = tmp_path / "deep.ndjson"
    events.write_text('{"a": 1}\n' + '{"a":' * 5000 + "1" + "}" * 5000 + "\n")
    assert main(["eval", "any where true", str(events)]) == 2
    assert f"{events}:2:" in capsys.readouterr().err


def test_deeply_nested_field_definitions_are_reported_not_crashed_on(rule_repo):
    (rule_repo.root / "fields.json").write_text('{"a":' * 5000 + '"keyword"' + "}" * 5000)
    (rule_repo.root / "pyproject.toml").write_text(
        '[tool.ruleops]\nrule_paths = ["rules"]\nfixture_paths = ["tests/rules"]\n'
        'field_definitions = ["fields.json"]\n'
    )
    rule_repo.rule("r.toml", 'process where process.name == "a"')
    found = run_check([rule_repo.root / "rules"], rule_repo.config()).diagnostics
    (problem,) = [d for d in found if d.code == "RO358"]
    assert "nest too deeply" in problem.message
