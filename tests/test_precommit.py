"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit on throwaway repositories.

pre-commit installs ruleops from a throwaway git copy of this checkout, tagged
v<ruleops.__version__> as a release is, into its own virtual environment (the dependencies
come from PyPI), once per test session. Rules repositories pin the hooks with that tag.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ruleops import __version__
from ruleops.formatting import format_text
from tests.git_helpers import commit, copy_checkout, git, make_repo, rule_text

REPO = Path(__file__).resolve().parents[1]
# The tools of the environment running the tests, whatever PATH says (a venv not activated).
BIN = str(Path(sys.executable).parent)
PRE_COMMIT = shutil.which("pre-commit", path=BIN) or shutil.which("pre-commit")

pytestmark = pytest.mark.skipif(
    PRE_COMMIT is None, reason="pre-commit (test dependency) is not installed"
)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """A git copy of this checkout, working tree as it is now, committed and tagged as the
    release of this version; the tag is the `rev` users write."""
    copy = copy_checkout(
        tmp_path_factory.mktemp("ruleops-hooks"),
        *("ruleops", "schemas", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml"),
    )
    git(copy, "init", "-q", "-b", "main")
    commit(copy, "snapshot")
    git(copy, "tag", f"v{__version__}")
    return copy, f"v{__version__}"


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _use_hooks(root: Path, hook_repo: tuple[Path, str], *ids: str) -> None:
    path, rev = hook_repo
    hooks = "".join(f"      - id: {i}\n" for i in ids)
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: file://{path}\n    rev: {rev}\n    hooks:\n{hooks}"
    )


def _run(root: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": os.pathsep.join([BIN, os.environ.get("PATH", "")]),
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    # Hook output goes to stderr under `git commit`: read both streams as one.
    return subprocess.run(
        list(args),
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture
def rules_repo(tmp_path, hook_repo) -> Path:
    root = make_repo(tmp_path / "rules-repo")
    _use_hooks(root, hook_repo, "ruleops-check")
    commit(root, "use the ruleops hooks")
    return root


def test_check_hook_blocks_a_commit_of_a_broken_rule(rules_repo, pre_commit_home):
    _run(rules_repo, pre_commit_home, "pre-commit", "install")
    (rules_repo / "rules" / "broken.toml").write_text('[rule]\nname = "unterminated\n')
    git(rules_repo, "add", "rules/broken.toml")
    done = _run(rules_repo, pre_commit_home, "git", "commit", "-m", "add a broken rule")
    assert done.returncode != 0
    assert "rules/broken.toml:2:" in done.stdout and "RO002" in done.stdout
    assert git(rules_repo, "log", "--oneline").count("\n") == 2


def test_check_hook_lets_a_good_rule_through(rules_repo, pre_commit_home):
    _run(rules_repo, pre_commit_home, "pre-commit", "install")
    (rules_repo / "rules" / "good.toml").write_text(rule_text("Rule good"))
    git(rules_repo, "add", "rules/good.toml")
    done = _run(rules_repo, pre_commit_home, "git", "commit", "-m", "add a rule")
    assert done.returncode == 0, done.stdout
    assert "ruleops check" in done.stdout and "Passed" in done.stdout


def test_check_hook_checks_only_the_staged_files(rules_repo, pre_commit_home):
    (rules_repo / "rules" / "unstaged.toml").write_text('[rule]\nname = "unterminated\n')
    (rules_repo / "rules" / "a.toml").write_text(rule_text("Rule a, staged"))
    git(rules_repo, "add", "rules/a.toml")
    done = _run(rules_repo, pre_commit_home, "pre-commit", "run")
    assert done.returncode == 0, done.stdout


def test_staged_fixture_runs_the_check_on_its_rule(rules_repo, pre_commit_home):
    (rules_repo / "rules" / "b.toml").write_text('[rule]\nname = "broken since"\nrisk_score = \n')
    commit(rules_repo, "break b without the hook")
    fixtures = rules_repo / "tests" / "rules"
    fixtures.mkdir(parents=True)
    (fixtures / "b.toml").write_text('[[case]]\nname = "x"\nexpect = "match"\n')
    git(rules_repo, "add", "tests/rules/b.toml")
    done = _run(rules_repo, pre_commit_home, "pre-commit", "run")
    assert done.returncode == 1
    assert "rules/b.toml:3:" in done.stdout


def test_hooks_in_a_detection_rules_fork_pass_over_toml_files_that_are_not_rules(
    rules_repo, hook_repo, pre_commit_home
):
    _use_hooks(rules_repo, hook_repo, "ruleops-check", "ruleops-fmt")
    etc = rules_repo / "detection_rules" / "etc"
    etc.mkdir(parents=True)
    (etc / "_config.yaml").write_text(
        "rule_dirs: [../../rules]\ndirectories:\n  exception_dir: ../../exceptions\n"
    )
    commit(rules_repo, "a detection-rules layout")
    staged = {
        "hunting/windows/queries/h.toml": '[hunt]\nname = "h"\nquery = ["from logs-*"]\n',
        "exceptions/e.toml": '[metadata]\nlist_name = "x"\n\n[[exceptions]]\nname = "x"\n',
        ".gitleaks.toml": '[[rules]]\nid = "token"\nregex = "tok_[a-z]+"\n',
        "tests/data/dummy_rule.toml": '[rule]\nname = "test data of the fork"\n',
    }
    for name, text in staged.items():
        (rules_repo / name).parent.mkdir(parents=True, exist_ok=True)
        (rules_repo / name).write_text(text)
    git(rules_repo, "add", *staged)
    done = _run(rules_repo, pre_commit_home, "pre-commit", "run")
    assert done.returncode == 0, done.stdout


def test_autoupdate_pins_a_commit_pin_to_the_release_tag(tmp_path, hook_repo, pre_commit_home):
    path, tag = hook_repo
    root = make_repo(tmp_path / "pinned-by-sha")
    _use_hooks(root, (path, git(path, "rev-parse", "HEAD").strip()), "ruleops-check")
    done = _run(root, pre_commit_home, "pre-commit", "autoupdate")
    assert done.returncode == 0, done.stdout
    assert f"rev: {tag}\n" in (root / ".pre-commit-config.yaml").read_text()


def test_project_hook_files_are_valid_for_pre_commit():
    for command, name in (
        ("validate-manifest", ".pre-commit-hooks.yaml"),
        ("validate-config", ".pre-commit-config.yaml"),
    ):
        done = subprocess.run(
            [str(PRE_COMMIT), command, str(REPO / name)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_fmt_hook_reformats_a_staged_rule_and_fails_until_it_is_restaged(
    tmp_path, hook_repo, pre_commit_home
):
    root = make_repo(tmp_path / "fmt-repo")
    _use_hooks(root, hook_repo, "ruleops-fmt")
    commit(root, "use the fmt hook")
    rule = root / "rules" / "a.toml"
    unordered = (
        rule.read_text()
        .replace('maturity = "production"\n', "")
        .replace("[metadata]\n", '[metadata]\nmaturity = "production"\n')
    )
    rule.write_text(unordered)
    git(root, "add", "rules/a.toml")
    first = _run(root, pre_commit_home, "pre-commit", "run")
    assert first.returncode == 1
    assert "files were modified by this hook" in first.stdout
    assert rule.read_text() != unordered
    git(root, "add", "rules/a.toml")
    second = _run(root, pre_commit_home, "pre-commit", "run")
    assert second.returncode == 0, second.stdout


def test_project_pre_commit_config_runs_its_hooks(tmp_path, pre_commit_home):
    """The project's own config runs `ruleops check` and `ruleops fmt` from the checkout."""
    project = make_repo(tmp_path / "project")
    for rule in (project / "rules").glob("*.toml"):
        rule.write_text(format_text(rule.read_text()).text)
    shutil.copy(REPO / ".pre-commit-config.yaml", project / ".pre-commit-config.yaml")
    commit(project, "the project's hooks")
    done = _run(project, pre_commit_home, "pre-commit", "run", "--all-files")
    assert done.returncode == 0, done.stdout
    assert "ruleops check" in done.stdout and "ruleops fmt" in done.stdout
