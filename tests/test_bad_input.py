"""Bad input never crashes a run: each bad file gets a diagnostic with a line."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomlkit

from ruleops.config import Config
from ruleops.engine import check_rule, run_check
from ruleops.loading import rule_from_text

DEPTH = 10_000

GOOD_RULE = """\
[metadata]
creation_date = "2024/05/01"
integration = ["endpoint"]
maturity = "production"
updated_date = "2024/06/01"

[rule]
author = ["Elastic"]
description = "Detects a service pointed at a user-writable binary."
from = "now-9m"
index = ["logs-endpoint.events.registry-*"]
language = "eql"
license = "Elastic License v2"
max_signals = 100
name = "Service ImagePath in a User Folder"
references = ["https://example.com/persistence"]
risk_score = 47
rule_id = "403ef0d3-8259-40c9-a5b6-d48354712e49"
severity = "medium"
tags = ["Domain: Endpoint", "OS: Windows", "Tactic: Persistence"]
timestamp_override = "event.ingested"
type = "eql"
query = '''
registry where registry.value == "ImagePath"
'''

[rule.investigation_fields]
field_names = ["host.name", "registry.path"]

[[rule.threat]]
framework = "MITRE ATT&CK"

[[rule.threat.technique]]
id = "T1543"
name = "Create or Modify System Process"
reference = "https://attack.mitre.org/techniques/T1543/"

[[rule.threat.technique.subtechnique]]
id = "T1543.003"
name = "Windows Service"
reference = "https://attack.mitre.org/techniques/T1543/003/"

[rule.threat.tactic]
id = "TA0003"
name = "Persistence"
reference = "https://attack.mitre.org/tactics/TA0003/"
"""

BAD_FILES: dict[str, bytes] = {
    "empty.toml": b"",
    "binary.toml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin1.toml": '[rule]\nname = "Café"\n'.encode("latin-1"),
    "utf16.toml": GOOD_RULE.encode("utf-16"),
    "not_toml.toml": b'[rule\nname = "unterminated\n',
    "deep_tables.toml": ("[" + ".".join(["a"] * DEPTH) + "]\nx = 1\n").encode(),
    "deep_rule_tables.toml": ("[rule." + ".".join(["a"] * DEPTH) + "]\nx = 1\n").encode(),
    "deep_arrays.toml": ("x = " + "[" * DEPTH + "]" * DEPTH + "\n").encode(),
    "deep_inline_tables.toml": ("x = " + "{a = " * DEPTH + "1" + "}" * DEPTH + "\n").encode(),
    "wrong_tables.toml": b"metadata = 5\nrule = [1, 2]\n",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad")
    for name, content in BAD_FILES.items():
        (root / name).write_bytes(content)
    with (root / "huge.toml").open("wb") as out:
        line = b"# " + b"x" * 1021 + b"\n"
        for _ in range(50 * 1024):
            out.write(line)
    (root / "good.toml").write_text(GOOD_RULE, encoding="utf-8")
    return root


ALL_NAMES = sorted([*BAD_FILES, "huge.toml"])


def _by_path(diagnostics: list[Any], path: Path) -> list[Any]:
    return [d for d in diagnostics if Path(d.path).resolve() == path.resolve()]


@pytest.fixture(scope="module")
def result(folder: Path):
    return run_check(sorted(folder.iterdir()), Config(root=folder))


def test_good_rule_has_no_error_or_warning(result, folder: Path) -> None:
    found = _by_path(result.diagnostics, folder / "good.toml")
    assert [d for d in found if str(d.severity) != "info"] == []


@pytest.mark.parametrize("name", ALL_NAMES)
def test_bad_file_gets_an_error_with_a_line(result, folder: Path, name: str) -> None:
    found = _by_path(result.diagnostics, folder / name)
    assert found, f"no diagnostic for {name}"
    assert all(d.line >= 1 and d.column >= 1 for d in found)
    assert any(str(d.severity) == "error" for d in found)


def test_no_check_crashes_on_bad_input(result) -> None:
    crashes = [d.message for d in result.diagnostics if d.code == "RO003"]
    assert crashes == []


def test_every_file_is_counted(result, folder: Path) -> None:
    assert result.files == len(ALL_NAMES) + 1


def test_huge_file_is_refused_without_reading_it(result, folder: Path) -> None:
    (found,) = _by_path(result.diagnostics, folder / "huge.toml")
    assert found.code == "RO001" and "MB" in found.message


def test_not_utf8_file_points_at_the_bad_byte(result, folder: Path) -> None:
    (found,) = _by_path(result.diagnostics, folder / "latin1.toml")
    assert (found.code, found.line, found.column) == ("RO001", 2, 12)


def test_toml_syntax_error_points_at_the_stop(result, folder: Path) -> None:
    (found,) = _by_path(result.diagnostics, folder / "not_toml.toml")
    assert (found.code, found.line) == ("RO002", 1)


def test_empty_file_is_missing_both_tables(result, folder: Path) -> None:
    found = _by_path(result.diagnostics, folder / "empty.toml")
    assert [d.message for d in found if d.code == "RO101"] == [
        "the file has no [metadata] table",
        "the file has no [rule] table",
    ]


def test_cli_reports_every_file_and_exits_with_findings(folder: Path) -> None:
    paths = [str(folder / name) for name in [*ALL_NAMES, "good.toml"]]
    done = subprocess.run(
        [sys.executable, "-m", "ruleops", "check", "--format", "json", *paths],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=120,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["files"] == len(paths)
    reported = {Path(d["path"]).name for d in report["diagnostics"] if d["severity"] == "error"}
    assert reported == set(ALL_NAMES)
    assert all(d["line"] >= 1 for d in report["diagnostics"])


def test_cli_text_output_has_no_traceback(folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruleops", "check", *(str(folder / n) for n in ALL_NAMES)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout


def test_check_never_writes_to_rule_files(folder: Path) -> None:
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    subprocess.run(
        [sys.executable, "-m", "ruleops", "check", str(folder)],
        capture_output=True,
        cwd=folder,
        timeout=120,
    )
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before


def _keys(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every key of the document with its value, tables and arrays of tables included."""
    if path:
        yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _keys(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for index, item in enumerate(value):
            for inner, found in _keys(item, ""):
                yield f"{path}[{index}].{inner}", found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{path}[{index}]", item


def _other_type(value: Any) -> Any:
    if isinstance(value, str):
        return 5
    if isinstance(value, bool | int):
        return "5"
    return True


def _replace(text: str, path: str, value: Any) -> str:
    """The rule text with the value at `path` swapped, written back by tomlkit."""
    document = tomlkit.parse(text)
    node: Any = document
    parts = path.replace("[", ".[").split(".")
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    if last.startswith("["):
        node[int(last[1:-1])] = value
    else:
        node[last] = value
    return tomlkit.dumps(document)


WRONG_TYPES = sorted(path for path, _ in _keys(tomllib.loads(GOOD_RULE)))


@pytest.mark.parametrize("path", WRONG_TYPES)
def test_wrong_type_at_any_key_is_reported_on_its_line(path: str) -> None:
    value = dict(_keys(tomllib.loads(GOOD_RULE)))[path]
    loaded = rule_from_text(_replace(GOOD_RULE, path, _other_type(value)), "rule.toml")
    rule = loaded.rule
    assert rule is not None
    found = check_rule(rule, Config())
    assert [d.message for d in found if d.code == "RO003"] == []
    line = rule.locate(path).line
    assert any(d.line == line and str(d.severity) == "error" for d in found), found
