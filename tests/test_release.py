"""Release readiness: one version, a changelog section for it, tags that name it."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import ruleops

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "release_check.py"


def _release_check(tag: str, root: Path) -> list[str]:
    spec = importlib.util.spec_from_file_location("release_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.problems(tag, root)


def _project(root: Path, version: str, changelog: str) -> Path:
    (root / "ruleops").mkdir(parents=True)
    (root / "ruleops" / "__init__.py").write_text(f'"""x"""\n\n__version__ = "{version}"\n')
    (root / "CHANGELOG.md").write_text(f"# Changelog\n\n{changelog}\n\n- a change\n")
    return root


def test_pyproject_takes_the_version_from_the_package():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "ruleops.__version__"}


def test_installed_metadata_has_the_package_version():
    assert importlib.metadata.version("ruleops") == ruleops.__version__


def test_changelog_has_a_section_for_the_current_version():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"(?m)^## {re.escape(ruleops.__version__)} \(", changelog)


@pytest.mark.parametrize("path", ["docs/ci.md", "README.md", ".pre-commit-hooks.yaml"])
def test_documented_hook_pin_is_the_current_version(path):
    pins = re.findall(r"rev: (v[\w.]+\w)", (REPO / path).read_text(encoding="utf-8"))
    assert pins and set(pins) == {f"v{ruleops.__version__}"}


def test_release_check_accepts_the_tag_of_a_dated_section(tmp_path):
    root = _project(tmp_path, "1.2.3", "## 1.2.3 (2026-01-31)")
    assert _release_check("v1.2.3", root) == []


def test_release_check_refuses_an_unreleased_section(tmp_path):
    root = _project(tmp_path, "1.2.3", "## 1.2.3 (unreleased)")
    assert _release_check("v1.2.3", root) == [
        "CHANGELOG.md's section for 1.2.3 says (unreleased), not the release date"
    ]


def test_release_check_refuses_a_tag_that_is_not_the_version(tmp_path):
    root = _project(tmp_path, "1.2.3", "## 1.2.3 (2026-01-31)")
    assert _release_check("v1.2.4", root) == [
        "the tag v1.2.4 is not v1.2.3, the version in ruleops/__init__.py"
    ]


def test_release_check_script_exits_1_and_says_why():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "v0.0.0"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "the tag v0.0.0 is not" in done.stderr
