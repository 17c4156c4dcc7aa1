"""The check cache answers unchanged runs from disk and never hides a change."""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ruleops import cache, engine
from ruleops.cache import CheckCache
from ruleops.cache import file_key as original
from ruleops.cli import main
from ruleops.diagnostics import Diagnostic, Severity

EXAMPLES = Path(__file__).resolve().parents[1] / "rules"
RULE = EXAMPLES / "windows" / "persistence_services_registry.toml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    (tmp_path / "pyproject.toml").write_text("[tool.ruleops]\n")
    (tmp_path / "rules").mkdir()
    shutil.copy(RULE, tmp_path / "rules" / "a.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(capsys, *args: str) -> dict:
    main(["check", "rules", "--format", "json", *args])
    return json.loads(capsys.readouterr().out)


def test_second_run_reports_exactly_what_the_first_did(repo, capsys):
    first = _check(capsys)
    assert list((repo / "user-cache" / "ruleops" / "check").glob("*.json"))
    assert _check(capsys) == first


def test_a_changed_rule_is_checked_again(repo, capsys):
    _check(capsys)
    rule = repo / "rules" / "a.toml"
    rule.write_text(rule.read_text().replace('severity = "low"', 'severity = "urgent"'))
    codes = [d["code"] for d in _check(capsys)["diagnostics"]]
    assert "RO103" in codes


def test_a_changed_configuration_is_not_answered_from_the_cache(repo, capsys):
    rule = repo / "rules" / "a.toml"
    rule.write_text(rule.read_text().replace('severity = "low"', 'severity = "urgent"'))
    assert _check(capsys)["summary"]["errors"] == 1
    (repo / "pyproject.toml").write_text('[tool.ruleops]\nignore = ["RO103", "RO150"]\n')
    assert _check(capsys)["summary"]["errors"] == 0


def test_a_changed_fixture_is_not_answered_from_the_cache(repo, capsys):
    _check(capsys)
    fixture = repo / "tests" / "rules" / "a.toml"
    fixture.parent.mkdir(parents=True)
    fixture.write_text(
        'rule_id = "403ef0d3-8259-40c9-a5b6-d48354712e49"\n\n[[case]]\nname = "benign"\n'
        'expect = "match"\n[[case.events]]\nevent.category = "process"\n'
    )
    codes = [d["code"] for d in _check(capsys)["diagnostics"]]
    assert "RO501" in codes


def test_a_corrupt_cache_is_rebuilt(repo, capsys):
    first = _check(capsys)
    (cache,) = (repo / "user-cache" / "ruleops" / "check").glob("*.json")
    cache.write_text("{not json")
    assert _check(capsys) == first


def test_no_cache_neither_reads_nor_writes_the_cache(repo, capsys):
    _check(capsys, "--no-cache")
    assert not (repo / "user-cache" / "ruleops" / "check").exists()


def test_check_writes_nothing_into_the_project(repo, capsys):
    before = sorted(p.relative_to(repo) for p in repo.rglob("*") if "user-cache" not in p.parts)
    _check(capsys)
    after = sorted(p.relative_to(repo) for p in repo.rglob("*") if "user-cache" not in p.parts)
    assert after == before


def test_a_cache_write_that_fails_leaves_no_temporary_file(repo, monkeypatch):
    store = CheckCache(repo, "fingerprint")
    store.store_file("key", [], None)

    class FullDisk(io.BytesIO):
        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: os.close(fd) or FullDisk())
    store.save()
    assert list(store.path.parent.iterdir()) == []


def _rules_checked(monkeypatch) -> list[str]:
    """The paths of the rules the following runs check (not answered from the cache)."""
    checked: list[str] = []
    real = engine.check_rule

    def counting(rule, config):
        checked.append(rule.path)
        return real(rule, config)

    monkeypatch.setattr(engine, "check_rule", counting)
    return checked


def test_a_run_of_one_file_keeps_what_a_whole_run_cached(repo, capsys, monkeypatch):
    shutil.copy(RULE, repo / "rules" / "b.toml")
    _check(capsys)
    rule = repo / "rules" / "a.toml"
    rule.write_text(rule.read_text().replace('severity = "low"', 'severity = "urgent"'))
    main(["check", str(rule), "--format", "json"])  # as a commit hook runs it
    capsys.readouterr()
    checked = _rules_checked(monkeypatch)
    _check(capsys)
    assert checked == []


def _stored(repo: Path, entries: list[tuple[str, str]]) -> None:
    """One run per entry, each storing one file entry (key, message)."""
    for key, message in entries:
        store = CheckCache(repo, "fingerprint")
        store.store_file(key, [Diagnostic("RO103", Severity.ERROR, message, "a.toml", 1, 1)], {})
        store.save()


def test_the_least_recently_used_entries_go_first_beyond_the_entry_bound(repo, monkeypatch):
    monkeypatch.setattr(cache, "MAX_FILE_ENTRIES", 2)
    _stored(repo, [("a", "x"), ("b", "x")])
    used = CheckCache(repo, "fingerprint")
    assert used.file("a") is not None  # a is used again, later than b
    used.store_file("c", [], None)
    used.save()
    kept = CheckCache(repo, "fingerprint")
    assert [key for key in "abc" if kept.file(key) is not None] == ["a", "c"]


def test_the_least_recently_used_entries_go_first_beyond_the_size_bound(repo, monkeypatch):
    monkeypatch.setattr(cache, "MAX_FILE_ENTRY_BYTES", 2_500)  # two entries of ~1,100 bytes
    _stored(repo, [("a", "x" * 1_000), ("b", "x" * 1_000), ("c", "x" * 1_000)])
    kept = CheckCache(repo, "fingerprint")
    assert [key for key in "abc" if kept.file(key) is not None] == ["b", "c"]


def _saved_right_after_its_key(rule: Path, content: str | None):
    """`file_key` as if an editor saved (or, with None, briefly removed) `rule` just after
    the check computed its cache key."""

    def file_key(*args):
        key = original(*args)
        if content is None:
            rule.unlink()
        else:
            rule.write_text(content)
        return key

    return file_key


def test_a_rule_saved_during_the_run_is_not_cached_under_its_old_content(repo, capsys, monkeypatch):
    rule = repo / "rules" / "a.toml"
    good = rule.read_text()
    with monkeypatch.context() as race:
        race.setattr("ruleops.cache.file_key", _saved_right_after_its_key(rule, good + "x"))
        _check(capsys)
    rule.write_text(good)
    assert _check(capsys) == _check(capsys, "--no-cache")


def test_a_rule_missing_for_a_moment_is_not_cached_as_unreadable(repo, capsys, monkeypatch):
    rule = repo / "rules" / "a.toml"
    good = rule.read_text()
    with monkeypatch.context() as race:
        race.setattr("ruleops.cache.file_key", _saved_right_after_its_key(rule, None))
        _check(capsys)
    rule.write_text(good)
    assert _check(capsys) == _check(capsys, "--no-cache")


def test_the_fingerprint_is_the_same_in_every_process(tmp_path):
    # A set's repr follows per-process string hashing; the fingerprint must not.
    program = (
        "from pathlib import Path\n"
        "from ruleops.cache import fingerprint\n"
        "from ruleops.config import Config\n"
        f"config = Config(root=Path({str(tmp_path)!r}), ignore=frozenset({{'RO155', 'RO162', "
        "'RO220', 'RO221', 'RO110'}))\n"
        "print(fingerprint(config))\n"
    )
    prints = {
        subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(prints) == 1


def _cache_file(repo: Path) -> Path:
    (found,) = (repo / "user-cache" / "ruleops" / "check").glob("*.json")
    return found


def _reshaped(text: str, change) -> str:
    """The cache's JSON document with `change` applied, written back as it was."""
    head, newline, body = text.partition("\n")
    if not newline or not head.startswith("ruleops-cache"):
        body = text  # a cache without a digest line
    document = json.loads(body)
    change(document)
    return (head + "\n" if newline and head.startswith("ruleops-cache") else "") + json.dumps(
        document
    )


def _every_file_entry(change):
    def apply(document):
        for stored in document["files"].values():  # [last run that used it, JSON text]
            entry = json.loads(stored[1])
            change(entry)
            stored[1] = json.dumps(entry)

    return apply


CORRUPTIONS = {
    "deeply nested JSON": lambda text: "[" * 100_000 + "]" * 100_000,
    "a list instead of the document": lambda text: '["x"]',
    "files as a list": lambda text: _reshaped(text, lambda d: d.update(files=[1, 2])),
    "runs as a string": lambda text: _reshaped(text, lambda d: d.update(runs="x")),
    "a diagnostic of another shape": lambda text: _reshaped(
        text, _every_file_entry(lambda e: e.update(diagnostics=[{"bogus": 1}]))
    ),
    "a severity out of range": lambda text: _reshaped(
        text,
        _every_file_entry(lambda e: [d.update(severity=99) for d in e["diagnostics"]]),
    ),
    "half the file": lambda text: text[: len(text) // 2],
}


@pytest.mark.parametrize("corruption", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_cache_that_does_not_validate_is_ignored_and_rebuilt(repo, capsys, corruption):
    rule = repo / "rules" / "a.toml"
    rule.write_text(rule.read_text().replace('severity = "low"', 'severity = "urgent"'))
    first = _check(capsys)
    cache = _cache_file(repo)
    cache.write_text(corruption(cache.read_text()))
    assert _check(capsys) == first
    assert _check(capsys) == first  # and the rebuilt cache answers the next run


def test_a_relative_cache_home_is_ignored_as_the_xdg_specification_says(repo, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")
    monkeypatch.setenv("HOME", str(repo / "home"))
    _check(capsys)
    assert not (repo / "relative-cache").exists()
    assert list((repo / "home" / ".cache" / "ruleops" / "check").glob("*.json"))


@pytest.mark.parametrize("form", ["github", "json", "junit"])
def test_a_run_answered_from_the_cache_names_its_codes_as_the_first_did(repo, form):
    # each run in a process of its own: one that reads the cache imports no check module
    rule = repo / "rules" / "a.toml"
    rule.write_text(rule.read_text().replace('severity = "low"', 'severity = "urgent"'))
    outputs = [
        subprocess.run(
            [sys.executable, "-m", "ruleops", "check", "rules", "--format", form],
            capture_output=True,
            text=True,
            env=os.environ,
        ).stdout
        for _ in range(2)
    ]
    assert "schema.value-not-allowed" in outputs[0]
    assert outputs[1] == outputs[0]
