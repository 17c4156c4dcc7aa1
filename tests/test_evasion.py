"""RO553: a change of case that Windows ignores turns a matching fixture event into a miss."""

from __future__ import annotations

from pathlib import Path

import ruleops.fixtures.properties as properties
from ruleops.config import load_config
from ruleops.engine import run_check
from ruleops.eql.parser import parse_eql
from ruleops.fixtures.properties import case_sensitive_leaves, other_case, with_value

WINDOWS_EVENT = """
rule_id = "11111111-1111-4111-8111-111111111111"

[[case]]
name = "cmd starts"
expect = "match"
[[case.events]]
event.category = "process"
host.os.type = "windows"
process.name = "cmd.exe"
"""


def evasions(repo) -> list:
    result = run_check([repo.root / "rules"], repo.config())
    return [d for d in result.diagnostics if d.code == "RO553"]


def test_a_case_sensitive_process_name_is_an_evasion_with_the_evading_event(rule_repo):
    rule_repo.rule("cmd.toml", 'process where process.name == "cmd.exe"')
    rule_repo.fixture("cmd.toml", WINDOWS_EVENT)
    [found] = evasions(rule_repo)
    assert found.path == "rules/cmd.toml"
    assert 'process.name = "CMD.EXE" instead of "cmd.exe"' in found.message
    assert "case 'cmd starts'" in found.message
    assert '"process.name": "CMD.EXE"' in found.message.split("the evading event: ")[1]


def test_a_case_insensitive_comparison_is_no_evasion(rule_repo):
    rule_repo.rule("cmd.toml", 'process where process.name : "cmd.exe"')
    rule_repo.fixture("cmd.toml", WINDOWS_EVENT)
    assert evasions(rule_repo) == []


def test_a_field_the_platform_compares_exactly_is_no_evasion(rule_repo):
    rule_repo.rule(
        "cmd.toml", 'process where host.os.type == "windows" and process.name : "cmd.exe"'
    )
    rule_repo.fixture("cmd.toml", WINDOWS_EVENT)
    assert evasions(rule_repo) == []


def test_a_linux_event_is_no_evasion(rule_repo):
    rule_repo.rule("sh.toml", 'process where process.name == "bash"')
    rule_repo.fixture(
        "sh.toml",
        WINDOWS_EVENT.replace('"windows"', '"linux"').replace('"cmd.exe"', '"bash"'),
    )
    assert evasions(rule_repo) == []


def test_kql_values_on_windows_rules_are_case_sensitive(rule_repo):
    rule_repo.rule(
        "cmd.toml",
        "process.name:cmd.exe",
        type="query",
        language="kuery",
        extra='tags = ["OS: Windows"]',
    )
    rule_repo.fixture("cmd.toml", WINDOWS_EVENT.replace('host.os.type = "windows"\n', ""))
    [found] = evasions(rule_repo)
    assert "process.name:cmd.exe" in found.message


def test_case_sensitive_leaves_name_the_compared_fields():
    condition = parse_eql(
        'process where process.name == "a" and process.executable : "b" and '
        'startsWith(file.path, "c") and registry.path in~ ("d")'
    ).body.condition
    assert sorted(case_sensitive_leaves(condition)) == ["file.path", "process.name"]


def test_other_case_upper_cases_and_lower_cases_what_is_already_upper():
    assert other_case("cmd.exe") == "CMD.EXE"
    assert other_case("CMD.EXE") == "cmd.exe"
    assert other_case("1234") is None
    assert other_case(["a", "1"]) == ["A", "1"]


def test_with_value_replaces_nested_and_dotted_fields():
    assert with_value({"process": {"name": "a"}}, "process.name", "A") == {"process": {"name": "A"}}
    assert with_value({"process.name": "a"}, "process.name", "A") == {"process.name": "A"}


def test_the_example_rules_have_no_case_evasion():
    root = Path(__file__).resolve().parent.parent
    result = run_check([root / "rules"], load_config(start=root))
    assert [d for d in result.diagnostics if d.code == "RO553"] == []


def test_a_crash_in_one_rules_analysis_stays_with_that_rule(rule_repo, monkeypatch):
    original = properties.evasions

    def crash_on_a(rule, fixture, program):
        if rule.name == "A":
            raise RuntimeError("boom")
        return original(rule, fixture, program)

    monkeypatch.setattr(properties, "evasions", crash_on_a)
    rule_repo.rule("a.toml", 'process where process.name == "cmd.exe"', name="A")
    rule_repo.fixture("a.toml", WINDOWS_EVENT)
    other = "22222222-2222-4222-8222-222222222222"
    rule_repo.rule("b.toml", 'process where process.name == "cmd.exe"', name="B", rule_id=other)
    rule_repo.fixture("b.toml", WINDOWS_EVENT.replace(WINDOWS_EVENT.split('"')[1], other))
    found = run_check([rule_repo.root / "rules"], rule_repo.config()).diagnostics
    (crash,) = [d for d in found if d.code == "RO003"]
    assert crash.path == "tests/rules/a.toml" and "boom" in crash.message
    assert [d.path for d in found if d.code == "RO553"] == ["rules/b.toml"]


def test_each_run_gets_its_own_analysis_though_an_id_of_the_last_run_is_reused(
    rule_repo, monkeypatch
):
    # The analysis is remembered for the check and the summary of one run. CPython reuses
    # a freed object's id, so a later run's rules may carry the ids of the last run's: every
    # object given one id here is that reuse made certain.
    monkeypatch.setattr(properties, "id", lambda _: 1, raising=False)
    rule_repo.fixture("cmd.toml", WINDOWS_EVENT)
    rule_repo.rule("cmd.toml", 'process where process.name : "cmd.exe"')
    assert evasions(rule_repo) == []
    rule_repo.rule("cmd.toml", 'process where process.name == "cmd.exe"')
    assert len(evasions(rule_repo)) == 1
