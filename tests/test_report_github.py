import pytest

from ruleops.checks import load_all_checks
from ruleops.cli import main
from ruleops.diagnostics import Diagnostic, Severity
from ruleops.report.github import MAX_SUMMARY_ROWS, annotation, step_summary
from tests.report_helpers import rules_with_findings


@pytest.fixture(autouse=True)
def _registry():
    load_all_checks()


def test_annotation_names_file_line_column_and_code():
    d = Diagnostic("RO050", Severity.ERROR, "duplicate rule_id", "rules/a.toml", 7, 3, end_column=9)
    assert annotation(d) == (
        "::error file=rules/a.toml,line=7,col=3,endColumn=9,"
        "title=RO050 crossfile.duplicate-rule-id::duplicate rule_id"
    )


def test_annotation_levels_follow_severity():
    levels = [
        annotation(Diagnostic("RO050", s, "m", "a.toml", 1, 1)).split(" ", 1)[0]
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    ]
    assert levels == ["::error", "::warning", "::notice"]


def test_annotation_escapes_newlines_percent_and_property_separators():
    d = Diagnostic(
        "RO050", Severity.ERROR, "100% wrong\nsecond line", "rules/a,b:c.toml", 1, 1, hint="h"
    )
    line = annotation(d)
    assert "file=rules/a%2Cb%3Ac.toml" in line
    assert line.endswith("::100%25 wrong%0Asecond line%0Ahint: h")
    assert "\n" not in line


def test_check_appends_a_step_summary_with_every_finding(tmp_path, monkeypatch, capsys):
    rules_with_findings(tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["check", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert out.count("::error ") == 3
    text = summary.read_text()
    assert text.startswith("earlier step\n## ruleops")
    assert "| RO050 |" in text and "`rules/broken.toml:2:" in text


def test_step_summary_is_capped_but_says_how_many_were_left_out():
    many = [
        Diagnostic("RO051", Severity.WARNING, "m", "a.toml", i, 1)
        for i in range(1, MAX_SUMMARY_ROWS + 11)
    ]
    text = step_summary(many, 1)
    assert "… and 10 more" in text
    assert f"| RO051 | crossfile.duplicate-name | {MAX_SUMMARY_ROWS + 10} |" in text


def test_clean_run_summary_says_so():
    assert "0 errors, 0 warnings" in step_summary([], 3)


def test_summary_counts_one_finding_in_the_singular():
    one = [Diagnostic("RO051", Severity.ERROR, "m", "a.toml", 1, 1)]
    assert "1 file checked: 1 error, 0 warnings" in step_summary(one, 1)
