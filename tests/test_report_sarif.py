import json

import pytest

from ruleops.checks import load_all_checks
from ruleops.cli import main
from ruleops.diagnostics import Diagnostic, Severity
from ruleops.report.sarif import sarif_document
from tests import report_helpers
from tests.report_helpers import rules_with_findings


@pytest.fixture(scope="module")
def sarif_schema():
    return report_helpers.sarif_schema()


def _validate(document, schema):
    errors = report_helpers.sarif_errors(document, schema)
    assert not errors, "\n".join(errors)


def test_check_writes_sarif_that_the_official_schema_accepts(
    tmp_path, monkeypatch, capsys, sarif_schema
):
    rules_with_findings(tmp_path)
    monkeypatch.chdir(tmp_path)
    status = main(["check", "--format", "text", "--sarif", "out/report.sarif"])
    assert status == 1
    document = json.loads((tmp_path / "out" / "report.sarif").read_text(encoding="utf-8"))
    _validate(document, sarif_schema)
    results = document["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"RO002", "RO050"}
    assert "RO050" in capsys.readouterr().out


def test_sarif_results_point_at_file_line_and_column(tmp_path, monkeypatch, sarif_schema):
    rules_with_findings(tmp_path)
    monkeypatch.chdir(tmp_path)
    main(["check", "--sarif", "r.sarif"])
    document = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))
    broken = next(r for r in document["runs"][0]["results"] if r["ruleId"] == "RO002")
    location = broken["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "rules/broken.toml", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 2
    assert location["region"]["startColumn"] >= 1


def test_sarif_rules_carry_the_code_documentation(sarif_schema):
    registry = load_all_checks()
    diagnostic = Diagnostic("RO050", Severity.ERROR, "duplicate", "rules/x.toml", 3, 1)
    document = sarif_document([diagnostic], registry, tool_version="9.9")
    (rule,) = document["runs"][0]["tool"]["driver"]["rules"]
    assert rule["id"] == "RO050"
    assert rule["name"] == registry["RO050"].name
    assert rule["shortDescription"]["text"] == registry["RO050"].summary
    assert "RO050" in rule["help"]["markdown"]
    assert rule["defaultConfiguration"]["level"] == "error"
    _validate(document, sarif_schema)


def test_sarif_maps_severities_to_levels(sarif_schema):
    found = [
        Diagnostic("RO050", Severity.ERROR, "e", "a.toml", 1, 1),
        Diagnostic("RO051", Severity.WARNING, "w", "a.toml", 2, 1),
        Diagnostic("RO001", Severity.INFO, "i", "a.toml", 3, 1),
    ]
    document = sarif_document(found, load_all_checks(), tool_version="0")
    assert [r["level"] for r in document["runs"][0]["results"]] == ["error", "warning", "note"]
    _validate(document, sarif_schema)


def test_sarif_result_without_a_file_has_no_location(sarif_schema):
    crash = Diagnostic("RO003", Severity.ERROR, "check crashed", "<run>", 1, 1)
    document = sarif_document([crash], load_all_checks(), tool_version="0")
    assert "locations" not in document["runs"][0]["results"][0]
    _validate(document, sarif_schema)


def test_sarif_uris_escape_spaces_and_keep_absolute_paths_absolute(sarif_schema):
    found = [
        Diagnostic("RO050", Severity.ERROR, "e", "rules/with space.toml", 1, 1),
        Diagnostic("RO050", Severity.ERROR, "e", "/abs/rule.toml", 1, 1),
    ]
    document = sarif_document(found, load_all_checks(), tool_version="0")
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    ]
    assert uris == ["rules/with%20space.toml", "file:///abs/rule.toml"]
    _validate(document, sarif_schema)


def test_clean_run_writes_a_valid_empty_sarif_log(tmp_path, monkeypatch, sarif_schema):
    rules_with_findings(tmp_path)
    for name in ("b.toml", "broken.toml"):
        (tmp_path / "rules" / name).unlink()
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--sarif", "r.sarif"]) == 0
    document = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))
    assert document["runs"][0]["results"] == []
    _validate(document, sarif_schema)
