import io
import os
import subprocess
import sys
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import ruleops.commands.fmt as command
from ruleops.cli import main
from ruleops.formatting import FormatError, format_text
from ruleops.suppressions import comments
from tests.unprivileged import open_to_all, run_unprivileged

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "detection-rules" / "rules"

LONG_TAGS = ", ".join(f'"Tag number {i}"' for i in range(8))  # wider than 100 characters
UNORDERED = """\
[metadata]
updated_date = "2024/01/02"
creation_date = "2024/01/01"
maturity = "production"

[rule]
# why this query looks odd
query = '''process where true'''
name = "Example"
author = ["Elastic"]
tags = [LONG_TAGS]
index = [
    "logs-*",
]
type = "eql"  # keep: Kibana needs it

[[rule.threat]]
framework = "MITRE ATT&CK"
""".replace("LONG_TAGS", LONG_TAGS)


def _fmt(text: str) -> str:
    return format_text(text).text


def _keys(text: str, table: str) -> list[str]:
    section = text.split(f"[{table}]\n", 1)[1].split("\n[", 1)[0]
    return [
        line.split(" = ")[0]
        for line in section.splitlines()
        if " = " in line and not line.startswith((" ", "#"))
    ]


def test_metadata_keys_are_sorted():
    assert _keys(_fmt(UNORDERED), "metadata") == ["creation_date", "maturity", "updated_date"]


def test_rule_keys_are_sorted_with_the_query_last_after_a_blank_line():
    out = _fmt(UNORDERED)
    assert _keys(out, "rule") == ["author", "index", "name", "tags", "type", "query"]
    assert "  # keep: Kibana needs it\n\n# why this query looks odd\nquery = " in out


def test_comments_travel_with_their_keys():
    out = _fmt(UNORDERED)
    assert sorted(comments(out)) == sorted(comments(UNORDERED))
    assert "# why this query looks odd\nquery = '''" in out


def test_query_starts_on_the_line_after_its_quotes():
    assert "query = '''\nprocess where true'''" in _fmt(UNORDERED)


def test_long_array_goes_one_element_per_line_with_a_trailing_comma():
    out = _fmt(UNORDERED)
    assert 'tags = [\n    "Tag number 0",\n' in out and '    "Tag number 7",\n]' in out


def test_short_array_goes_on_one_line():
    assert 'index = ["logs-*"]' in _fmt(UNORDERED)


def test_array_with_comments_keeps_its_layout():
    text = '[rule]\nindex = [\n    "a-*",  # the old name\n    "b-*",\n]\n'
    assert _fmt(text) == text


def test_string_with_line_breaks_becomes_a_multiline_string():
    text = '[rule]\ndescription = "first\\nsecond\\n"\n'
    assert _fmt(text) == "[rule]\ndescription = '''\nfirst\nsecond\n'''\n"


def test_string_with_backslashes_and_triple_quotes_stays_exact():
    text = "[rule]\nnote = \"a ''' \\\\ b\\nc\\\"\"\n"
    out = _fmt(text)
    assert tomllib.loads(out) == tomllib.loads(text)
    assert 'note = """\n' in out


def test_tables_are_ordered_metadata_rule_others_then_rule_subtables():
    text = (
        '[transform]\n[[transform.osquery]]\nlabel = "x"\n\n'
        '[rule]\nname = "n"\n\n[[rule.threat]]\nframework = "MITRE ATT&CK"\n\n'
        '[metadata]\nmaturity = "production"\n'
    )
    out = _fmt(text)
    headers = [line for line in out.splitlines() if line.startswith("[")]
    assert headers == [
        "[metadata]",
        "[rule]",
        "[transform]",
        "[[transform.osquery]]",
        "[[rule.threat]]",
    ]


def test_other_tables_keep_their_key_order():
    text = '[metadata]\na = 1\n\n[[transform.investigate]]\nlabel = "x"\ndescription = ""\n'
    assert _fmt(text) == text


def test_formatting_is_idempotent():
    once = _fmt(UNORDERED)
    assert _fmt(once) == once


def test_formatting_keeps_the_data():
    assert tomllib.loads(_fmt(UNORDERED)) == tomllib.loads(UNORDERED)


def test_invalid_toml_is_an_error_with_line_and_column():
    with pytest.raises(FormatError) as caught:
        format_text('[rule]\nname = "unterminated\n')
    assert caught.value.line == 2


def _project(tmp_path: Path, text: str = UNORDERED) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nrule_paths = ["rules"]\n')
    (tmp_path / "rules").mkdir()
    rule = tmp_path / "rules" / "r.toml"
    rule.write_text(text, encoding="utf-8")
    return rule


def test_fmt_check_shows_the_diff_exits_1_and_changes_nothing(tmp_path, monkeypatch, capsys):
    rule = _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["fmt", "--check"]) == 1
    captured = capsys.readouterr()
    assert '-updated_date = "2024/01/02"' in captured.out
    assert "would reformat rules/r.toml" in captured.err
    assert rule.read_text() == UNORDERED


def test_fmt_rewrites_in_place_and_then_check_passes(tmp_path, monkeypatch):
    rule = _project(tmp_path)
    rule.chmod(0o640)
    monkeypatch.chdir(tmp_path)
    assert main(["fmt", "rules/r.toml"]) == 0
    assert rule.read_text() == _fmt(UNORDERED)
    assert rule.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path / "rules") == ["r.toml"]  # no temporary file left behind
    assert main(["fmt", "--check", "rules"]) == 0


def test_fmt_reports_a_file_that_is_not_toml_and_exits_2(tmp_path, monkeypatch, capsys):
    _project(tmp_path, '[rule]\nname = "unterminated\n')
    monkeypatch.chdir(tmp_path)
    assert main(["fmt"]) == 2
    assert "rules/r.toml:2:" in capsys.readouterr().err


def test_fmt_leaves_fixture_files_alone(tmp_path, monkeypatch):
    _project(tmp_path, _fmt(UNORDERED))
    fixture = tmp_path / "tests" / "rules" / "r.toml"
    fixture.parent.mkdir(parents=True)
    fixture.write_text('rule_id = "x"\n[[case]]\nname = "n"\nexpect = "match"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["fmt", "--check", "rules", "tests/rules/r.toml"]) == 0


def test_fmt_with_force_exclude_leaves_a_named_hunting_query_alone(tmp_path, monkeypatch):
    hunt = tmp_path / "hunting" / "h.toml"
    hunt.parent.mkdir()
    hunt.write_text("[hunt]\n" + f"query = [{', '.join(repr('x' * 30) for _ in range(5))}]\n")
    monkeypatch.chdir(tmp_path)
    assert main(["fmt", "--check", "hunting/h.toml"]) == 1  # fmt would rewrite it as a rule
    assert main(["fmt", "--check", "--force-exclude", "hunting/h.toml"]) == 0


def _corpus_problem(path: Path) -> tuple[bool, str | None]:
    """Whether fmt changes the rule at `path`, and what went wrong, if anything."""
    text = path.read_text(encoding="utf-8")
    formatted = format_text(text, verify=False).text
    if formatted == text:
        return False, None  # fmt(x) == x, so the second pass is this same pass
    if tomllib.loads(formatted) != tomllib.loads(text):
        return True, f"{path}: data changed"
    if sorted(comments(formatted)) != sorted(comments(text)):
        return True, f"{path}: comments changed"
    if format_text(formatted, verify=False).text != formatted:
        return True, f"{path}: a second pass changes it again"
    return True, None


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared corpus of production rules not present")
def test_every_production_rule_formats_without_losing_data_or_comments_and_only_once():
    """For each of the 2,064 rules: data unchanged, comments kept, fmt(fmt(x)) == fmt(x).

    The formatter's own safety net is switched off here, as this test makes the same
    comparisons itself. Two processes share the work (tomlkit is slow).
    """

    paths = sorted(CORPUS.rglob("*.toml"))
    with ProcessPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(_corpus_problem, paths, chunksize=64))
    problems = [problem for _, problem in outcomes if problem]
    assert problems == []
    assert 0 < sum(changed for changed, _ in outcomes) < len(paths)


def test_a_nan_value_formats_like_any_other():
    text = UNORDERED.replace('name = "Example"', 'name = "Example"\nrisk_score = nan')
    assert "risk_score = nan" in _fmt(text)


def test_a_crlf_file_stays_crlf():
    crlf = UNORDERED.replace("\n", "\r\n")
    assert _fmt(crlf) == _fmt(UNORDERED).replace("\n", "\r\n")


def test_fmt_keeps_the_byte_order_mark(tmp_path, monkeypatch):
    rule = _project(tmp_path)
    rule.write_bytes(b"\xef\xbb\xbf" + UNORDERED.encode())
    monkeypatch.chdir(tmp_path)
    assert main(["fmt", "rules"]) == 0
    assert rule.read_bytes() == b"\xef\xbb\xbf" + _fmt(UNORDERED).encode()


def _meanwhile(monkeypatch, action) -> None:
    """Run `action` on the rule after fmt formatted it and before it writes it back."""

    def format_then_act(text: str, **options):
        formatted = format_text(text, **options)
        action()
        return formatted

    monkeypatch.setattr(command, "format_text", format_then_act)


def test_fmt_never_overwrites_an_edit_saved_during_the_run(tmp_path, monkeypatch, capsys):
    rule = _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    _meanwhile(monkeypatch, lambda: rule.write_text(UNORDERED + "# edited\n"))
    assert main(["fmt", "rules"]) == 2
    assert rule.read_text() == UNORDERED + "# edited\n"
    assert "changed since" in capsys.readouterr().err


def test_fmt_never_recreates_a_file_deleted_during_the_run(tmp_path, monkeypatch, capsys):
    rule = _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    _meanwhile(monkeypatch, rule.unlink)
    assert main(["fmt", "rules"]) == 2
    assert not rule.exists()
    assert "deleted" in capsys.readouterr().err


def test_fmt_removes_what_a_killed_earlier_run_left_behind(tmp_path, monkeypatch):
    rule = _project(tmp_path)
    gone = _a_finished_process()
    left = rule.parent / f".r.toml.{gone}.k2j3h4.tmp"
    left.write_text("half a rule")
    monkeypatch.chdir(tmp_path)
    assert main(["fmt", "rules"]) == 0
    assert sorted(os.listdir(rule.parent)) == ["r.toml"]


def _a_finished_process() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_fmt_in_a_folder_it_cannot_write_reports_it_and_goes_on(shared_folder: Path):
    rules = shared_folder / "rules"
    (rules / "locked").mkdir(parents=True)
    (rules / "locked" / "a.toml").write_text(UNORDERED)
    (rules / "b.toml").write_text(UNORDERED)
    open_to_all(rules, rules / "b.toml", rules / "locked" / "a.toml")
    (rules / "locked").chmod(0o555)
    done = run_unprivileged(["fmt", "rules"], shared_folder)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "rules/locked/a.toml: cannot write" in done.stderr
    assert (rules / "b.toml").read_text() == _fmt(UNORDERED)
    assert (rules / "locked" / "a.toml").read_text() == UNORDERED


def test_fmt_reads_toml_1_0_as_check_does():
    already_formatted_but_1_1 = _fmt(UNORDERED).replace('name = "Example"', 'name = "Ex\\e"')
    with pytest.raises(FormatError, match=r"TOML 1\.1"):
        format_text(already_formatted_but_1_1)


# ---------------------------------------------------------------------------- fmt - (stdin)


def _fmt_stdin(monkeypatch, capsysbinary, data: bytes, *args: str) -> tuple[int, bytes, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    status = main(["fmt", "-", *args])
    captured = capsysbinary.readouterr()
    return status, captured.out, captured.err.decode()


def test_fmt_stdin_writes_the_formatted_rule_to_stdout_and_no_file(
    tmp_path, monkeypatch, capsysbinary
):
    rule = _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    named = ("--stdin-filename", "rules/r.toml")
    status, out, err = _fmt_stdin(monkeypatch, capsysbinary, UNORDERED.encode(), *named)
    assert (status, out, err) == (0, _fmt(UNORDERED).encode(), "")
    assert rule.read_text() == UNORDERED and os.listdir(tmp_path / "rules") == ["r.toml"]


def test_fmt_stdin_keeps_a_crlf_buffer_crlf_and_its_byte_order_mark(
    tmp_path, monkeypatch, capsysbinary
):
    monkeypatch.chdir(tmp_path)
    crlf = UNORDERED.replace("\n", "\r\n")
    _, out, _ = _fmt_stdin(monkeypatch, capsysbinary, b"\xef\xbb\xbf" + crlf.encode())
    assert out == b"\xef\xbb\xbf" + _fmt(crlf).encode()


def test_fmt_stdin_reports_invalid_toml_under_its_name_and_writes_nothing_out(
    tmp_path, monkeypatch, capsysbinary
):
    monkeypatch.chdir(tmp_path)
    bad = b'[rule]\nname = "unterminated\n'
    status, out, err = _fmt_stdin(monkeypatch, capsysbinary, bad, "--stdin-filename", "r.toml")
    assert (status, out) == (2, b"")
    assert err.startswith("r.toml:2:")


def test_fmt_stdin_check_shows_the_diff_and_exits_1(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    status, out, _ = _fmt_stdin(monkeypatch, capsysbinary, UNORDERED.encode(), "--check")
    assert status == 1 and b'-updated_date = "2024/01/02"' in out


def test_fmt_stdin_leaves_a_fixture_as_written(tmp_path, monkeypatch, capsysbinary):
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    named = ("--stdin-filename", "tests/rules/r.toml")
    _, out, _ = _fmt_stdin(monkeypatch, capsysbinary, UNORDERED.encode(), *named)
    assert out == UNORDERED.encode()
    checked = _fmt_stdin(monkeypatch, capsysbinary, UNORDERED.encode(), *named, "--check")
    assert checked[:2] == (0, b"")  # nothing to change, so no diff


def test_fmt_stdin_with_force_exclude_leaves_a_hunting_query_as_written(
    tmp_path, monkeypatch, capsysbinary
):
    monkeypatch.chdir(tmp_path)
    hunt = ("[hunt]\n" + f"query = [{', '.join(repr('x' * 30) for _ in range(5))}]\n").encode()
    named = ("--stdin-filename", "hunting/h.toml")
    assert _fmt_stdin(monkeypatch, capsysbinary, hunt, *named)[1] != hunt  # read as a rule
    _, out, _ = _fmt_stdin(monkeypatch, capsysbinary, hunt, *named, "--force-exclude")
    assert out == hunt


def test_fmt_stdin_is_the_only_path_when_given(tmp_path, monkeypatch, capsys):
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["fmt", "-", "rules"]) == 2
    assert "'-'" in capsys.readouterr().err


def test_fmt_stdin_as_an_editor_runs_it(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "ruleops", "fmt", "-"],
        input=UNORDERED.encode(),
        capture_output=True,
        cwd=tmp_path,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, _fmt(UNORDERED).encode(), b"")
