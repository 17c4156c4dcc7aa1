"""`ruleops parse` in each language: --language, the language guessed from a rule file or a
query file's suffix, the tree as JSON, errors at the rule file's line and column."""

from __future__ import annotations

import json

import pytest

from ruleops.cli import main

ESQL_RULE = """[rule]
language = "esql"
type = "esql"
query = '''
FROM logs-endpoint.events.process-* METADATA _id, _version, _index
| WHERE process.name == "cmd.exe"
| KEEP _id, _version, _index
'''
"""


def _tree(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_esql_query_gives_its_commands(capsys):
    assert main(["parse", "--language", "esql", "FROM a | KEEP b"]) == 0
    tree = _tree(capsys)
    assert [c["node"] for c in tree["commands"]] == ["From", "Keep"]


def test_kql_query_gives_the_shared_condition_form(capsys):
    assert main(["parse", "--language", "kql", "process.name:cmd.exe"]) == 0
    assert _tree(capsys)["node"] == "Match"


def test_a_query_without_language_is_eql(capsys):
    assert main(["parse", 'process where process.name == "x"']) == 0
    assert _tree(capsys)["node"] == "Query"


def test_the_language_comes_from_the_rule_file(tmp_path, capsys):
    rule = tmp_path / "rule.toml"
    rule.write_text(ESQL_RULE)
    assert main(["parse", "--file", str(rule)]) == 0
    assert _tree(capsys)["commands"][0]["metadata"][0]["name"] == "_id"


def test_a_kuery_rule_is_parsed_as_kql(tmp_path, capsys):
    rule = tmp_path / "rule.toml"
    rule.write_text('[rule]\nlanguage = "kuery"\nquery = "event.action:start"\n')
    assert main(["parse", "--file", str(rule)]) == 0
    assert _tree(capsys)["node"] == "Match"


def test_a_query_file_suffix_names_its_language(tmp_path, capsys):
    query = tmp_path / "hunt.esql"
    query.write_text("ROW a = 1")
    assert main(["parse", "--file", str(query)]) == 0
    assert _tree(capsys)["commands"][0]["node"] == "Row"


def test_language_given_wins_over_the_rule_file(tmp_path, capsys):
    rule = tmp_path / "rule.toml"
    rule.write_text('[rule]\nlanguage = "eql"\nquery = "FROM a"\n')
    assert main(["parse", "--language", "esql", "--file", str(rule)]) == 0
    assert _tree(capsys)["node"] == "Query"


def test_an_esql_error_is_shown_at_the_rule_file_line_and_column(tmp_path, capsys):
    rule = tmp_path / "rule.toml"
    rule.write_text(ESQL_RULE.replace('process.name == "cmd.exe"', 'process.name = "cmd.exe"'))
    assert main(["parse", "--file", str(rule)]) == 1
    first, _line, caret, hint = capsys.readouterr().err.splitlines()
    assert first == f"{rule}:6:22: RO700 error: `=` assigns a column; compare with `==`"
    assert caret.index("^") - 4 == 21
    assert hint == "    hint: write `==` (or `=~` to ignore case)"


def test_a_lucene_rule_is_a_usage_error(tmp_path, capsys):
    rule = tmp_path / "rule.toml"
    rule.write_text('[rule]\nlanguage = "lucene"\nquery = "a:b"\n')
    assert main(["parse", "--file", str(rule)]) == 2
    assert "Lucene" in capsys.readouterr().err


def test_an_unknown_language_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["parse", "--language", "sql", "x"])
    assert exited.value.code == 2
