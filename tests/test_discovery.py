"""Which files are checked as rules: a fork of detection-rules, with its hunting queries,
exceptions, building blocks, `_config.yaml` and `.gitignore`, checks exactly its rules."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruleops.config import ConfigError, load_config
from ruleops.discovery import NOT_RULE_TABLES, discover, is_rule_text
from ruleops.engine import run_check
from tests.git_helpers import git, rule_id_of, rule_text

HUNT = '[hunt]\nauthor = "Elastic"\nname = "Persistence via Cron"\nquery = ["from logs-*"]\n'
EXCEPTION = (
    '[metadata]\ncreation_date = "2024/01/01"\nlist_name = "Trusted"\n\n'
    '[[exceptions]]\ndescription = "a trusted tool"\nname = "Trusted"\n'
)
GITLEAKS = '[[rules]]\nid = "token"\nregex = "tok_[a-z]+"\n\n[allowlist]\npaths = ["tests"]\n'
FORK_CONFIG = """\
bbr_rules_dirs:
  - ../../rules_building_block
rule_dirs:
  - ../../rules
directories:
  exception_dir: ../../exceptions
  action_dir: ../../actions
files:
  packages: packages.yaml
  stack_schema_map: stack-schema-map.yaml
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def fork(tmp_path: Path) -> Path:
    """A fork of detection-rules: its own pyproject.toml (no [tool.ruleops]), the layout
    in detection_rules/etc/_config.yaml, and every kind of TOML file the repository has."""
    write(tmp_path / "pyproject.toml", '[project]\nname = "detection-rules"\n')
    write(tmp_path / "detection_rules" / "etc" / "_config.yaml", FORK_CONFIG)
    write(tmp_path / "rules" / "windows" / "a.toml", rule_text("A"))
    write(tmp_path / "rules" / "_deprecated" / "b.toml", rule_text("B"))
    write(tmp_path / "rules_building_block" / "c.toml", rule_text("C"))
    write(tmp_path / "hunting" / "linux" / "queries" / "cron.toml", HUNT)
    write(tmp_path / "exceptions" / "trusted.toml", EXCEPTION)
    write(tmp_path / "actions" / "notify.toml", EXCEPTION.replace("exceptions", "actions"))
    write(tmp_path / ".gitleaks.toml", GITLEAKS)
    write(tmp_path / "releases" / "8.18" / "rules" / "d.toml", rule_text("D"))
    write(tmp_path / ".gitignore", "releases/\n")
    git(tmp_path, "init", "-q")
    return tmp_path


def checked(root: Path, *paths: str) -> list[str]:
    config = load_config(root)
    found = discover([root / p for p in paths] or [root], config)
    return sorted(p.resolve().relative_to(root.resolve()).as_posix() for p in found)


RULES = ["rules/_deprecated/b.toml", "rules/windows/a.toml", "rules_building_block/c.toml"]


def test_checking_a_fork_checks_exactly_its_rules(fork: Path) -> None:
    assert checked(fork, ".") == RULES


def test_check_without_a_path_checks_the_folders_the_layout_names(fork: Path) -> None:
    config = load_config(fork)
    roots = [Path(p) for p in config.rule_paths]
    assert roots == [(fork / "rules").resolve(), (fork / "rules_building_block").resolve()]


def test_cli_check_without_a_path_checks_the_fork_rules(fork: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruleops", "check", "--no-cache", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=fork,
        check=False,
    )
    assert json.loads(done.stdout)["files"] == 3


def test_a_custom_rules_folder_config_at_the_root_is_read(tmp_path: Path) -> None:
    write(tmp_path / "_config.yaml", "rule_dirs: [rules]\ndirectories:\n  exception_dir: ex\n")
    write(tmp_path / "rules" / "a.toml", rule_text("A"))
    write(tmp_path / "ex" / "a.toml", rule_text("not a rule here"))
    assert checked(tmp_path, ".") == ["rules/a.toml"]


def test_files_git_ignores_are_not_checked(fork: Path) -> None:
    assert "releases/8.18/rules/d.toml" not in checked(fork, ".")


def test_exclude_patterns_leave_files_out(fork: Path) -> None:
    write(fork / "pyproject.toml", '[tool.ruleops]\nexclude = ["_deprecated", "rules/w*/a.toml"]\n')
    assert checked(fork, ".") == ["rules_building_block/c.toml"]


def test_a_file_named_on_the_command_line_is_checked_as_given(fork: Path) -> None:
    assert checked(fork, "hunting/linux/queries/cron.toml") == ["hunting/linux/queries/cron.toml"]


def test_the_walk_of_a_fork_holds_to_the_rule_folders_of_its_layout(fork: Path) -> None:
    # detection-rules' own unit tests keep rule-shaped files in tests/data
    write(fork / "tests" / "data" / "collection_cloudtrail_logging_created.toml", rule_text("T"))
    write(fork / "build_ignored.toml", rule_text("Loose"))
    assert checked(fork, ".") == RULES


def test_a_folder_outside_the_rule_folders_is_walked_when_named(fork: Path) -> None:
    write(fork / "tests" / "data" / "t.toml", rule_text("T"))
    assert checked(fork, "tests/data") == ["tests/data/t.toml"]


NOT_RULES = [
    "hunting/linux/queries/cron.toml",  # not a rule by its tables
    ".gitleaks.toml",
    "exceptions/trusted.toml",  # the layout's exception folder
    "tests/data/t.toml",  # outside the layout's rule folders
    "rules/windows/excluded.toml",  # `exclude`
]


def test_forced_exclusion_holds_named_files_to_the_rules_of_a_walk(fork: Path) -> None:
    write(fork / "pyproject.toml", '[tool.ruleops]\nexclude = ["excluded.toml"]\n')
    write(fork / "tests" / "data" / "t.toml", rule_text("T"))
    write(fork / "rules" / "windows" / "excluded.toml", rule_text("E"))
    named = [fork / p for p in [*NOT_RULES, "rules/windows/a.toml"]]
    skipped: list[tuple[Path, str]] = []
    found = discover(named, load_config(fork), force_exclude=True, skipped=skipped)
    assert [p.relative_to(fork).as_posix() for p in found] == ["rules/windows/a.toml"]
    assert [p.relative_to(fork).as_posix() for p, _ in skipped] == NOT_RULES


def test_a_skipped_named_file_is_said_why(fork: Path) -> None:
    skipped: list[tuple[Path, str]] = []
    named = [fork / "hunting/linux/queries/cron.toml", fork / "exceptions/trusted.toml"]
    list(discover(named, load_config(fork), force_exclude=True, skipped=skipped))
    assert [why for _, why in skipped] == [
        "not a rule file (no [rule] or [metadata] table)",
        "in a folder of files that are not rules (detection_rules/etc/_config.yaml)",
    ]


def test_cli_force_exclude_checks_no_hunting_query_or_exception(fork: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruleops",
            "check",
            "--no-cache",
            "--force-exclude",
            "--format",
            "json",
            *NOT_RULES[:3],
            "rules/windows/a.toml",
        ],
        capture_output=True,
        text=True,
        cwd=fork,
        check=False,
    )
    assert (done.returncode, json.loads(done.stdout)["files"]) == (0, 1), done.stderr


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (rule_text("A"), True),
        ('[metadata]\nmaturity = "production"\n\n[rul]\nname = "typo"\n', True),
        ("rule.name = 'dotted'\n", True),
        (HUNT, False),
        (EXCEPTION, False),
        (GITLEAKS, False),
        ('[project]\nname = "x"\n', False),
        ("", False),
    ],
)
def test_a_file_is_a_rule_by_its_tables(text: str, rule: bool) -> None:
    assert is_rule_text(text) is rule


def test_test_configuration_bypasses_switch_the_same_checks_off(tmp_path: Path) -> None:
    write(tmp_path / "_config.yaml", "rule_dirs: [rules]\ntesting:\n  config: etc/test.yaml\n")
    write(
        tmp_path / "etc" / "test.yaml",
        "unit_tests:\n  bypass:\n  - tests.test_all_rules.TestRuleTags.test_tag_prefix\n"
        "  - pattern:*TestRiskScoreMismatch*\n",
    )
    assert {"RO155", "RO150"} <= load_config(tmp_path).ignore


def test_bypass_switches_of_the_layout_switch_checks_off(tmp_path: Path) -> None:
    write(tmp_path / "_config.yaml", "rule_dirs: [rules]\nbypass_bbr_lookback_validation: true\n")
    assert "RO156" in load_config(tmp_path).ignore


def test_an_unreadable_layout_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path / "_config.yaml", "rule_dirs: [unclosed\n")
    with pytest.raises(ConfigError, match=r"_config\.yaml"):
        load_config(tmp_path)


def _unknown_field_rule(name: str) -> str:
    return rule_text(name).replace("registry.path : ", "registry.pth : ", 1)


@pytest.mark.parametrize(
    ("key", "validated"),
    [("bypass", ["rules/windows/e.toml"]), ("test_only", ["rules/windows/a.toml"])],
)
def test_rule_validation_of_the_test_configuration_spares_rules_the_query_checks(
    fork: Path, key: str, validated: list[str]
) -> None:
    # a.toml is named under rule_validation.<key>; both rules read an unknown ECS field.
    named, other = _unknown_field_rule("Named"), _unknown_field_rule("Other")
    write(fork / "rules" / "windows" / "a.toml", named)
    write(fork / "rules" / "windows" / "e.toml", other)
    write(fork / "detection_rules" / "etc" / "_config.yaml", FORK_CONFIG + TESTING)
    write(
        fork / "detection_rules" / "etc" / "test_config.yaml",
        f'rule_validation:\n  {key}:\n    - "{rule_id_of(named)}"\n',
    )
    assert _unknown_field_files(fork) == validated


def test_an_empty_test_only_list_of_unit_tests_runs_none_of_them(tmp_path: Path) -> None:
    # detection-rules' own example configuration has `test_only:` with every entry commented
    write(tmp_path / "_config.yaml", "rule_dirs: [rules]\ntesting:\n  config: etc/test.yaml\n")
    write(tmp_path / "etc" / "test.yaml", "unit_tests:\n  bypass:\n  test_only:\n")
    assert {"RO155", "RO150", "RO110"} <= load_config(tmp_path).ignore


TESTING = "testing:\n  config: test_config.yaml\n"


def _unknown_field_files(root: Path) -> list[str]:
    config = load_config(root)
    result = run_check([root / "rules"], config, cache=False)
    found = {d.path for d in result.diagnostics if d.code == "RO350"}
    return sorted(Path(p).resolve().relative_to(root.resolve()).as_posix() for p in found)


@pytest.mark.parametrize(("setting", "reported"), [("false", False), ("true", True)])
def test_a_rule_that_turns_query_schema_validation_off_is_spared_the_schema_checks(
    tmp_path: Path, setting: str, reported: bool
) -> None:
    text = _unknown_field_rule("Custom data").replace(
        "[metadata]\n", f"[metadata]\nquery_schema_validation = {setting}\n", 1
    )
    write(tmp_path / "rules" / "a.toml", text)
    assert bool(_unknown_field_files(tmp_path)) is reported


def test_cli_force_exclude_passes_over_a_buffer_named_as_a_hunting_query(fork: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruleops",
            "check",
            "--force-exclude",
            "-",
            "--stdin-filename",
            "hunting/linux/queries/cron.toml",
        ],
        input=HUNT,
        capture_output=True,
        text=True,
        cwd=fork,
        check=False,
    )
    assert done.returncode == 0
    assert "not checked: hunting/linux/queries/cron.toml: not a rule file" in done.stderr


_LINE_START_HEADER = re.compile(r"^[ \t]*\[\[?[ \t]*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')", re.M)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "[rule]",
                "[metadata]",
                "[[rule.threat]]",
                '["rule"]',
                "[exceptions]",
                " [a]",
                "rule.x = 1",
                'q = "[rule]"',
                "\t",
                "\n",
                "\r\n",
                "x",
                '"',
                "'",
                "[",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_table_headers_are_found_where_a_line_starts(text):
    # The tables that say a file is a rule are read at line starts, as `^` in MULTILINE
    # mode reads them; discovery finds them by the newline before them, which is faster.
    names = {n.strip("\"'") for n in _LINE_START_HEADER.findall(text)}
    names |= set(re.findall(r"^[ \t]*(rule|metadata)[ \t]*\.", text, re.M))
    expected = "rule" in names or ("metadata" in names and not names & NOT_RULE_TABLES)
    assert is_rule_text(text) == expected
