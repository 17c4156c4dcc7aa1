"""The bad-input matrix: every kind of bad input through every command that reads it.

A bad file is named on the command line beside the folder that holds it (a file that is
no rule, such as an empty one, is left out of a folder's walk by design, see
`ruleops.discovery`; named, it is always checked).

Each bad input sits beside a good rule (with its fixture) in a small repository. Every
command must end with its documented exit code (0 nothing wrong, 1 findings, 2 usage,
configuration or unreadable input), print no traceback and report no crash of its own
(RO003), and the good rule must still be checked, formatted, tested or drafted: one bad
file never hides the others. Commands run in-process, so the whole matrix takes seconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ruleops import discovery
from ruleops.cli import main
from ruleops.commands import events
from ruleops.diagnostics import printable
from tests.time_bound import deadline

REPO = Path(__file__).resolve().parents[1]
GOOD = REPO / "rules" / "windows" / "persistence_services_registry.toml"
GOOD_FIXTURE = REPO / "tests" / "rules" / "windows" / "persistence_services_registry.toml"
QUERY = 'process where process.name == "x"'
DEEP = 5000


def _write(name: str, content: bytes) -> Callable[[Path], Path]:
    def make(rules: Path) -> Path:
        path = rules / name
        path.write_bytes(content)
        return path

    return make


def _link(name: str, target: str) -> Callable[[Path], Path]:
    def make(rules: Path) -> Path:
        path = rules / name
        path.symlink_to(rules / target)
        return path

    return make


def _pipe(name: str) -> Callable[[Path], Path]:
    def make(rules: Path) -> Path:
        os.mkfifo(rules / name)
        return rules / name

    return make


def _rule_with(query: str) -> bytes:
    text = GOOD.read_text(encoding="utf-8")
    start = text.index("query = '''")
    text = text[:start] + f"query = '''\n{query}\n'''\n"
    return text.replace("403ef0d3", "503ef0d3").replace('name = "', 'name = "Deep ', 1).encode()


# Bad rule files: how each is made in the rules folder.
BAD_RULES: dict[str, Callable[[Path], Path]] = {
    "Latin-1 text": _write("latin1.toml", '[rule]\nname = "Café"\n'.encode("latin-1")),
    "UTF-16 text": _write("utf16.toml", GOOD.read_text(encoding="utf-8").encode("utf-16")),
    "binary": _write("binary.toml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    "a name that is not UTF-8": _write(os.fsdecode(b"caf\xe9.toml"), b"[rule\n"),
    "a TOML syntax error": _write("syntax.toml", b'[rule]\nname = "unterminated\n'),
    "TOML 1.1": _write("toml11.toml", b"[rule]\nname = {\n  x = 1 }\n"),
    "an empty file": _write("empty.toml", b""),
    "a file of 3 MB": _write("huge.toml", b"# " + b"x" * (3 * 1024 * 1024) + b"\n"),
    "arrays nested 5,000 deep": _write("arrays.toml", b"x = " + b"[" * DEEP + b"]" * DEEP),
    "tables nested 5,000 deep": _write("tables.toml", b"[" + b".".join([b"a"] * DEEP) + b"]"),
    "a query nested 1,000 deep": _write("query.toml", _rule_with("not " * 1000 + QUERY)),
    "tables of the wrong type": _write("types.toml", b"metadata = 5\nrule = [1, 2]\n"),
    "a named pipe": _pipe("pipe.toml"),
    "a broken link": _link("broken.toml", "nowhere.toml"),
    "a looping link": _link("loop.toml", "loop.toml"),
}
# Bad rules that are valid TOML (and laid out as fmt would).
VALID_TOML = {"an empty file", "a query nested 1,000 deep", "tables of the wrong type"}
BAD_CONFIGURATIONS: dict[str, bytes] = {
    "[[tool.ruleops]]": b"[[tool.ruleops]]\n",
    "tool = 5": b"tool = 5\n",
    "a misspelt code": b'[tool.ruleops]\nignore = ["ro103"]\n',
    "TOML 1.1": b'[tool.ruleops]\nignore = ["RO103",]\nx = { a = 1, }\n',
    "Latin-1 text": "[tool.ruleops]\n# café\n".encode("latin-1"),
    "nested 5,000 deep": b"[tool.ruleops]\nx = " + b"[" * DEEP + b"]" * DEEP + b"\n",
}
BAD_EVENTS: dict[str, Callable[[Path], Path]] = {
    "Latin-1 text": _write("latin1.ndjson", '{"process": {"name": "café"}}\n'.encode("latin-1")),
    "UTF-16 text": _write("utf16.ndjson", '{"a": 1}\n'.encode("utf-16")),
    "broken JSON": _write("broken.ndjson", b'{"process": {"name": \n'),
    "an array of numbers": _write("numbers.json", b"[1, 2, 3]"),
    "JSON nested 100,000 deep": _write("deep.json", b"[" * 100_000 + b"]" * 100_000),
    "a named pipe": _pipe("pipe.ndjson"),
    "a file over the limit (1 MB here)": _write("big.ndjson", b'{"a": 1}\n' * 200_000),
    "a broken link": _link("broken.ndjson", "nowhere.ndjson"),
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository holding one good rule and its fixture; the current folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruleops]\nrule_paths = ["rules"]\nfixture_paths = ["tests/rules"]\n'
    )
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "good.toml").write_bytes(GOOD.read_bytes())
    (tmp_path / "tests" / "rules").mkdir(parents=True)
    (tmp_path / "tests" / "rules" / "good.toml").write_bytes(GOOD_FIXTURE.read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with deadline(30):  # a named pipe or a device read by mistake would block for ever
        code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize("name", BAD_RULES)
def test_check_reports_the_bad_file_and_checks_the_good_one(repo, capsys, name) -> None:
    bad = BAD_RULES[name](repo / "rules")
    code, out, _ = _run(capsys, "check", "--no-cache", "--format", "json", *_paths(bad))
    report = json.loads(out)
    assert code == 1 and report["files"] == 2
    by_file = {d["path"] for d in report["diagnostics"] if d["severity"] == "error"}
    assert by_file == {_shown(bad)}
    assert all(d["code"] != "RO003" for d in report["diagnostics"])


@pytest.mark.parametrize("name", BAD_RULES)
def test_fmt_reports_the_bad_file_and_formats_the_good_one(repo, capsys, name) -> None:
    bad = BAD_RULES[name](repo / "rules")
    code, _, err = _run(capsys, "fmt", "--check", *_paths(bad))
    if name in VALID_TOML:  # fmt is about layout; what is wrong inside is check's to say
        assert code == 0 and "2 files: 0 would be reformatted, 2 already formatted" in err
        return
    assert code == 2 and f"{_shown(bad)}:" in err
    assert "2 files: 0 would be reformatted, 1 already formatted" in err


@pytest.mark.parametrize("name", BAD_RULES)
def test_test_reports_the_bad_file_and_runs_the_good_rules_fixture(repo, capsys, name) -> None:
    bad = BAD_RULES[name](repo / "rules")
    code, out, _ = _run(capsys, "test", "--format", "json", *_paths(bad))
    report = json.loads(out)
    # A rule without a fixture has no case to run: only a rule that does not load is wrong.
    assert code == (0 if name in VALID_TOML else 1)
    assert report["summary"]["passed"] == 29
    assert all(d["code"] != "RO003" for d in report["diagnostics"])


@pytest.mark.parametrize("name", BAD_RULES)
def test_fixtures_generate_reports_the_bad_file_and_drafts_the_good_rule(
    repo, capsys, name
) -> None:
    bad = BAD_RULES[name](repo / "rules")
    code, out, _ = _run(capsys, "fixtures", "generate", "--out", "drafts", *_paths(bad))
    assert code == 1 and f"{_shown(bad)}: not generated" in out
    assert (repo / "drafts" / "good.toml").is_file()


@pytest.mark.parametrize("name", BAD_RULES)
def test_parse_reports_a_bad_rule_file(repo, capsys, name) -> None:
    bad = BAD_RULES[name](repo / "rules")
    code, _, err = _run(capsys, "parse", "--file", str(bad))
    # A query that is too deep is a syntax error (1); a file with no query to read, 2.
    assert code == (1 if name == "a query nested 1,000 deep" else 2) and err


@pytest.mark.parametrize("make", BAD_EVENTS.values(), ids=BAD_EVENTS)
def test_eval_reports_bad_events_as_unreadable_input(repo, capsys, monkeypatch, make) -> None:
    monkeypatch.setattr(events, "MAX_EVENTS_BYTES", 1024 * 1024)
    bad = make(repo)
    (repo / "good.ndjson").write_text('{"event": {"category": "process"}}\n')
    code, _, err = _run(capsys, "eval", QUERY, "good.ndjson", str(bad.name))
    assert code == 2 and bad.name in err


@pytest.mark.parametrize("text", BAD_CONFIGURATIONS.values(), ids=BAD_CONFIGURATIONS)
@pytest.mark.parametrize(
    "command",
    [
        ["check", "rules"],
        ["fmt", "--check", "rules"],
        ["test", "rules"],
        ["fixtures", "generate", "--out", "drafts", "rules"],
        ["docs", "rules", "--out", "pages"],
        ["eval", QUERY, "events.ndjson"],
    ],
    ids=lambda c: c[0] if c[0] != "fixtures" else "generate",
)
def test_a_bad_configuration_stops_every_command_with_exit_2(
    repo, capsys, text: bytes, command: list[str]
) -> None:
    (repo / "pyproject.toml").write_bytes(text)
    (repo / "events.ndjson").write_text('{"event": {"category": "process"}}\n')
    code, _, err = _run(capsys, *command)
    assert code == 2 and "pyproject.toml" in err


def test_parse_reads_no_configuration_and_ignores_a_bad_one(repo, capsys) -> None:
    (repo / "pyproject.toml").write_bytes(BAD_CONFIGURATIONS["[[tool.ruleops]]"])
    assert _run(capsys, "parse", QUERY)[0] == 0


CORRUPT_CACHES = {
    "deeply nested JSON": b"[" * 100_000 + b"]" * 100_000,
    "JSON of another shape": b'{"files": [1, 2], "runs": "x"}',
    "binary": b"\x80\x00\xff" * 100,
}


@pytest.mark.parametrize("content", CORRUPT_CACHES.values(), ids=CORRUPT_CACHES)
def test_corrupt_caches_are_rebuilt_by_every_command(repo, capsys, content: bytes) -> None:
    (repo / "rules" / "bad.toml").write_bytes(b"[rule\n")
    expected = _run(capsys, "check", "--format", "json", "rules")[1]
    for cache in (repo / "user-cache").rglob("*"):
        if cache.is_file():
            cache.write_bytes(content)
    assert _run(capsys, "check", "--format", "json", "rules")[1] == expected
    assert _run(capsys, "check", "--format", "json", "rules/good.toml")[0] == 0
    assert _run(capsys, "parse", QUERY)[0] == 0
    assert _run(capsys, "test", "rules/good.toml")[0] == 0


def test_a_rule_vanishing_between_discovery_and_reading_is_reported(
    repo, capsys, monkeypatch
) -> None:
    walk = discovery.toml_files

    def raced(folder, *options):
        return iter([*walk(folder, *options), folder / "vanished.toml"])  # listed, then deleted

    monkeypatch.setattr(discovery, "toml_files", raced)
    code, out, _ = _run(capsys, "check", "--no-cache", "--format", "json", "rules")
    (found,) = [d for d in json.loads(out)["diagnostics"] if d["severity"] == "error"]
    assert code == 1 and found["path"] == "rules/vanished.toml" and found["code"] == "RO001"
    code, _, err = _run(capsys, "fmt", "--check", "rules")
    assert code == 2 and "rules/vanished.toml" in err


def _paths(bad: Path) -> list[str]:
    """The rules folder, and the bad file named too where it exists as a path (a broken
    link named on the command line is a usage error, `no such file`; in a folder, a finding)."""
    return ["rules", str(bad)] if bad.exists() else ["rules"]


def _shown(path: Path) -> str:
    """How reports name `path` (relative; a name that is not UTF-8 with escapes)."""
    return printable(str(path.relative_to(Path.cwd())))
