import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ruleops.cli import main
from ruleops.config import load_config
from ruleops.diagnostics import Diagnostic, Severity
from ruleops.fixtures.suite import run_paths
from ruleops.report.junit import write_junit
from tests.report_helpers import rules_with_findings


@dataclass(frozen=True)
class FakeCaseResult:
    """The shape of a fixture case result, as the fixture runner reports it."""

    rule_id: str
    rule: str
    case: str
    expect: str
    outcome: str
    explanation: str
    path: str
    line: int


def _parse(data: bytes) -> ET.Element:
    return ET.fromstring(data)


def _junit(diagnostics, files, **options) -> ET.Element:
    out = io.BytesIO()
    write_junit(diagnostics, files, out, **options)
    return _parse(out.getvalue())


def test_check_writes_junit_that_parses_back_with_one_case_per_finding(tmp_path, monkeypatch):
    rules_with_findings(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--junit", "junit.xml"]) == 1
    root = _parse((tmp_path / "junit.xml").read_bytes())
    suite = root.find("testsuite[@name='ruleops.check']")
    failures = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert {f.find("failure").get("type") for f in failures} == {"RO002", "RO050"}
    assert root.get("failures") == str(len(failures))
    assert suite.get("tests") == str(len(suite.findall("testcase")))


def test_clean_files_appear_as_passing_cases():
    root = _junit([], ["rules/a.toml", "rules/b.toml"])
    cases = root.findall("testsuite/testcase")
    assert [c.get("classname") for c in cases] == ["rules/a.toml", "rules/b.toml"]
    assert root.get("failures") == "0"


def test_findings_below_the_failing_severity_are_reported_but_pass():
    warning = Diagnostic("RO051", Severity.WARNING, "same name", "rules/a.toml", 4, 1)
    root = _junit([warning], ["rules/a.toml"])
    (case,) = root.findall("testsuite/testcase")
    assert case.find("failure") is None
    assert "RO051" in case.find("system-out").text


def test_strict_failing_level_makes_warnings_failures():
    warning = Diagnostic(
        "RO051", Severity.WARNING, "same name", "rules/a.toml", 4, 1, hint="rename"
    )
    root = _junit([warning], ["rules/a.toml"], failing=Severity.WARNING)
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == "same name"
    assert "hint: rename" in failure.text


def test_fixture_case_results_become_test_cases_of_their_own_suite():
    cases = [
        FakeCaseResult(
            "id-1", "Rule One", "benign admin", "no match", "pass", "", "tests/rules/one.toml", 3
        ),
        FakeCaseResult(
            "id-1",
            "Rule One",
            "evil",
            "match",
            "fail",
            "process.name was 'a'",
            "tests/rules/one.toml",
            9,
        ),
    ]
    root = _junit([], ["rules/one.toml"], cases=cases)
    suite = root.find("testsuite[@name='ruleops.fixtures']")
    testcases = suite.findall("testcase")
    assert [c.get("name") for c in testcases] == [
        "benign admin (expect no match)",
        "evil (expect match)",
    ]
    assert testcases[1].find("failure").text == "process.name was 'a'"
    assert testcases[1].get("line") == "9"
    assert suite.get("failures") == "1"
    assert root.get("tests") == "3"


def test_messages_with_markup_characters_survive_the_round_trip():
    d = Diagnostic("RO050", Severity.ERROR, 'value "<a & b>" is wrong', "rules/a.toml", 1, 1)
    failure = _junit([d], ["rules/a.toml"]).find("testsuite/testcase/failure")
    assert failure.get("message") == 'value "<a & b>" is wrong'


def test_junit_to_stdout(tmp_path, monkeypatch, capsysbinary):
    rules_with_findings(tmp_path)
    monkeypatch.chdir(tmp_path)
    main(["check", "--format", "junit"])
    root = _parse(capsysbinary.readouterr().out)
    assert root.tag == "testsuites"


def test_one_run_writes_text_sarif_junit_and_json_together(tmp_path, monkeypatch, capsys):
    rules_with_findings(tmp_path)
    monkeypatch.chdir(tmp_path)
    main(
        ["check", "--format", "text", "--sarif", "o.sarif", "--junit", "o.xml", "--json", "o.json"]
    )
    assert "RO002" in capsys.readouterr().out
    sarif = json.loads((tmp_path / "o.sarif").read_text())
    document = json.loads((tmp_path / "o.json").read_text())
    junit = _parse((tmp_path / "o.xml").read_bytes())
    assert (
        len(sarif["runs"][0]["results"])
        == len(document["diagnostics"])
        == int(junit.get("failures"))
    )


def test_real_fixture_case_results_become_junit_test_cases():
    repo = Path(__file__).resolve().parents[1]
    suite = run_paths([repo / "rules"], load_config(repo))
    assert suite.results  # the example rules have fixtures
    root = _junit([], [], cases=suite.results)
    fixtures = root.find("testsuite[@name='ruleops.fixtures']")
    assert fixtures.get("tests") == str(len(suite.results))
    assert fixtures.get("failures") == str(suite.failed)
    first = fixtures.find("testcase")
    assert first.get("name") == f"{suite.results[0].case} (expect {suite.results[0].expect})"


def test_characters_xml_cannot_hold_are_written_as_escapes():
    finding = Diagnostic("RO103", Severity.ERROR, 'severity "\x01bad"', "r.toml", 1, 1)
    (failure,) = _junit([finding], ["r.toml"]).iter("failure")
    assert failure.get("message") == 'severity "\\u0001bad"'
