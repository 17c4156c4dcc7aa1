"""The 2,064 production rules of elastic/detection-rules pass the schema and house style.

One CLI run over the whole corpus. The few findings it has are true defects of the corpus,
listed below with what is wrong; anything else the schema or house style reports there is a
false finding, i.e. a bug in ruleops.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CORPUS = (Path(__file__).parents[1] / "../shared/corpus/detection-rules/rules").resolve()

# (file relative to the corpus, code): why it is a true defect.
KNOWN_ERRORS = {
    ("windows/defense_evasion_modify_ownership_os_files.toml", "RO104"): (
        'rule_id "7eb54028-ca72-4eb7-8185-b6864572347db" is not a UUID: its last group has '
        "13 hex digits instead of 12"
    ),
    ("_deprecated/exfiltration_rds_snapshot_export.toml", "RO104"): (
        'rule_id "119c8877-8613-416d-a98a-96b6664ee73a5" is not a UUID: its last group has '
        "13 hex digits instead of 12"
    ),
}
# ES|QL errors (RO7xx) that are true defects of the corpus.
KNOWN_ESQL_ERRORS = {
    ("cross-platform/execution_aws_ec2_lolbin_via_ssm.toml", "RO706"): (
        'LIKE "%/document/orchestration/%/awsrunShellScript/%/_script.sh" (lines 115 and '
        "158) uses SQL's `%` wildcard; ES|QL's LIKE matches `%` literally, so the pattern "
        "never matches"
    ),
    ("linux/defense_evasion_base64_decoding_activity.toml", "RO716"): (
        'process.args == "enc", process.args in ("-d", …), process.args like "-d*"… (lines 104 '
        "to 130): process.args holds the executable and every argument, so it has several "
        "values whenever there is an argument, and ES|QL's single-value operators are null "
        "there; those branches never match (the rule expands event.action, not process.args)"
    ),
}

KNOWN_WARNINGS = {
    ("integrations/azure/credential_access_key_vault_excessive_retrieval.toml", "RO150"): (
        "severity medium with risk_score 43; every other medium rule scores 47"
    ),
    ("promotions/privilege_escalation_endgame_process_injection_prevented.toml", "RO151"): (
        'from = "now-1m" with interval = "2m": half of every run is never searched; its 25 '
        'sibling promotion rules use from = "now-2m", interval = "1m" (the two are swapped)'
    ),
    (
        "integrations/cloud_defend/execution_container_management_binary_launched_inside_a_container.toml",
        "RO158",
    ): 'license "Elastic Licence v2" is misspelt; every other rule has "Elastic License v2"',
    ("cross-platform/initial_access_execution_susp_react_serv_child.toml", "RO159"): (
        'description stops after "with the App Router enabled" without a full stop'
    ),
    ("windows/execution_command_shell_started_by_svchost.toml", "RO159"): (
        'description "... descending from svchost.exe" has no full stop'
    ),
    ("windows/lateral_movement_remote_service_installed_winlog.toml", "RO159"): (
        'description ends in a stray quote: "...done by administrators.""'
    ),
    ("_deprecated/execution_apt_binary.toml", "RO160"): (
        'name "Linux Restricted Shell Breakout via  apt/apt-get Changelog Escape" has a '
        "doubled space"
    ),
}

# Load, schema and house-style codes: the ones this test vouches for.
OWN_CODES = ("RO001", "RO002", "RO003", *(f"RO{n}" for n in range(100, 200)))


@pytest.fixture(scope="module")
def report() -> tuple[int, dict[str, Any]]:
    if not CORPUS.is_dir():
        pytest.skip(f"../shared not present: no corpus at {CORPUS}")
    done = subprocess.run(
        [sys.executable, "-m", "ruleops", "check", "--format", "json", str(CORPUS)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def _found(document: dict[str, Any], severity: str) -> set[tuple[str, str]]:
    return {
        (Path(d["path"]).resolve().relative_to(CORPUS).as_posix(), d["code"])
        for d in document["diagnostics"]
        if d["severity"] == severity and d["code"] in OWN_CODES
    }


def test_every_corpus_file_is_checked(report: tuple[int, dict[str, Any]]) -> None:
    _, document = report
    assert document["files"] == sum(1 for _ in CORPUS.rglob("*.toml"))


def test_no_check_crashes_on_the_corpus(report: tuple[int, dict[str, Any]]) -> None:
    _, document = report
    assert [d for d in document["diagnostics"] if d["code"] == "RO003"] == []


def test_schema_errors_are_only_the_known_defects(report: tuple[int, dict[str, Any]]) -> None:
    _, document = report
    assert _found(document, "error") == set(KNOWN_ERRORS)


def test_esql_errors_are_only_the_known_defects(report: tuple[int, dict[str, Any]]) -> None:
    _, document = report
    found = {
        (Path(d["path"]).resolve().relative_to(CORPUS).as_posix(), d["code"])
        for d in document["diagnostics"]
        if d["severity"] == "error" and d["code"].startswith("RO7")
    }
    assert found == set(KNOWN_ESQL_ERRORS)


def test_house_style_warnings_are_only_the_known_defects(
    report: tuple[int, dict[str, Any]],
) -> None:
    _, document = report
    assert _found(document, "warning") == set(KNOWN_WARNINGS)


def test_exit_status_follows_the_errors(report: tuple[int, dict[str, Any]]) -> None:
    """Exit 0 when no check reports an error; the known defects above make it 1."""
    status, document = report
    assert status == (1 if document["summary"]["errors"] else 0)


def test_json_report_has_the_documented_shape(report: tuple[int, dict[str, Any]]) -> None:
    _, document = report
    assert set(document) >= {"version", "files", "diagnostics", "summary"}
    assert document["version"] == 1
    for item in document["diagnostics"]:
        assert {"code", "severity", "message", "path", "line", "column"} <= set(item)
    assert set(document["summary"]) >= {"errors", "warnings", "by_code"}
