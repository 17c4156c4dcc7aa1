"""Shared inputs for the reporter tests: a small rule tree with real findings."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "rules" / "windows" / "persistence_services_registry.toml"


def rules_with_findings(root: Path) -> Path:
    """A project whose rules hold a duplicate rule_id (an error) and a TOML syntax error."""
    (root / "pyproject.toml").write_text('[tool.ruleops]\nrule_paths = ["rules"]\n')
    rules = root / "rules"
    rules.mkdir()
    shutil.copy(EXAMPLE, rules / "a.toml")
    copy = EXAMPLE.read_text(encoding="utf-8").replace('name = "', 'name = "Copy of ', 1)
    (rules / "b.toml").write_text(copy, encoding="utf-8")
    (rules / "broken.toml").write_text('[rule]\nname = "unterminated\n', encoding="utf-8")
    return rules
