import json
from pathlib import Path

import pytest

from ruleops.changes import GitError, select
from ruleops.cli import main
from ruleops.config import load_config
from tests.git_helpers import commit, git, make_repo, rule_id_of, rule_text


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = make_repo(tmp_path / "repo")
    git(root, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(root)
    return root


def _selected(root: Path, ref: str = "main") -> list[str]:
    selection = select(ref, load_config(root))
    return sorted(p.relative_to(selection.root).as_posix() for p in selection.rules)


def test_committed_modification_is_selected(repo):
    (repo / "rules" / "a.toml").write_text(rule_text("Rule a, reworded"))
    commit(repo, "reword a")
    assert _selected(repo) == ["rules/a.toml"]


def test_staged_unstaged_and_untracked_changes_are_selected(repo):
    (repo / "rules" / "a.toml").write_text(rule_text("Rule a, staged"))
    git(repo, "add", "rules/a.toml")
    (repo / "rules" / "b.toml").write_text(rule_text("Rule b, unstaged"))
    (repo / "rules" / "new.toml").write_text(rule_text("Rule new"))
    assert _selected(repo) == ["rules/a.toml", "rules/b.toml", "rules/new.toml"]


def test_nothing_changed_selects_nothing(repo):
    assert _selected(repo) == []


def test_changes_on_the_base_branch_after_the_fork_are_not_selected(repo):
    git(repo, "checkout", "-q", "main")
    (repo / "rules" / "c.toml").write_text(rule_text("Rule c, changed on main"))
    commit(repo, "main moves on")
    git(repo, "checkout", "-q", "feature")
    (repo / "rules" / "a.toml").write_text(rule_text("Rule a, on the branch"))
    commit(repo, "branch work")
    assert _selected(repo) == ["rules/a.toml"]


def test_renamed_rule_is_selected_under_its_new_name_and_remembers_the_old(repo):
    git(repo, "mv", "rules/a.toml", "rules/renamed.toml")
    commit(repo, "rename")
    selection = select("main", load_config(repo))
    (new,) = selection.rules
    assert new.name == "renamed.toml"
    assert selection.previous[new].name == "a.toml"


def test_deleted_rule_is_not_checked_but_listed(repo):
    git(repo, "rm", "-q", "rules/b.toml")
    commit(repo, "delete")
    selection = select("main", load_config(repo))
    assert selection.rules == ()
    assert [p.name for p in selection.deleted] == ["b.toml"]


def test_changed_fixture_selects_the_rule_at_the_mirrored_path(repo):
    fixtures = repo / "tests" / "rules"
    fixtures.mkdir(parents=True)
    (fixtures / "b.toml").write_text('[[case]]\nname = "x"\nexpect = "match"\n')
    assert _selected(repo) == ["rules/b.toml"]


def test_changed_fixture_selects_the_rule_with_its_rule_id(repo):
    rule_id = rule_id_of((repo / "rules" / "c.toml").read_text())
    fixtures = repo / "tests" / "rules" / "elsewhere"
    fixtures.mkdir(parents=True)
    (fixtures / "cases.toml").write_text(f'rule_id = "{rule_id}"\n')
    assert _selected(repo) == ["rules/c.toml"]


def test_deleted_fixture_still_selects_its_rule(repo):
    rule_id = rule_id_of((repo / "rules" / "a.toml").read_text())
    fixtures = repo / "tests" / "rules"
    fixtures.mkdir(parents=True)
    (fixtures / "other-name.toml").write_text(f'rule_id = "{rule_id}"\n')
    git(repo, "checkout", "-q", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "fixture on main")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "main")
    git(repo, "rm", "-q", "tests/rules/other-name.toml")
    assert _selected(repo) == ["rules/a.toml"]


def test_unknown_ref_is_a_clear_error(repo):
    with pytest.raises(GitError, match="unknown git ref 'nope'"):
        select("nope", load_config(repo))


def test_check_changed_since_reports_only_changed_rules(repo, capsys):
    (repo / "rules" / "a.toml").write_text(rule_text("Rule a, edited"))
    (repo / "rules" / "dup.toml").write_text(
        rule_text("Rule dup").replace('name = "Rule dup"', 'name = "Rule a, edited"')
    )
    assert main(["check", "--changed-since", "main", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == 2
    assert {(d["code"], d["path"]) for d in report["diagnostics"] if d["code"] == "RO051"} == {
        ("RO051", "rules/a.toml"),
        ("RO051", "rules/dup.toml"),
    }


def test_check_changed_since_with_nothing_changed_passes(repo, capsys):
    assert main(["check", "--changed-since", "main"]) == 0
    assert "0 files checked" in capsys.readouterr().out


def test_check_changed_since_an_unknown_ref_exits_2(repo, capsys):
    assert main(["check", "--changed-since", "origin/nope"]) == 2
    assert "unknown git ref" in capsys.readouterr().err


def test_check_changed_since_outside_a_repository_exits_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "rules").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert main(["check", "--changed-since", "main"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_fixture_file_given_as_a_path_checks_the_rule_it_tests(repo, capsys):
    rule_id = rule_id_of((repo / "rules" / "b.toml").read_text())
    fixtures = repo / "tests" / "rules"
    fixtures.mkdir(parents=True)
    (fixtures / "b.toml").write_text(f'rule_id = "{rule_id}"\n')
    main(["check", "--format", "json", "tests/rules/b.toml"])
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == 1
    # Checked as the fixture of rules/b.toml, not as a rule: no rule-schema findings on it.
    assert not [d for d in report["diagnostics"] if d["code"].startswith("RO1")]


def test_changed_rule_that_takes_the_rule_id_of_an_unchanged_rule_is_reported(repo, capsys):
    copy = (repo / "rules" / "a.toml").read_text().replace('name = "Rule a"', 'name = "Copy"')
    (repo / "rules" / "copy.toml").write_text(copy)
    assert main(["check", "--changed-since", "main", "--format", "json"]) == 1
    found = [d for d in json.loads(capsys.readouterr().out)["diagnostics"] if d["code"] == "RO050"]
    (finding,) = found
    assert finding["path"] == "rules/copy.toml"
    assert finding["message"] == (
        f"rule_id {rule_id_of(copy)!r} is also used by rules/a.toml (not checked in this run)"
    )


def test_changed_rule_that_takes_the_name_of_an_unchanged_rule_is_reported(repo, capsys):
    (repo / "rules" / "new.toml").write_text(rule_text("Rule B"))  # names ignore case
    main(["check", "--changed-since", "main", "--format", "json"])
    found = [d for d in json.loads(capsys.readouterr().out)["diagnostics"] if d["code"] == "RO051"]
    assert [d["path"] for d in found] == ["rules/new.toml"]
    assert "rules/b.toml" in found[0]["message"]


def test_single_file_check_compares_its_rule_id_with_the_rest_of_the_repository(repo, capsys):
    copy = (repo / "rules" / "a.toml").read_text().replace('name = "Rule a"', 'name = "Copy"')
    (repo / "rules" / "copy.toml").write_text(copy)
    assert main(["check", "--format", "json", "rules/copy.toml"]) == 1
    found = [d for d in json.loads(capsys.readouterr().out)["diagnostics"] if d["code"] == "RO050"]
    assert [(d["path"], "rules/a.toml" in d["message"]) for d in found] == [
        ("rules/copy.toml", True)
    ]
