"""The pytest plugin, run for real with pytester: fixture files become one test per case."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

RULE = """\
[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["Tester"]
description = "Starts of a command shell."
from = "now-9m"
index = ["logs-*"]
language = "eql"
license = "Elastic License v2"
name = "Command Shell Started"
risk_score = 21
rule_id = "11111111-1111-4111-8111-111111111111"
severity = "low"
type = "eql"
query = '''
process where process.name : ("cmd.exe", "powershell.exe") and not process.args : "/c"
'''
"""

FIXTURE = """\
rule_id = "11111111-1111-4111-8111-111111111111"

[[case]]
name = "cmd starts"
expect = "match"
[[case.events]]
event.category = "process"
process.name = "cmd.exe"

[[case]]
name = "powershell starts"
expect = "match"
[[case.events]]
event.category = "process"
process.name = "powershell.exe"

[[case]]
name = "cmd runs one command"
expect = "no match"
[[case.events]]
event.category = "process"
process.name = "cmd.exe"
process.args = ["/c", "dir"]
"""


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(
        ".toml",
        pyproject='[tool.ruleops]\nrule_paths = ["rules"]\nfixture_paths = ["tests/rules"]\n',
    )
    (pytester.path / "rules" / "windows").mkdir(parents=True)
    (pytester.path / "rules" / "windows" / "shell.toml").write_text(RULE, encoding="utf-8")
    (pytester.path / "tests" / "rules" / "windows").mkdir(parents=True)
    return pytester


# Inner sessions without the plugins these tests do not need: each inline run re-imports
# (and assertion-rewrites) installed plugins such as hypothesis's, and the unraisable-
# exception plugin runs gc.collect() five times at exit; together seconds per run.
_QUIET = (
    "-p",
    "no:unraisableexception",
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:benchmark",
)


def run(repo: pytest.Pytester, *args: str) -> pytest.RunResult:
    return repo.runpytest(*_QUIET, *args)


def write_fixture(repo: pytest.Pytester, text: str = FIXTURE, name: str = "shell.toml") -> None:
    path = repo.path / "tests" / "rules" / "windows" / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def _first_event_also_sets(line: str) -> str:
    """FIXTURE with `line` added to the first case's event, on the line before its name."""
    name = 'process.name = "cmd.exe"\n'
    return FIXTURE.replace(name, f"{line}\n{name}", 1)


def test_each_case_is_a_test_named_after_the_rule_and_the_case(repo):
    write_fixture(repo)
    result = run(repo, "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "tests/rules/windows/shell.toml::Command Shell Started::cmd starts",
            "tests/rules/windows/shell.toml::Command Shell Started::powershell starts",
            "tests/rules/windows/shell.toml::Command Shell Started::cmd runs one command",
        ]
    )


def test_passing_cases_pass(repo):
    write_fixture(repo)
    run(repo).assert_outcomes(passed=3)


def test_k_selects_cases_by_name(repo):
    write_fixture(repo)
    run(repo, "-k", "powershell").assert_outcomes(passed=1, deselected=2)


def test_k_selects_by_rule_name(repo):
    write_fixture(repo)
    run(repo, "-k", "Shell and Started and not cmd").assert_outcomes(passed=1, deselected=2)


def test_failing_case_reports_the_explanation(repo):
    write_fixture(repo, FIXTURE.replace('process.name = "powershell.exe"', 'process.name = "pwsh"'))
    result = run(repo)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*tests/rules/windows/shell.toml:10: case 'powershell starts' of rule "
            "'Command Shell Started' expects match but the rule did not match*",
            '*event 0 (line 13) should match but was rejected: *process.name was "pwsh"; '
            'expected a value matching "cmd.exe" or "powershell.exe" (wildcard, case-insensitive)',
            "FAILED tests/rules/windows/shell.toml::Command Shell Started::powershell starts*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_x_stops_at_the_first_failing_case(repo):
    broken = FIXTURE.replace('process.name = "cmd.exe"\n\n', 'process.name = "bash"\n\n', 1)
    write_fixture(repo, broken.replace('"powershell.exe"', '"pwsh"'))
    run(repo, "-x").assert_outcomes(failed=1)


def test_matching_negative_names_the_exclusion_that_did_not_apply(repo):
    write_fixture(repo, FIXTURE.replace('process.args = ["/c", "dir"]', 'process.args = ["/k"]'))
    result = run(repo)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ['*the exclusion `not process.args : "/c"` did not apply: process.args was ?"/k"?; *']
    )


def test_ecs_type_mistake_fails_its_case(repo):
    write_fixture(repo, _first_event_also_sets('process.pid = "4"'))
    result = run(repo)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*RO505 process.pid is a long field in ECS*write process.pid = 4*"]
    )


def test_unread_field_is_a_pytest_warning_on_the_fixture_line(repo):
    write_fixture(repo, _first_event_also_sets('proces.name = "x"'))
    result = run(repo)
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(
        ["*shell.toml:8: RuleopsFixtureWarning: RO506 case 'cmd starts' sets proces.name*"]
    )


def test_invalid_fixture_file_fails_with_its_diagnostic(repo):
    write_fixture(repo, FIXTURE.replace('expect = "no match"', 'expect = "nope"'))
    result = run(repo)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*shell.toml:19:1: RO500 expect of case 'cmd runs one command' is \"nope\"*"]
    )


def test_fixture_of_a_missing_rule_fails(repo):
    write_fixture(repo, FIXTURE.replace("11111111-1111", "99999999-1111"), name="gone.toml")
    result = run(repo, "tests/rules/windows/gone.toml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RO503 no rule under rule_paths*has rule_id '99999999-1111*"])


def test_toml_files_outside_fixture_paths_are_not_collected(repo):
    (repo.path / "other").mkdir()
    (repo.path / "other" / "shell.toml").write_text(FIXTURE, encoding="utf-8")
    run(repo, "other").assert_outcomes()


def test_toml_files_that_are_not_fixtures_are_not_collected(repo):
    write_fixture(repo, '[settings]\ncolour = "blue"\n', name="settings.toml")
    run(repo).assert_outcomes()


def test_broken_ruleops_configuration_is_a_warning_not_silence(repo):
    write_fixture(repo)
    repo.makefile(".toml", pyproject="[tool.ruleops]\nrule_pathz = []\n")
    result = run(repo)
    result.stdout.fnmatch_lines(
        ["*ruleops: *unknown key(s) rule_pathz*fixtures are not collected*"]
    )


def test_cases_of_a_rule_type_without_executor_are_skipped_with_the_reason(repo):
    other = RULE.replace('type = "eql"', 'type = "new_terms"')
    (repo.path / "rules" / "windows" / "shell.toml").write_text(other, encoding="utf-8")
    write_fixture(repo)
    result = run(repo, "-rs")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(["*ruleops cannot run fixtures of new_terms rules in eql yet*"])


def test_running_from_a_subfolder_finds_the_rules(repo, monkeypatch):
    write_fixture(repo)
    monkeypatch.chdir(repo.path / "tests")
    run(repo, "--rootdir", str(repo.path), str(repo.path / "tests" / "rules")).assert_outcomes(
        passed=3
    )


def test_ecs_value_outside_the_allowed_list_is_a_warning(repo):
    write_fixture(
        repo, FIXTURE.replace('event.category = "process"', 'event.category = "proces"', 1)
    )
    result = run(repo)
    result.assert_outcomes(passed=2, failed=1, warnings=1)
    result.stdout.fnmatch_lines(["*RO510 event.category 'proces'*did you mean 'process'?*"])
