"""Every worked fixture example of the README passes `ruleops test` (and `check --strict`).

The README shows, for each rule type, the keys of the rule that matter and a whole fixture
file, each block after a `<!-- fixture-example: NAME rule|fixture -->` marker; the rule is
completed here with the keys every rule has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ruleops.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"<!-- fixture-example: (\S+) (rule|fixture) -->\n```toml\n(.*?)```", re.S)
_COMMON = """\
[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["Tester"]
description = "A worked example of the README."
from = "now-9m"
license = "Elastic License v2"
name = "Example {name}"
risk_score = 21
rule_id = "{rule_id}"
severity = "low"
"""


def _examples() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for name, kind, text in _BLOCK.findall(README.read_text(encoding="utf-8")):
        found.setdefault(name, {})[kind] = text
    return found


def test_the_readme_has_an_example_for_every_rule_type():
    assert set(_examples()) >= {"sequence", "threshold", "new_terms", "threat_match", "esql"}


@pytest.mark.parametrize("name", sorted(_examples()))
def test_a_readme_fixture_example_passes(rule_repo, capsys, name):
    example = _examples()[name]
    rule_id = re.search(r'^rule_id = "([^"]+)"', example["fixture"], re.M)[1]
    rule = rule_repo.root / "rules" / f"{name}.toml"
    rule.parent.mkdir(parents=True, exist_ok=True)
    rule.write_text(_COMMON.format(name=name, rule_id=rule_id) + example["rule"])
    rule_repo.fixture(f"{name}.toml", example["fixture"])
    assert main(["test"]) == 0, capsys.readouterr().out
    assert main(["check", "--strict", "--no-cache"]) == 0, capsys.readouterr().out
