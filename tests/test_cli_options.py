"""The command line as a ruff user expects it: code selection, --quiet, --exit-zero, --diff,
standard input, colour, grouped repeats and the progress line."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from ruleops.cli import main
from ruleops.report.terminal import ProgressLine, progress_line, wants_colour
from ruleops.selection import SelectionError, switched_off

_THREAT = """
[[rule.threat]]
framework = "MITRE ATT&CK"

[rule.threat.tactic]
id = "TA0002"
name = "Executon"
reference = "https://attack.mitre.org/tactics/TA0002/"
"""


@pytest.fixture
def misspelt(rule_repo):
    """A rule with an ATT&CK tactic name to fix (RO2xx) and an unknown field (RO3xx)."""
    path = rule_repo.rule("r.toml", 'process where process.nam : "cmd.exe"')
    path.write_text(path.read_text() + _THREAT)
    return path


def _codes(capsys, *args: str) -> set[str]:
    main(["check", "--no-cache", "--format", "json", *args])
    return {d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]}


# ---------------------------------------------------------------------------- selection


def test_select_reports_only_the_codes_it_names(misspelt, capsys):
    assert _codes(capsys) & {"RO202", "RO350"} == {"RO202", "RO350"}
    assert {c[:3] for c in _codes(capsys, "--select", "RO2")} == {"RO2"}


def test_ignore_drops_a_code_and_extend_select_adds_one(misspelt, capsys):
    assert "RO202" not in _codes(capsys, "--ignore", "RO202")
    assert _codes(capsys, "--select", "RO3", "--extend-select", "RO202") >= {"RO202", "RO350"}


def test_the_longest_selector_wins_and_ignore_wins_a_tie():
    codes = ["RO101", "RO102", "RO202"]
    assert switched_off(codes, ["RO1"], None, ["RO102"]) == {"RO102", "RO202"}
    assert switched_off(codes, ["RO102"], None, ["RO1"]) == {"RO101", "RO202"}
    assert switched_off(codes, ["RO102"], None, ["RO102"]) == set(codes)


def test_codes_may_be_comma_separated_and_lower_case(misspelt, capsys):
    assert {c[:3] for c in _codes(capsys, "--select", "ro2,RO3")} == {"RO2", "RO3"}


def test_a_misspelt_code_is_a_usage_error_naming_the_nearest(misspelt, capsys):
    assert main(["check", "--select", "RO2O2"]) == 2
    error = capsys.readouterr().err
    assert "unknown code 'RO2O2'" in error and "; did you mean RO202?" in error
    with pytest.raises(SelectionError, match="did you mean RO102"):
        switched_off(["RO102"], None, None, ["R0102"])


_KNOWN = ["RO161", "RO301", "RO311", "RO350", "RO351", "RO360", "RO501", "RO709"]


@pytest.mark.parametrize(
    ("typed", "nearest"),
    [("RO35O", "RO350"), ("RO361", "RO360"), ("RO3501", "RO350"), ("RO3605", "RO360")],
)
def test_a_slip_of_the_finger_names_the_code_meant(typed, nearest):
    with pytest.raises(SelectionError, match=f"; did you mean {nearest}\\?"):
        switched_off(_KNOWN, [typed], None, [])


@pytest.mark.parametrize("typed", ["RO999", "RO9", "RO3X9"])
def test_a_code_that_is_no_slip_of_a_real_one_names_none(typed):
    with pytest.raises(SelectionError) as raised:
        switched_off(_KNOWN, [typed], None, [])
    assert "did you mean" not in str(raised.value)


def test_an_unknown_code_says_it_does_not_exist_and_how_to_list_codes(misspelt, capsys):
    assert main(["check", "--select", "RO999"]) == 2
    error = capsys.readouterr().err
    assert "'RO999': ruleops has no code" in error
    assert "`ruleops rule --list` lists every code" in error


# ---------------------------------------------------------------------------- exit, quiet


def test_exit_zero_passes_a_run_with_errors(misspelt, capsys):
    assert main(["check", "--no-cache"]) == 1
    assert main(["check", "--no-cache", "--exit-zero"]) == 0


def test_quiet_prints_the_findings_without_the_summary(misspelt, capsys):
    main(["check", "--no-cache", "-q"])
    out = capsys.readouterr().out
    assert "RO202" in out
    assert "checked:" not in out


# ---------------------------------------------------------------------------- diff


def test_check_diff_prints_the_fix_and_writes_nothing(misspelt, capsys):
    before = misspelt.read_text()
    assert main(["check", "--no-cache", "--diff"]) == 1
    out = capsys.readouterr().out
    assert '-name = "Executon"' in out and '+name = "Execution"' in out
    assert misspelt.read_text() == before


def test_fmt_diff_prints_the_change_and_writes_nothing(misspelt, capsys):
    text = misspelt.read_text()
    misspelt.write_text(
        text.replace("risk_score = 21\n", "").replace("[rule]\n", "[rule]\nrisk_score = 21\n")
    )
    before = misspelt.read_text()
    assert main(["fmt", "--diff"]) == 1
    captured = capsys.readouterr()
    assert "-risk_score = 21" in captured.out and "+risk_score = 21" in captured.out
    assert captured.err == ""
    assert misspelt.read_text() == before


# ---------------------------------------------------------------------------- stdin


def test_a_rule_from_stdin_is_shown_under_its_stdin_filename(misspelt, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(misspelt.read_text()))
    assert main(["check", "-", "--stdin-filename", "rules/r.toml", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"path": "rules/r.toml"' in out
    assert "RO050" not in out  # the file on disk is the same rule, not a duplicate


def test_a_rule_from_stdin_without_a_name_is_shown_as_stdin(rule_repo, capsys, monkeypatch):
    path = rule_repo.rule("r.toml", 'process where process.name : "cmd.exe"')
    text = path.read_text()
    path.unlink()
    monkeypatch.setattr(sys, "stdin", io.StringIO(text.replace('"low"', '"urgent"')))
    assert main(["check", "-"]) == 1
    assert "<stdin>:" in capsys.readouterr().out


def test_a_rule_from_stdin_without_a_name_is_no_duplicate_of_the_rules_on_disk(
    misspelt, capsys, monkeypatch
):
    # the buffer may be any of them (ruff reads an unnamed stdin as a file outside the tree)
    monkeypatch.setattr(sys, "stdin", io.StringIO(misspelt.read_text()))
    codes = _codes(capsys, "-")
    assert "RO050" not in codes and "RO051" not in codes
    assert any(code.startswith("RO3") for code in codes)


def test_a_rule_from_stdin_named_as_a_new_file_is_compared_with_the_rules_on_disk(
    misspelt, capsys, monkeypatch
):
    monkeypatch.setattr(sys, "stdin", io.StringIO(misspelt.read_text()))
    assert {"RO050", "RO051"} <= _codes(capsys, "-", "--stdin-filename", "rules/copy.toml")


# ---------------------------------------------------------------------------- colour


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"NO_COLOR": "1"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_colour_follows_the_terminal_and_the_environment(monkeypatch, env, tty, expected):
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = io.StringIO()
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    assert wants_colour(stream) is expected


def test_output_to_a_pipe_has_no_colour(misspelt):
    done = subprocess.run(
        [sys.executable, "-m", "ruleops", "check", "--no-cache"],
        cwd=misspelt.parent.parent,
        capture_output=True,
        text=True,
        env={k: v for k, v in __import__("os").environ.items() if k != "FORCE_COLOR"},
    )
    assert "RO202" in done.stdout
    assert "\x1b[" not in done.stdout + done.stderr


def test_force_color_colours_the_severity(misspelt, capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["check", "--no-cache"])
    assert "\x1b[1;31mRO202 error:\x1b[0m" in capsys.readouterr().out


# ---------------------------------------------------------------------------- grouping


def test_a_repeated_finding_shows_its_source_and_hint_once(rule_repo, capsys):
    rule_repo.rule("r.toml", 'process where process.name : "cmd.exe"')
    events = "".join('[[case.events]]\nevent.category = "proces"\n' for _ in range(3))
    rule_repo.fixture(
        "r.toml",
        'rule_id = "11111111-1111-4111-8111-111111111111"\n'
        f'[[case]]\nname = "typo"\nexpect = "no match"\n{events}',
    )
    main(["check", "--no-cache", "--select", "RO510"])
    out = capsys.readouterr().out
    assert out.count("RO510 warning") == 3
    assert out.count("hint:") == 1


# ---------------------------------------------------------------------------- progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_is_drawn_on_one_line_and_erased(monkeypatch):
    terminal = _Terminal()
    progress = ProgressLine(terminal)
    progress.started -= 1  # a run that has taken a second already
    progress(10, 20)
    progress(20, 20)
    progress.close()
    assert terminal.getvalue().startswith("\r\x1b[Kchecking 10 of 20 files")
    assert terminal.getvalue().endswith("\r\x1b[K")
    assert "\n" not in terminal.getvalue()


def test_no_progress_line_in_ci_in_a_pipe_or_with_machine_output(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    assert progress_line(_Terminal(), machine_output=False, quiet=False) is not None
    assert progress_line(io.StringIO(), machine_output=False, quiet=False) is None
    assert progress_line(_Terminal(), machine_output=True, quiet=False) is None
    assert progress_line(_Terminal(), machine_output=False, quiet=True) is None
    monkeypatch.setenv("CI", "true")
    assert progress_line(_Terminal(), machine_output=False, quiet=False) is None


def test_a_short_run_draws_no_progress():
    terminal = _Terminal()
    progress = ProgressLine(terminal)
    progress(1, 1)
    progress.close()
    assert terminal.getvalue() == ""
