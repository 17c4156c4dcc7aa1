from pathlib import Path

import pytest

from ruleops.cli import main
from ruleops.diagnostics import Diagnostic, Severity, load_all_checks
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


# --- the GitHub Actions workflow of docs/ci.md -------------------------------------------------

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "ruleops.yml"


def _workflow() -> dict:
    import yaml  # a dependency of pre-commit, itself a test dependency

    return yaml.safe_load(WORKFLOW.read_text())


def _steps() -> list[dict]:
    return _workflow()["jobs"]["rules"]["steps"]


def test_workflow_runs_on_pull_requests_with_the_history_changed_since_needs():
    workflow = _workflow()
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    checkout = next(s for s in _steps() if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0


def test_workflow_uploads_sarif_even_when_the_check_fails():
    upload = next(s for s in _steps() if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "ruleops.sarif"
    assert upload["if"].startswith("always()")
    assert _workflow()["permissions"]["security-events"] == "write"


def test_docs_show_the_workflow_the_repository_uses():
    docs = (WORKFLOW.parents[2] / "docs" / "ci.md").read_text()
    assert WORKFLOW.read_text() in docs


def test_workflow_check_step_fails_a_pull_request_with_errors_and_writes_sarif(
    tmp_path, monkeypatch
):
    """The step's own shell script, run on a clone whose pull request breaks a rule."""
    import json
    import os
    import subprocess

    from tests.git_helpers import commit, git, make_repo

    upstream = make_repo(tmp_path / "upstream")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    git(clone, "checkout", "-q", "-b", "pr")
    (clone / "rules" / "broken.toml").write_text('[rule]\nname = "unterminated\n')
    commit(clone, "a broken rule")
    script = next(s for s in _steps() if s.get("name") == "ruleops check")["run"]
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_BASE_REF": "main",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=clone, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    assert "::error file=rules/broken.toml,line=2" in done.stdout
    sarif = json.loads((clone / "ruleops.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["RO002"]
    assert (clone / "ruleops-junit.xml").is_file()
    assert "rules/broken.toml:2" in summary.read_text()
