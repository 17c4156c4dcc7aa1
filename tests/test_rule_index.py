"""The rule index: the duplicate check of a partial run reads other rules from an index in the
user cache, refreshed from file metadata, and is never stale."""

from __future__ import annotations

import os
import time

import pytest

import ruleops.rule_index as rule_index
from ruleops.cli import main
from ruleops.rule_index import RuleIndex


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Runs from now on happen `seconds` later than the files' last change."""
    now = time.time_ns() + int(seconds * 1e9)
    monkeypatch.setattr(rule_index.time, "time_ns", lambda: now)


def _check(path: str, capsys) -> str:
    main(["check", "--no-cache", path])
    return capsys.readouterr().out


@pytest.fixture
def two_rules(rule_repo):
    rule_repo.rule("a.toml", 'process where process.name : "a"', name="Rule A")
    rule_repo.rule(
        "b.toml", 'process where process.name : "b"', name="Rule B",
        rule_id="22222222-2222-4222-8222-222222222222",
    )  # fmt: skip
    return rule_repo


def test_a_duplicate_name_in_an_unchecked_rule_is_found(two_rules, capsys):
    two_rules.rule("c.toml", 'process where process.name : "c"', name="Rule A",
                   rule_id="33333333-3333-4333-8333-333333333333")  # fmt: skip
    assert "'Rule A' is also used by rules/a.toml" in _check("rules/c.toml", capsys)


def test_an_edit_right_after_a_run_is_seen(two_rules, capsys):
    assert "RO051" not in _check("rules/a.toml", capsys)
    path = two_rules.root / "rules" / "b.toml"
    path.write_text(path.read_text().replace("Rule B", "Rule A"))
    assert "'Rule A' is also used by rules/b.toml" in _check("rules/a.toml", capsys)


def test_an_edit_that_keeps_size_and_mtime_is_seen(two_rules, capsys, monkeypatch):
    _later(monkeypatch, 10)
    assert "RO051" not in _check("rules/a.toml", capsys)
    path = two_rules.root / "rules" / "b.toml"
    before = path.stat()
    path.write_text(path.read_text().replace("Rule B", "Rule A"))  # same length
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert "'Rule A' is also used by rules/b.toml" in _check("rules/a.toml", capsys)


def test_an_old_unchanged_file_is_not_read_again(two_rules, monkeypatch):
    config = two_rules.config()
    _later(monkeypatch, 10)
    first = RuleIndex(two_rules.root)
    first.identities(config)
    first.save()
    read: list[str] = []
    real = rule_index.identity_of
    monkeypatch.setattr(rule_index, "identity_of", lambda text: read.append(text) or real(text))
    found = RuleIndex(two_rules.root).identities(config)
    assert read == []
    assert sorted(i.name for i in found.values()) == ["Rule A", "Rule B"]


def test_a_file_changed_within_the_racy_window_is_read_again(two_rules, monkeypatch):
    config = two_rules.config()
    first = RuleIndex(two_rules.root)
    first.identities(config)  # recorded right after the files were written
    first.save()
    read: list[str] = []
    real = rule_index.identity_of
    monkeypatch.setattr(rule_index, "identity_of", lambda text: read.append(text) or real(text))
    RuleIndex(two_rules.root).identities(config)
    assert len(read) == 2


def test_a_deleted_rule_leaves_the_index(two_rules, capsys):
    two_rules.rule("c.toml", 'process where process.name : "c"', name="Rule A",
                   rule_id="33333333-3333-4333-8333-333333333333")  # fmt: skip
    assert "RO051" in _check("rules/c.toml", capsys)
    (two_rules.root / "rules" / "a.toml").unlink()
    assert "RO051" not in _check("rules/c.toml", capsys)


def test_a_corrupt_index_is_rebuilt(two_rules, capsys):
    _check("rules/a.toml", capsys)
    index = RuleIndex(two_rules.root)
    assert index.path is not None and index.path.is_file()
    index.path.write_text("{not json")
    two_rules.rule("c.toml", 'process where process.name : "c"', name="Rule B",
                   rule_id="33333333-3333-4333-8333-333333333333")  # fmt: skip
    assert "'Rule B' is also used by rules/b.toml" in _check("rules/c.toml", capsys)


def test_a_toml_file_that_is_not_a_rule_is_no_duplicate(two_rules, capsys):
    hunt = two_rules.root / "rules" / "hunt.toml"
    hunt.write_text('[hunt]\nname = "Rule A"\nrule_id = "11111111-1111-4111-8111-111111111111"\n')
    assert "RO05" not in _check("rules/a.toml", capsys)


def test_an_excluded_rule_is_no_duplicate(two_rules, capsys):
    (two_rules.root / "pyproject.toml").write_text(
        '[tool.ruleops]\nrule_paths = ["rules"]\nfixture_paths = ["tests/rules"]\n'
        'exclude = ["legacy"]\n'
    )
    two_rules.rule("legacy/old.toml", 'process where process.name : "c"', name="Rule A",
                   rule_id="33333333-3333-4333-8333-333333333333")  # fmt: skip
    assert "RO051" not in _check("rules/a.toml", capsys)


def test_an_index_entry_of_another_shape_is_read_again(two_rules, capsys):
    _check("rules/a.toml", capsys)
    index = RuleIndex(two_rules.root)
    assert index._entries
    for entry in index._entries.values():
        entry[4] = "not a time"
    index._dirty = True
    index.save()
    assert "RO003" not in _check("rules/a.toml", capsys)
    assert "'Rule B' is also used by rules/b.toml" in _check_copy_of_b(two_rules, capsys)


def _check_copy_of_b(two_rules, capsys) -> str:
    two_rules.rule("c.toml", 'process where process.name : "c"', name="Rule B",
                   rule_id="33333333-3333-4333-8333-333333333333")  # fmt: skip
    return _check("rules/c.toml", capsys)
