"""Fields the repository's other rules read as typo references (RO360), in EQL, KQL and
ES|QL, in a whole run and in a commit hook's run of one file (through the rule index)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from ruleops import query_fields, rule_index
from ruleops.cli import main
from ruleops.config import Config
from ruleops.engine import run_check
from ruleops.query_fields import fields_of
from tests.examples import rule_file

_KEYS = {"eql": ("eql", "eql"), "kql": ("query", "kuery"), "esql": ("esql", "esql")}
# A query of each language reading `{field}`.
READS = {
    "eql": 'any where {field} == "user.session.start"',
    "kql": '{field} : "user.session.start"',
    "esql": "FROM logs-okta* METADATA _id, _version, _index\n"
    '| WHERE {field} == "user.session.start"\n| KEEP _id, _version, _index',
}


def write_rule(root: Path, name: str, language: str, field: str) -> Path:
    kind, lang = _KEYS[language]
    keys = {
        "rule_id": str(uuid.uuid4()),
        "name": name,
        "type": kind,
        "language": lang,
        "query": READS[language].format(field=field),
    }
    path = root / "rules" / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rule_file("\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items())))
    return path


def near_fields(root: Path, *paths: Path) -> list[tuple[str, str, int, str | None]]:
    config = Config(root=root)
    result = run_check(list(paths) or [root / "rules"], config, cache=False)
    return [
        (Path(d.path).name, d.message, d.line, d.hint)
        for d in result.diagnostics
        if d.code == "RO360"
    ]


@pytest.mark.parametrize("language", sorted(READS))
def test_a_field_one_slip_from_what_other_rules_read_gets_their_field(tmp_path, language):
    write_rule(tmp_path, "a", language, "okta.event_type")
    write_rule(tmp_path, "b", language, "okta.event_type")
    write_rule(tmp_path, "c", language, "okta.evnt_type")
    [(name, message, _, hint)] = near_fields(tmp_path)
    assert (name, hint) == ("c.toml", "write okta.event_type")
    assert message == (
        "okta.evnt_type is in no known schema and is read by no other rule; "
        "okta.event_type, one slip away, is read by 2 other rules"
    )


def test_the_finding_is_on_the_line_the_field_is_written(tmp_path):
    write_rule(tmp_path, "a", "esql", "okta.event_type")
    write_rule(tmp_path, "b", "esql", "okta.event_type")
    path = write_rule(tmp_path, "c", "esql", "okta.evnt_type")
    [(_, _, line, _)] = near_fields(tmp_path)
    assert "okta.evnt_type" in path.read_text().splitlines()[line - 1]


def test_two_fields_read_equally_often_are_both_taken_for_real(tmp_path):
    write_rule(tmp_path, "a", "kql", "okta.event_type")
    write_rule(tmp_path, "b", "kql", "okta.evnt_type")
    assert near_fields(tmp_path) == []


def test_fields_ecs_knows_are_left_to_the_ecs_checks(tmp_path):
    write_rule(tmp_path, "a", "kql", "event.action")
    write_rule(tmp_path, "b", "kql", "event.action")
    write_rule(tmp_path, "c", "kql", "event.acton")
    assert near_fields(tmp_path) == []


def test_a_hook_run_of_one_file_compares_it_with_the_whole_repository(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nrule_paths = ["rules"]\n')
    write_rule(tmp_path, "a", "eql", "okta.event_type")
    write_rule(tmp_path, "b", "eql", "okta.event_type")
    write_rule(tmp_path, "c", "eql", "okta.evnt_type")
    main(["check", "rules/c.toml", "--format", "json"])
    found = [d for d in json.loads(capsys.readouterr().out)["diagnostics"] if d["code"] == "RO360"]
    assert [d["hint"] for d in found] == ["write okta.event_type"]


def test_a_partial_run_counts_the_readers_of_the_whole_repository(tmp_path, monkeypatch, capsys):
    # Among the three files checked, okta.evnt_type looks rare (1 reader against 2); in
    # the repository it is read by 3 rules, okta.event_type by 2: neither is a typo.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nrule_paths = ["rules"]\n')
    for name, field in [
        ("a", "evnt"),
        ("b", "evnt"),
        ("f", "evnt"),
        ("c", "event"),
        ("e", "event"),
    ]:
        write_rule(tmp_path, name, "eql", f"okta.{field}_type")
    main(["check", "rules/a.toml", "rules/c.toml", "rules/e.toml", "--format", "json"])
    found = [d for d in json.loads(capsys.readouterr().out)["diagnostics"] if d["code"] == "RO360"]
    assert found == []


def test_rules_answered_from_the_cache_are_not_parsed_for_their_fields(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    for name, field in [("a", "event"), ("b", "event"), ("c", "evnt")]:
        write_rule(tmp_path, name, "kql", f"okta.{field}_type")
    config = Config(root=tmp_path)
    run_check([tmp_path / "rules"], config)

    def parsed(rule):
        raise AssertionError(f"{rule.path} parsed again")

    monkeypatch.setattr(query_fields, "fields_read", parsed)
    # An invocation's check keeps the whole run from being answered from the cache.
    result = run_check([tmp_path / "rules"], config, extra_checks=[lambda rules, config: []])
    assert [d.code for d in result.diagnostics if d.code in ("RO360", "RO003")] == ["RO360"]


def test_esql_fields_are_those_read_from_the_source():
    query = (
        "FROM logs-* | EVAL total = okta.count + 1 | STATS n = COUNT(*) BY total, user.name "
        "| WHERE n > 3"
    )
    assert sorted(fields_of(query, "esql")) == ["okta.count", "user.name"]


def test_eql_fields_include_join_keys_and_optional_fields():
    query = 'sequence by host.id [process where ?process.nmae == "a"] [file where true] by x.y'
    assert sorted(fields_of(query, "eql")) == ["host.id", "process.nmae", "x.y"]


def test_a_query_that_does_not_parse_reads_nothing():
    assert fields_of("process where (", "eql") == {}


def test_after_a_whole_check_a_hook_run_parses_no_other_rule(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.chdir(tmp_path)
    # Files written a moment ago are not trusted for a few seconds (the racy window).
    monkeypatch.setattr(rule_index, "_RACY_NS", 0)
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nrule_paths = ["rules"]\n')
    for name, field in [("a", "event"), ("b", "event"), ("c", "evnt")]:
        write_rule(tmp_path, name, "eql", f"okta.{field}_type")
    main(["check"])
    original = query_fields.fields_read

    def only_c(rule):
        assert Path(rule.path).name == "c.toml", f"{rule.path} parsed again"
        return original(rule)

    monkeypatch.setattr(query_fields, "fields_read", only_c)
    capsys.readouterr()
    main(["check", "rules/c.toml", "--no-cache", "--format", "json"])
    found = [d for d in json.loads(capsys.readouterr().out)["diagnostics"] if d["code"] == "RO360"]
    assert [d["hint"] for d in found] == ["write okta.event_type"]
