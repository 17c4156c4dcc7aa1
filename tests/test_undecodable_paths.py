"""A file name that is not UTF-8 (any byte string is a valid Linux file name) is shown with
`\\xNN` escapes in every report, and machine-read reports stay valid documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "rules"
EXAMPLE = EXAMPLES / "windows" / "persistence_services_registry.toml"
NAME = os.fsdecode(b"caf\xe9.toml")  # Latin-1 on a UTF-8 system
SHOWN = "caf\\xe9.toml"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    (root / "pyproject.toml").write_text('[tool.ruleops]\nrule_paths = ["."]\n')
    broken = EXAMPLE.read_text(encoding="utf-8").replace('severity = "low"', 'severity = "x"')
    (root / NAME).write_text(broken, encoding="utf-8")
    return root


def _ruleops(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "ruleops", *args],
        cwd=project,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def reports(project: Path) -> dict[str, str]:
    """One run writing every report format, text on stdout."""
    files = {name: project / f"report.{name}" for name in ("sarif", "junit", "json")}
    options = [f"--{name}={path}" for name, path in files.items()]
    done = _ruleops(project, "check", "--no-cache", NAME, *options)
    assert done.returncode == 1
    return {"text": done.stdout} | {n: p.read_text(encoding="utf-8") for n, p in files.items()}


def test_text_shows_the_name_with_escapes(reports: dict[str, str]) -> None:
    assert f"{SHOWN}:" in reports["text"]


def test_json_is_valid_unicode_with_the_name_escaped(reports: dict[str, str]) -> None:
    (found, *_) = json.loads(reports["json"])["diagnostics"]
    assert found["path"] == SHOWN


def test_sarif_points_at_the_file_by_its_bytes(reports: dict[str, str]) -> None:
    (result, *_) = json.loads(reports["sarif"])["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9.toml"


def test_junit_is_valid_xml_with_the_name_escaped(reports: dict[str, str]) -> None:
    root = ET.fromstring(reports["junit"].encode("utf-8"))
    assert {case.get("file") for case in root.iter("testcase")} == {SHOWN}


def test_github_annotations_name_the_file_with_escapes(project: Path) -> None:
    done = _ruleops(project, "check", "--no-cache", "--format", "github", NAME)
    assert f"file={SHOWN}" in done.stdout


def test_the_cache_keeps_the_name(project: Path) -> None:
    first = _ruleops(project, "check", "--format", "json", NAME).stdout
    assert _ruleops(project, "check", "--format", "json", NAME).stdout == first


def test_fmt_check_shows_the_diff_under_the_escaped_name(project: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines(keepends=True) if line.startswith("from = "))
    unsorted = text.replace(line, "").replace("[rule]\n", f"[rule]\n{line}")
    name = os.fsdecode(b"unsorted\xe9.toml")
    (project / name).write_text(unsorted, encoding="utf-8")
    done = _ruleops(project, "fmt", "--check", name)
    assert done.returncode == 1
    assert "+++ unsorted\\xe9.toml (formatted)" in done.stdout
