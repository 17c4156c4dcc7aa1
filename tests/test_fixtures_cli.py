"""`ruleops test`, its outputs, and fixtures inside `ruleops check`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ruleops.cli import main
from ruleops.config import load_config
from ruleops.engine import run_check

REPOSITORY = Path(__file__).resolve().parent.parent
QUERY = 'process where process.name : ("cmd.exe", "powershell.exe") and not process.args : "/c"'
FIXTURE = """
rule_id = "11111111-1111-4111-8111-111111111111"

[[case]]
name = "cmd starts"
expect = "match"
[[case.events]]
event.category = "process"
process.name = "cmd.exe"
process.args = ["/k"]

[[case]]
name = "cmd runs one command"
expect = "no match"
[[case.events]]
event.category = "process"
process.name = "cmd.exe"
process.args = ["/c", "dir"]
"""


def broken(text: str = FIXTURE) -> str:
    """The same fixture with the positive case's event rejected by the query."""
    return text.replace('process.name = "cmd.exe"\nprocess.args = ["/k"]', 'process.name = "bash"')


@pytest.fixture
def repo(rule_repo):
    rule_repo.rule("windows/cmd.toml", QUERY)
    return rule_repo


def test_passing_fixture_exits_0_and_lists_the_cases(repo, capsys):
    repo.fixture("windows/cmd.toml", FIXTURE)
    assert main(["test"]) == 0
    out = capsys.readouterr().out
    assert "PASS Test Rule :: cmd starts  (tests/rules/windows/cmd.toml:3)" in out
    assert out.rstrip().endswith("2 cases: 2 passed, 0 failed")


def test_failing_case_exits_1_with_its_explanation(repo, capsys):
    repo.fixture("windows/cmd.toml", broken())
    assert main(["test"]) == 1
    out = capsys.readouterr().out
    assert "FAIL Test Rule :: cmd starts  (tests/rules/windows/cmd.toml:3)" in out
    assert 'process.name was "bash"; expected a value matching "cmd.exe" or "powershell.exe"' in out


def test_json_output_has_the_agreed_shape(repo, capsys):
    repo.fixture("windows/cmd.toml", broken())
    assert main(["test", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 1
    first = document["cases"][0]
    assert set(first) == {
        "rule_id",
        "rule",
        "case",
        "expect",
        "outcome",
        "explanation",
        "path",
        "line",
    }
    assert (first["case"], first["outcome"], first["line"]) == ("cmd starts", "fail", 3)
    assert document["cases"][1]["outcome"] == "pass"
    assert document["summary"] == {
        "cases": 2,
        "passed": 1,
        "failed": 1,
        "rules": 1,
        "fixtures": 1,
        "rules_without_fixture": 0,
    }


def test_junit_report_has_one_test_case_per_fixture_case(repo):
    repo.fixture("windows/cmd.toml", broken())
    assert main(["test", "--junit", "reports/fixtures.xml"]) == 1
    root = ET.parse(repo.root / "reports" / "fixtures.xml").getroot()
    assert [s.get("name") for s in root.findall("testsuite")] == ["ruleops.fixtures"]
    first, second = root.findall("testsuite/testcase")
    assert (first.get("name"), first.get("classname")) == ("cmd starts (expect match)", "Test Rule")
    assert 'process.name was "bash"' in first.find("failure").text
    assert second.find("failure") is None
    assert (root.get("tests"), root.get("failures")) == ("2", "1")


def test_junit_report_lists_a_fixture_that_does_not_load_as_a_failure(repo):
    repo.fixture("windows/cmd.toml", "[[case]\n")
    assert main(["test", "--junit", "fixtures.xml"]) == 1
    root = ET.parse(repo.root / "fixtures.xml").getroot()
    failure = root.find("testsuite[@name='ruleops.check']/testcase/failure")
    assert failure.get("type") == "RO002"


def test_naming_a_fixture_file_runs_that_fixture(repo, capsys):
    path = repo.fixture("windows/cmd.toml", FIXTURE)
    assert main(["test", "--format", "json", str(path)]) == 0
    assert len(json.loads(capsys.readouterr().out)["cases"]) == 2


def test_a_fixture_file_outside_fixture_paths_runs_against_its_rule(repo, tmp_path, capsys):
    path = tmp_path / "scratch.toml"
    path.write_text(broken(), encoding="utf-8")
    assert main(["test", str(path)]) == 1
    assert "FAIL Test Rule :: cmd starts" in capsys.readouterr().out


def test_rules_without_fixture_are_counted_not_failed(repo, capsys):
    assert main(["test"]) == 0
    assert "1 rule without a fixture" in capsys.readouterr().out


def test_missing_path_is_a_usage_error(repo, capsys):
    assert main(["test", "nowhere"]) == 2


def test_check_reports_a_failing_case_as_an_error_on_its_line(repo):
    repo.fixture("windows/cmd.toml", broken())
    result = run_check([repo.root / "rules"], load_config(start=repo.root))
    (failure,) = [d for d in result.diagnostics if d.code == "RO501"]
    assert (str(failure.severity), failure.path, failure.line) == (
        "error",
        "tests/rules/windows/cmd.toml",
        3,
    )
    assert "case 'cmd starts' expects match but the rule did not match" in failure.message


def test_check_is_quiet_about_passing_fixtures(repo):
    repo.fixture("windows/cmd.toml", FIXTURE)
    result = run_check([repo.root / "rules"], load_config(start=repo.root))
    assert [d for d in result.diagnostics if d.code.startswith("RO5")] == []


def test_check_reports_a_rule_without_fixture_as_info(repo):
    result = run_check([repo.root / "rules"], load_config(start=repo.root))
    (missing,) = [d for d in result.diagnostics if d.code == "RO502"]
    assert str(missing.severity) == "info"


def test_example_rules_pass_their_fixtures(monkeypatch, capsys):
    if not (REPOSITORY / "tests" / "rules").is_dir():
        pytest.skip("the repository's example fixtures are not present")
    monkeypatch.chdir(REPOSITORY)
    assert main(["test", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["failed"] == 0
    assert summary["rules_without_fixture"] == 0
    assert summary["cases"] >= 30
