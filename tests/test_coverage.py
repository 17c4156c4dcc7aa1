"""RO554 and the coverage figure: `or` branches and exclusions that no fixture case exercises."""

from __future__ import annotations

import json
from pathlib import Path

from ruleops.cli import main
from ruleops.config import load_config
from ruleops.engine import run_check

REPOSITORY = Path(__file__).resolve().parent.parent
QUERY = (
    'process where (process.name : "cmd.exe" or process.name : "pwsh.exe") and '
    'not process.args : "/k"'
)
FIXTURE = """
rule_id = "11111111-1111-4111-8111-111111111111"

[[case]]
name = "cmd"
expect = "match"
[[case.events]]
event.category = "process"
process.name = "cmd.exe"
"""
EXCLUDED = """
[[case]]
name = "cmd /k"
expect = "no match"
[[case.events]]
event.category = "process"
process.name = "cmd.exe"
process.args = "/k"
"""
PWSH = """
[[case]]
name = "pwsh"
expect = "match"
[[case.events]]
event.category = "process"
process.name = "pwsh.exe"
"""


def uncovered(repo):
    result = run_check([repo.root / "rules"], repo.config())
    return [d for d in result.diagnostics if d.code == "RO554"], result.summary


def test_an_unexercised_branch_and_exclusion_are_reported_per_rule(rule_repo):
    rule_repo.rule("cmd.toml", QUERY)
    rule_repo.fixture("cmd.toml", FIXTURE)
    [found], summary = uncovered(rule_repo)
    assert found.path == "rules/cmd.toml"
    assert found.message.startswith("2 of 3 `or` branches and exclusions")
    assert 'branch 2 `process.name : "pwsh.exe"`' in found.message
    assert 'exclusion `not process.args : "/k"`' in found.message
    assert summary["coverage"] == {"rules": 1, "parts": 3, "exercised": 1, "percent": 33.3}


def test_an_exclusion_is_exercised_by_a_case_it_alone_rejects(rule_repo):
    rule_repo.rule("cmd.toml", QUERY)
    rule_repo.fixture("cmd.toml", FIXTURE + EXCLUDED)
    [found], _ = uncovered(rule_repo)
    assert "exclusion `" not in found.message


def test_a_negative_case_rejected_by_another_condition_does_not_exercise_the_exclusion(
    rule_repo,
):
    rule_repo.rule("cmd.toml", QUERY)
    rule_repo.fixture(
        "cmd.toml", FIXTURE + EXCLUDED.replace('"cmd.exe"\nprocess.args', '"sh"\nprocess.args')
    )
    [found], _ = uncovered(rule_repo)
    assert "exclusion `" in found.message


def test_full_coverage_reports_nothing_and_counts_in_the_summary(rule_repo):
    rule_repo.rule("cmd.toml", QUERY)
    rule_repo.fixture("cmd.toml", FIXTURE + EXCLUDED + PWSH)
    found, summary = uncovered(rule_repo)
    assert found == []
    assert summary["coverage"]["percent"] == 100.0


def test_rules_without_fixtures_are_not_counted(rule_repo):
    rule_repo.rule("cmd.toml", QUERY)
    found, summary = uncovered(rule_repo)
    assert found == [] and "coverage" not in summary


def test_the_coverage_figure_is_in_the_json_and_text_summaries(rule_repo, capsys):
    rule_repo.rule("cmd.toml", QUERY)
    rule_repo.fixture("cmd.toml", FIXTURE)
    main(["check", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["summary"]["coverage"]["exercised"] == 1
    main(["check"])
    assert "fixture coverage: 1 of 3 `or` branches and exclusions exercised (33.3%)" in (
        capsys.readouterr().out
    )


def test_the_example_rules_fixtures_exercise_every_branch_and_exclusion():
    config = load_config(start=REPOSITORY)
    result = run_check([REPOSITORY / "rules"], config)
    assert [d for d in result.diagnostics if d.code == "RO554"] == []
    assert result.summary["coverage"]["percent"] == 100.0
