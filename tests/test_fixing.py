"""`check --fix`: fixes change exactly the values they name and nothing else in the file."""

from __future__ import annotations

import difflib
import os
import shutil
import stat
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleops.cli import main
from ruleops.diagnostics import Diagnostic, Severity
from ruleops.fixing import FixError, apply_fixes, fix_diagnostics, fix_file, parse_key_path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"

RULE = """\
[metadata]
creation_date = "2020/01/01"

[rule]
name = "PowerShell use"  # shown to analysts
tags = ["Tactic: Execution"]

[[rule.threat]]
framework = "MITRE ATT&CK"

[[rule.threat.technique]]
id = "T1086"
name = 'PowerShell'   # old id
reference = "https://attack.mitre.org/techniques/T1086/"

[rule.threat.tactic]
id = "TA0002"
name = "Executon"
reference = "https://attack.mitre.org/tactics/TA0002/"
"""


def changed_lines(before: str, after: str) -> list[str]:
    """The lines removed (-) and added (+) between two texts."""
    return [
        line
        for line in difflib.unified_diff(before.split("\n"), after.split("\n"), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_key_path_is_split_into_keys_and_indexes():
    assert parse_key_path("rule.threat[0].technique[1].name") == [
        "rule",
        "threat",
        0,
        "technique",
        1,
        "name",
    ]


def test_name_fix_changes_only_that_line():
    after = apply_fixes(RULE, [("rule.threat[0].tactic.name", "Execution")])
    assert changed_lines(RULE, after) == ['-name = "Executon"', '+name = "Execution"']


def test_literal_string_stays_literal_and_keeps_its_comment():
    after = apply_fixes(
        RULE, [("rule.threat[0].technique[0].name", "Command and Scripting Interpreter")]
    )
    assert changed_lines(RULE, after) == [
        "-name = 'PowerShell'   # old id",
        "+name = 'Command and Scripting Interpreter'   # old id",
    ]


def test_literal_string_becomes_basic_when_the_value_has_an_apostrophe():
    after = apply_fixes(RULE, [("rule.threat[0].technique[0].name", "Adversary's Tool")])
    assert 'name = "Adversary\'s Tool"   # old id' in after


def test_revoked_technique_fix_adds_the_subtechnique_table_and_changes_nothing_else():
    after = apply_fixes(
        RULE,
        [
            ("rule.threat[0].technique[0].id", "T1059"),
            ("rule.threat[0].technique[0].name", "Command and Scripting Interpreter"),
            ("rule.threat[0].technique[0].reference", "https://attack.mitre.org/techniques/T1059/"),
            (
                "rule.threat[0].technique[0].subtechnique",
                [
                    {
                        "id": "T1059.001",
                        "name": "PowerShell",
                        "reference": "https://attack.mitre.org/techniques/T1059/001/",
                    }
                ],
            ),
        ],
    )
    assert changed_lines(RULE, after) == [
        '-id = "T1086"',
        "-name = 'PowerShell'   # old id",
        '-reference = "https://attack.mitre.org/techniques/T1086/"',
        '+id = "T1059"',
        "+name = 'Command and Scripting Interpreter'   # old id",
        '+reference = "https://attack.mitre.org/techniques/T1059/"',
        "+",
        "+[[rule.threat.technique.subtechnique]]",
        '+id = "T1059.001"',
        '+name = "PowerShell"',
        '+reference = "https://attack.mitre.org/techniques/T1059/001/"',
    ]


def test_fix_inside_inline_tables_keeps_them_inline():
    text = 'threat = [{framework = "MITRE ATT&CK", tactic = {id = "TA0002", name = "Exec"}}]\n'
    after = apply_fixes(text, [("threat[0].tactic.name", "Execution")])
    assert after == text.replace('"Exec"', '"Execution"')


def test_windows_line_endings_are_kept():
    text = RULE.replace("\n", "\r\n")
    after = apply_fixes(text, [("rule.threat[0].tactic.name", "Execution")])
    assert after == text.replace('"Executon"', '"Execution"')


def test_byte_order_mark_is_kept():
    text = "\ufeff" + RULE
    after = apply_fixes(text, [("rule.threat[0].tactic.name", "Execution")])
    assert after == text.replace('"Executon"', '"Execution"')


def test_fix_of_a_key_path_the_file_does_not_have_is_refused():
    with pytest.raises(FixError):
        apply_fixes(RULE, [("rule.threat[3].tactic.name", "Execution")])


def test_fix_that_would_merge_into_existing_tables_is_refused():
    with pytest.raises(FixError):
        apply_fixes(RULE, [("rule.threat[0].technique", [{"id": "T1059"}])])


def test_fix_file_keeps_permissions_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "rule.toml"
    path.write_text(RULE, encoding="utf-8")
    path.chmod(0o640)
    assert fix_file(path, [("rule.threat[0].tactic.name", "Execution")], expected=RULE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["rule.toml"]
    assert 'name = "Execution"' in path.read_text(encoding="utf-8")


def test_fix_file_refuses_a_file_edited_since_the_check(tmp_path):
    path = tmp_path / "rule.toml"
    path.write_text(RULE + "# edited\n", encoding="utf-8")
    with pytest.raises(FixError):
        fix_file(path, [("rule.threat[0].tactic.name", "Execution")], expected=RULE)
    assert path.read_text(encoding="utf-8") == RULE + "# edited\n"


def test_check_fix_rewrites_the_file_and_says_what_was_fixed(tmp_path, capsys):
    path = tmp_path / "rule.toml"
    path.write_text(RULE, encoding="utf-8")
    main(["check", str(path), "--fix"])
    out = capsys.readouterr().out
    assert "RO202 info: fixed: tactic TA0002 is named 'Execution'" in out
    assert "RO212 info: fixed: technique T1086 (PowerShell) is revoked" in out
    after = path.read_text(encoding="utf-8")
    assert 'id = "T1059.001"' in after and 'name = "Execution"' in after


def test_check_fix_on_a_corpus_rule_changes_only_the_wrong_name(tmp_path, capsys):
    source = CORPUS / "_deprecated" / "defense_evasion_mshta_making_network_connections.toml"
    if not source.is_file():
        pytest.skip("../shared corpus not present")
    path = tmp_path / source.name
    shutil.copyfile(source, path)
    main(["check", str(path), "--fix"])
    assert "fixed: technique T1218" in capsys.readouterr().out
    assert changed_lines(source.read_text(encoding="utf-8"), path.read_text(encoding="utf-8")) == [
        '-name = "Signed Binary Proxy Execution"',
        '+name = "System Binary Proxy Execution"',
    ]
    main(["check", str(path)])
    assert "RO205" not in capsys.readouterr().out


def diagnostic(path: Path, *fix: tuple[str, object]) -> Diagnostic:
    return Diagnostic("RO202", Severity.ERROR, "wrong name", str(path), 18, 1, fix=fix)


def test_fixed_diagnostics_become_information_marked_fixed(tmp_path):
    path = tmp_path / "rule.toml"
    path.write_text(RULE, encoding="utf-8")
    [fixed], problems = fix_diagnostics(
        [diagnostic(path, ("rule.threat[0].tactic.name", "Execution"))], {str(path): RULE}
    )
    assert problems == []
    assert fixed.fixed and fixed.severity == Severity.INFO
    assert fixed.message == "fixed: wrong name"


def test_fix_that_cannot_be_applied_leaves_the_diagnostic_and_says_why(tmp_path):
    path = tmp_path / "rule.toml"
    path.write_text(RULE, encoding="utf-8")
    [kept], problems = fix_diagnostics(
        [diagnostic(path, ("rule.threat[4].tactic.name", "Execution"))], {str(path): RULE}
    )
    assert not kept.fixed and kept.severity == Severity.ERROR
    assert problems and "not fixed" in problems[0]
    assert path.read_text(encoding="utf-8") == RULE


def test_of_two_fixes_writing_one_key_differently_only_the_first_is_applied(tmp_path):
    path = tmp_path / "rule.toml"
    path.write_text(RULE, encoding="utf-8")
    first = diagnostic(path, ("rule.threat[0].tactic.name", "Execution"))
    second = diagnostic(path, ("rule.threat[0].tactic.name", "Persistence"))
    result, _ = fix_diagnostics([first, second], {str(path): RULE})
    assert [d.fixed for d in result] == [True, False]
    assert 'name = "Execution"' in path.read_text(encoding="utf-8")


@settings(max_examples=300, deadline=None)
@given(value=st.text(), key=st.sampled_from(["name", "reference"]))
def test_any_string_is_written_exactly_on_its_own_line(value, key):
    """Whatever the value (quotes, backslashes, control characters, line breaks), the fix
    writes it so tomllib reads it back unchanged, and only that key's line differs."""
    path = f"rule.threat[0].technique[0].{key}"
    after = apply_fixes(RULE, [(path, value)])
    assert tomllib.loads(after)["rule"]["threat"][0]["technique"][0][key] == value
    assert len(changed_lines(RULE, after)) == 2
