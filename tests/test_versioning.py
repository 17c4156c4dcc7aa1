import datetime as dt
import json
import re
import tomllib
from pathlib import Path

import pytest

from ruleops.cli import main
from ruleops.loading import rule_from_text
from ruleops.versioning import changed_logic, check_versions
from tests.git_helpers import commit, git, make_repo, rule_text

TODAY = dt.date(2025, 3, 4)
WATCHED = {"RO610", "RO611"}
OLD_CONDITION = 'registry where host.os.type == "windows"'
NEW_CONDITION = 'registry where host.os.type == "windows" and event.action != "deletion"'


def _rule(text: str):
    return rule_from_text(text, "rules/a.toml").rule


def _with_version(text: str, version: int) -> str:
    return text.replace("[rule]\n", f"[rule]\nversion = {version}\n", 1)


@pytest.fixture(scope="module")
def base_text() -> str:

    return rule_text("Rule a")


def test_changed_query_without_new_updated_date_is_reported_with_a_fix(base_text):
    after = _rule(base_text.replace(OLD_CONDITION, NEW_CONDITION))
    (finding,) = check_versions(after, tomllib.loads(base_text), today=TODAY)
    assert finding.code == "RO611"
    assert "query changed" in finding.message
    assert finding.fix == (("metadata.updated_date", "2025/03/04"),)
    written = base_text.splitlines().index(
        next(line for line in base_text.splitlines() if line.startswith("updated_date"))
    )
    assert finding.line == written + 1  # where updated_date is written


def test_changed_description_or_tags_need_no_new_date(base_text):
    after = base_text.replace("Identifies", "Detects").replace('"OS: Windows"', '"OS: Win"')
    assert check_versions(_rule(after), tomllib.loads(base_text), today=TODAY) == []


def test_index_language_and_threshold_count_as_detection_logic():
    before = {"rule": {"index": ["a-*"], "language": "kuery", "threshold": {"value": 5}}}
    after = {"rule": {"index": ["b-*"], "language": "lucene", "threshold": {"value": 9}}}
    assert changed_logic(before, after) == ["index", "language", "threshold"]


def test_notes_references_and_attack_mapping_are_not_detection_logic():
    before = {"rule": {"note": "a", "references": [], "threat": [], "risk_score": 21}}
    after = {"rule": {"note": "b", "references": ["x"], "threat": [{}], "risk_score": 73}}
    assert changed_logic(before, after) == []


def test_version_used_at_the_ref_must_go_up_and_the_fix_raises_it(base_text):
    before = _with_version(base_text, 7)
    after = _rule(before.replace(OLD_CONDITION, NEW_CONDITION))
    findings = {d.code: d for d in check_versions(after, tomllib.loads(before), today=TODAY)}
    assert findings["RO610"].fix == (("rule.version", 8),)
    assert "version is 7 (was 7)" in findings["RO610"].message


def test_bumped_version_and_new_date_pass(base_text):
    before = _with_version(base_text, 7)
    after = _with_version(base_text, 8).replace(OLD_CONDITION, NEW_CONDITION)
    after = after.replace('updated_date = "2024/10/15"', 'updated_date = "2025/03/04"')
    assert check_versions(_rule(after), tomllib.loads(before), today=TODAY) == []


def test_lower_version_is_reported(base_text):
    before = _with_version(base_text, 7)
    after = _rule(_with_version(base_text, 6).replace(OLD_CONDITION, NEW_CONDITION))
    codes = [d.code for d in check_versions(after, tomllib.loads(before), today=TODAY)]
    assert "RO610" in codes


def test_rule_without_version_at_the_ref_is_not_asked_for_one(base_text):
    after = _rule(base_text.replace(OLD_CONDITION, NEW_CONDITION))
    codes = [d.code for d in check_versions(after, tomllib.loads(base_text), today=TODAY)]
    assert codes == ["RO611"]


# --- end to end, on real git repositories ---------------------------------------------------


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = make_repo(tmp_path / "repo")
    git(root, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(root)
    return root


def _found(capsys) -> list[tuple[str, str]]:
    report = json.loads(capsys.readouterr().out)
    return sorted((d["code"], d["path"]) for d in report["diagnostics"] if d["code"] in WATCHED)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_check_changed_since_reports_a_query_change_without_a_new_date(repo, capsys):
    _edit(repo / "rules" / "a.toml", OLD_CONDITION, NEW_CONDITION)
    commit(repo, "tighten a")
    assert main(["check", "--changed-since", "main", "--format", "json"]) == 1
    assert _found(capsys) == [("RO611", "rules/a.toml")]


def test_check_fix_sets_updated_date_to_today_and_the_next_run_passes(repo, capsys):
    rule = repo / "rules" / "a.toml"
    _edit(rule, OLD_CONDITION, NEW_CONDITION)
    main(["check", "--changed-since", "main", "--fix", "--format", "json"])
    capsys.readouterr()
    today = dt.date.today().strftime("%Y/%m/%d")
    assert f'updated_date = "{today}"' in rule.read_text()
    main(["check", "--changed-since", "main", "--format", "json"])
    assert _found(capsys) == []


def test_renamed_rule_is_compared_with_its_old_path(repo, capsys):
    git(repo, "mv", "rules/a.toml", "rules/renamed.toml")
    _edit(repo / "rules" / "renamed.toml", OLD_CONDITION, NEW_CONDITION)
    main(["check", "--changed-since", "main", "--format", "json"])
    assert _found(capsys) == [("RO611", "rules/renamed.toml")]


def test_new_rule_has_nothing_to_be_compared_with(repo, capsys):
    text = (repo / "rules" / "a.toml").read_text()
    new_id = re.sub(r'rule_id = "[^"]+"', 'rule_id = "5c2b5d1e-7b1a-4d6e-9a5e-2f0d3c4b5a69"', text)
    (repo / "rules" / "new.toml").write_text(new_id.replace('name = "Rule a"', 'name = "New"'))
    main(["check", "--changed-since", "main", "--format", "json"])
    assert _found(capsys) == []


def test_check_fix_raises_the_version_where_the_repository_uses_it(tmp_path, monkeypatch, capsys):
    root = make_repo(tmp_path / "versioned", names=("a",))
    rule = root / "rules" / "a.toml"
    rule.write_text(_with_version(rule.read_text(), 2))
    commit(root, "versioned rule")
    git(root, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(root)
    _edit(rule, OLD_CONDITION, NEW_CONDITION)
    main(["check", "--changed-since", "main", "--format", "json"])
    assert _found(capsys) == [("RO610", "rules/a.toml"), ("RO611", "rules/a.toml")]
    main(["check", "--changed-since", "main", "--fix", "--format", "json"])
    capsys.readouterr()
    assert tomllib.loads(rule.read_text())["rule"]["version"] == 3
