"""Shared test helpers. Keep this small: most helpers belong in the test module using them."""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path

import pytest

from ruleops.config import load_config

pytest_plugins = ("tests.unprivileged",)  # its fixture shared_folder


def pytest_configure(config: pytest.Config) -> None:
    # Every test run gets its own cache folder: the user's check and grammar caches are
    # neither read (a stale cache must not decide a test) nor filled with test projects.
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ruleops-test-cache-")


_RULE = """\
[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["Tester"]
description = "A rule made up for a test."
from = "now-9m"
index = ["logs-*"]
language = "{language}"
license = "Elastic License v2"
name = "{name}"
risk_score = 21
rule_id = "{rule_id}"
severity = "low"
type = "{type}"
{extra}
query = '''
{query}
'''
"""


class RuleRepo:
    """A rule repository in a temporary folder: pyproject.toml, rules/, tests/rules/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "pyproject.toml").write_text(
            '[tool.ruleops]\nrule_paths = ["rules"]\nfixture_paths = ["tests/rules"]\n',
            encoding="utf-8",
        )
        (root / "tests" / "rules").mkdir(parents=True)

    def rule(
        self,
        relative: str,
        query: str,
        *,
        rule_id: str = "11111111-1111-4111-8111-111111111111",
        name: str = "Test Rule",
        type: str = "eql",
        language: str = "eql",
        extra: str = "",
    ) -> Path:
        path = self.root / "rules" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            _RULE.format(
                query=textwrap.dedent(query).strip(),
                rule_id=rule_id,
                name=name,
                type=type,
                language=language,
                extra=extra,
            ),
            encoding="utf-8",
        )
        return path

    def fixture(self, relative: str, text: str) -> Path:
        path = self.root / "tests" / "rules" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    def config(self):
        return load_config(start=self.root)


@pytest.fixture
def rule_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RuleRepo:
    """An empty rule repository; the current folder is its root."""
    monkeypatch.chdir(tmp_path)
    return RuleRepo(tmp_path)
