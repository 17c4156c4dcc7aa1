"""Throwaway git repositories of rules, for the tests of git-aware features."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
EXAMPLE = CHECKOUT / "rules" / "windows" / "persistence_services_registry.toml"
_SKIP = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc", ".git", "build", "dist")
_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **_ENV}
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def rule_text(name: str) -> str:
    """The example rule with its own name and rule_id, so rules never collide."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name = ".*"$', f'name = "{name}"', text, count=1)
    return re.sub(r'(?m)^rule_id = ".*"$', f'rule_id = "{uuid.uuid4()}"', text, count=1)


def rule_id_of(text: str) -> str:
    return re.search(r'(?m)^rule_id = "(.*)"$', text).group(1)


def make_repo(root: Path, names: tuple[str, ...] = ("a", "b", "c")) -> Path:
    """A git repository on branch main with rules/<name>.toml and one commit."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    (root / "pyproject.toml").write_text(
        '[tool.ruleops]\nrule_paths = ["rules"]\nfixture_paths = ["tests/rules"]\n'
    )
    (root / "rules").mkdir()
    for name in names:
        (root / "rules" / f"{name}.toml").write_text(rule_text(f"Rule {name}"), encoding="utf-8")
    commit(root, "initial rules")
    return root


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def copy_checkout(dest: Path, *names: str) -> Path:
    """The named files and folders of this checkout, copied to `dest` as they are now (what
    a clone of a commit of the working tree would hold)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        if (CHECKOUT / name).is_dir():
            shutil.copytree(CHECKOUT / name, dest / name, ignore=_SKIP)
        else:
            shutil.copy(CHECKOUT / name, dest / name)
    return dest
