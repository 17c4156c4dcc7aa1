"""The command line: exit codes, output shapes, `ruleops rule CODE`."""

import json
import subprocess
import sys
from pathlib import Path

from ruleops import checks
from ruleops.checks import load_all_checks
from ruleops.cli import main
from ruleops.config import load_config
from ruleops.engine import run_check

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "rules"
LOOKBACK = "lookback_covers_interval"
LOOKBACK_LINE = next(
    number
    for number, line in enumerate((REPO / "ruleops/checks/house_style.py").open(), 1)
    if line.startswith(f"def {LOOKBACK}(")
)


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruleops", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_example_rules_pass_every_check():
    result = _run("check", "rules/")
    assert result.returncode == 0, result.stdout + result.stderr


def test_json_output_has_the_documented_shape(tmp_path: Path):
    (tmp_path / "a.toml").write_text("[rule]\nname = = 1\n")
    result = _run("check", "--format", "json", str(tmp_path / "a.toml"), cwd=tmp_path)
    document = json.loads(result.stdout)
    assert set(document) == {"version", "files", "diagnostics", "summary"}
    assert document["version"] == 1 and document["files"] == 1
    (item,) = document["diagnostics"]
    assert {"code", "severity", "message", "path", "line", "column"} <= set(item)
    assert document["summary"]["errors"] == 1


def test_text_output_is_compiler_style_with_caret(tmp_path: Path):
    (tmp_path / "a.toml").write_text("[rule]\nname = = 1\n")
    result = _run("check", "a.toml", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("a.toml:2:8: RO002 error: invalid TOML")
    assert lines[1].strip() == "name = = 1"
    assert lines[2].index("^") == 4 + 7


def test_errors_exit_1_and_usage_errors_exit_2(tmp_path: Path):
    (tmp_path / "a.toml").write_text("not toml at all = = =\n")
    assert _run("check", "a.toml", cwd=tmp_path).returncode == 1
    assert _run("check", "does-not-exist.toml", cwd=tmp_path).returncode == 2
    assert _run("check", "--no-such-flag", cwd=tmp_path).returncode == 2


def test_a_crashing_check_exits_2_and_the_other_findings_are_still_reported(
    tmp_path: Path, monkeypatch, capsys
):
    def crashing_check(rule, config):
        raise KeyError("boom")

    load_all_checks()
    monkeypatch.setattr(checks, "RULE_CHECKS", [*checks.RULE_CHECKS, crashing_check])
    (tmp_path / "a.toml").write_text(
        (EXAMPLES / "windows" / "persistence_services_registry.toml").read_text()
    )
    (tmp_path / "b.toml").write_text("[rule]\nname = = 1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-cache", "."]) == 2
    out = capsys.readouterr().out
    assert "RO003" in out and "crashing_check crashed: KeyError" in out
    assert "b.toml:2:8: RO002" in out


def _crash_in_a_corpus_check(tmp_path: Path, monkeypatch, crash) -> list[str]:
    """Where RO003 lands when `crash(rules, config)` runs as a whole-run check."""
    load_all_checks()
    monkeypatch.setattr(checks, "CORPUS_CHECKS", [*checks.CORPUS_CHECKS, crash])
    (tmp_path / "pyproject.toml").write_text("[tool.ruleops]\n")
    source = (EXAMPLES / "windows" / "persistence_services_registry.toml").read_text()
    (tmp_path / "a.toml").write_text(source)
    (tmp_path / "b.toml").write_text(
        source.replace("403ef0d3", "503ef0d3").replace('name = "', 'name = "B ')
    )
    monkeypatch.chdir(tmp_path)
    report = run_check([tmp_path], load_config(tmp_path), cache=False)
    return [d.path for d in report.diagnostics if d.code == "RO003"]


def test_a_corpus_check_crashing_on_a_rule_names_that_rule(tmp_path: Path, monkeypatch):
    def reads_every_rule(rules, config):
        for rule in rules:
            if rule.path.endswith("b.toml"):
                raise KeyError("boom")
        return []

    assert _crash_in_a_corpus_check(tmp_path, monkeypatch, reads_every_rule) == ["b.toml"]


def test_a_corpus_check_crashing_elsewhere_names_the_configuration(tmp_path: Path, monkeypatch):
    def crashes_before_any_rule(rules, config):
        raise KeyError("boom")

    assert _crash_in_a_corpus_check(tmp_path, monkeypatch, crashes_before_any_rule) == [
        "pyproject.toml"
    ]


def test_duplicate_rule_ids_are_reported_on_both_files(tmp_path: Path):
    source = (EXAMPLES / "windows" / "persistence_services_registry.toml").read_text()
    (tmp_path / "a.toml").write_text(source)
    (tmp_path / "b.toml").write_text(source.replace("Unusual Persistence", "Other Persistence"))
    result = _run("check", "--format", "json", ".", cwd=tmp_path)
    codes = [(d["path"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert ("a.toml", "RO050") in codes and ("b.toml", "RO050") in codes


def test_rule_command_prints_the_documentation_of_a_code(capsys):
    assert main(["rule", "RO050"]) == 0
    text = capsys.readouterr().out
    assert "crossfile.duplicate-rule-id" in text and "Fails:" in text and "Passes:" in text


def test_rule_command_rejects_an_unknown_code(capsys):
    assert main(["rule", "RO999"]) == 2


def test_every_code_is_documented():
    for code, info in load_all_checks().items():
        assert info.summary and info.explanation, code


def test_rule_command_names_the_function_that_checks_the_code(capsys):
    assert main(["rule", "RO151"]) == 0
    checked_by = [line for line in capsys.readouterr().out.splitlines() if "Checked by:" in line]
    assert checked_by == [f"Checked by: ruleops/checks/house_style.py:{LOOKBACK_LINE} {LOOKBACK}"]


def test_rule_command_says_how_to_switch_the_code_off(capsys):
    assert main(["rule", "RO151"]) == 0
    text = capsys.readouterr().out
    assert 'Switch off: ignore = ["RO151"] or house_style = false in [tool.ruleops]' in text
    assert "# ruleops: ignore[RO151] <reason> on the line of the rule file" in text


def test_rule_command_offers_no_inline_suppression_where_none_can_reach(capsys):
    assert main(["rule", "RO501"]) == 0  # reported in fixture files, which are not read for them
    text = capsys.readouterr().out
    assert 'Switch off: ignore = ["RO501"] in [tool.ruleops]' in text
    assert "# ruleops:" not in text


def test_python_dash_m_works():
    assert _run("--version").stdout.startswith("ruleops ")


_COMMAND_MODULES = """
import sys
from ruleops.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.startswith("ruleops.commands.")))
"""


def _command_modules_loaded(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _COMMAND_MODULES, *args], capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1]


def test_version_loads_no_command_module():
    assert _command_modules_loaded("--version") == "[]"


def test_a_command_loads_only_its_own_module():
    assert _command_modules_loaded("rule", "--help") == "['ruleops.commands.rule']"
