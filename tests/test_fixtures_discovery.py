"""Finding fixtures by convention and pairing them with rules by rule_id."""

from __future__ import annotations

from pathlib import Path

from ruleops.fixtures.discover import fixture_path_for, load_fixtures, pair, rule_path_for
from ruleops.loading import load_rule

RULE_ID = "11111111-1111-4111-8111-111111111111"
QUERY = 'process where process.name : "cmd.exe"'


def fixture_text(rule_id: str = RULE_ID) -> str:
    return f"""
        rule_id = "{rule_id}"

        [[case]]
        name = "cmd starts"
        expect = "match"
        [[case.events]]
        event.category = "process"
        process.name = "cmd.exe"
    """


def pairing(repo, *rule_files: Path):
    config = repo.config()
    rules = [load_rule(p, str(p.relative_to(repo.root))).rule for p in rule_files]
    return pair(rules, load_fixtures(config), config)


def test_fixture_path_mirrors_the_rule_path(rule_repo):
    rule = rule_repo.rule("windows/cmd.toml", QUERY)
    expected = rule_repo.root / "tests" / "rules" / "windows" / "cmd.toml"
    assert fixture_path_for(rule, rule_repo.config()) == expected


def test_rule_path_mirrors_the_fixture_path(rule_repo):
    fixture = rule_repo.fixture("windows/cmd.toml", fixture_text())
    expected = rule_repo.root / "rules" / "windows" / "cmd.toml"
    assert rule_path_for(fixture, rule_repo.config()) == expected


def test_rule_outside_rule_paths_has_no_conventional_fixture(rule_repo, tmp_path):
    assert fixture_path_for(tmp_path / "elsewhere" / "x.toml", rule_repo.config()) is None


def test_rule_pairs_with_the_fixture_at_its_mirrored_path(rule_repo):
    rule = rule_repo.rule("windows/cmd.toml", QUERY)
    rule_repo.fixture("windows/cmd.toml", fixture_text())
    result = pairing(rule_repo, rule)
    assert [(r.path, f.path) for r, f in result.pairs] == [
        ("rules/windows/cmd.toml", "tests/rules/windows/cmd.toml")
    ]
    assert result.diagnostics == []


def test_rule_without_fixture_is_reported_as_info(rule_repo):
    rule = rule_repo.rule("windows/cmd.toml", QUERY)
    (problem,) = pairing(rule_repo, rule).diagnostics
    assert (problem.code, str(problem.severity)) == ("RO502", "info")
    assert problem.path == "rules/windows/cmd.toml"
    assert "tests/rules/windows/cmd.toml" in problem.hint


def test_repository_without_a_fixture_folder_is_not_told_rule_by_rule(rule_repo):
    (rule_repo.root / "tests" / "rules").rmdir()
    rule = rule_repo.rule("windows/cmd.toml", QUERY)
    assert pairing(rule_repo, rule).diagnostics == []


def test_fixture_whose_rule_is_gone_is_reported(rule_repo):
    rule_repo.fixture("windows/deleted.toml", fixture_text("22222222-2222-4222-8222-222222222222"))
    (problem,) = pairing(rule_repo).diagnostics
    assert (problem.code, problem.line) == ("RO503", 1)
    assert problem.path == "tests/rules/windows/deleted.toml"
    assert "22222222-2222-4222-8222-222222222222" in problem.message


def test_fixture_with_a_stale_rule_id_beside_its_rule_is_an_orphan(rule_repo):
    rule = rule_repo.rule("windows/cmd.toml", QUERY)
    rule_repo.fixture("windows/cmd.toml", fixture_text("22222222-2222-4222-8222-222222222222"))
    found = sorted(d.code for d in pairing(rule_repo, rule).diagnostics)
    assert found == ["RO502", "RO503"]


def test_fixture_of_a_rule_outside_the_run_is_not_an_orphan(rule_repo):
    checked = rule_repo.rule("windows/cmd.toml", QUERY)
    rule_repo.rule("linux/sh.toml", QUERY, rule_id="33333333-3333-4333-8333-333333333333")
    rule_repo.fixture("windows/cmd.toml", fixture_text())
    rule_repo.fixture("linux/sh.toml", fixture_text("33333333-3333-4333-8333-333333333333"))
    assert pairing(rule_repo, checked).diagnostics == []


def test_fixture_found_by_rule_id_after_a_move_is_reported_as_misplaced(rule_repo):
    rule = rule_repo.rule("windows/renamed.toml", QUERY)
    rule_repo.fixture("windows/cmd.toml", fixture_text())
    result = pairing(rule_repo, rule)
    assert len(result.pairs) == 1
    (problem,) = result.diagnostics
    assert problem.code == "RO504"
    assert "tests/rules/windows/renamed.toml" in problem.message


def test_two_fixtures_for_one_rule_are_reported(rule_repo):
    rule = rule_repo.rule("windows/cmd.toml", QUERY)
    rule_repo.fixture("windows/cmd.toml", fixture_text())
    rule_repo.fixture("windows/copy.toml", fixture_text())
    result = pairing(rule_repo, rule)
    assert [f.path for _, f in result.pairs] == ["tests/rules/windows/cmd.toml"]
    (problem,) = result.diagnostics
    assert (problem.code, problem.path) == ("RO509", "tests/rules/windows/copy.toml")


def test_rule_outside_rule_paths_does_not_take_a_fixture_with_its_rule_id(rule_repo, tmp_path):
    rule_repo.fixture("windows/cmd.toml", fixture_text())
    other = tmp_path / "corpus" / "cmd.toml"
    other.parent.mkdir()
    other.write_text(rule_repo.rule("windows/cmd.toml", QUERY).read_text())
    result = pairing(rule_repo, other)
    assert result.pairs == []
    assert result.diagnostics == []


def test_invalid_fixture_files_are_reported_when_loading(rule_repo):
    rule_repo.fixture("windows/bad.toml", 'rule_id = "x"\n')
    found = load_fixtures(rule_repo.config())
    assert found.fixtures == []
    (problem,) = found.diagnostics
    assert (problem.code, problem.path) == ("RO500", "tests/rules/windows/bad.toml")
