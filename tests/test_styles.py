"""House style: Elastic's own conventions for Elastic's rules (or all rules, or none), the
general ones for everyone (ruleops.styles)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ruleops.config import Config, ConfigError, load_config
from ruleops.engine import run_check

RULE = """\
[metadata]
creation_date = "2025/03/04"
maturity = "production"
updated_date = "2025/03/04"

[rule]
author = [{author}]
description = "Detects whoami."
index = ["logs-*"]
language = "kuery"
license = "Apache License 2.0"
name = "Whoami"
risk_score = 50
rule_id = "6f0c5a2e-0a43-4b0c-9a53-0b9e8d3c2f11"
severity = "medium"
tags = ["windows"]
type = "query"
query = 'process.name : "whoami.exe"'
"""
ELASTIC_ONLY = {"RO150", "RO155", "RO158"}  # ladder, tag vocabulary, licence


def codes(tmp_path: Path, author: str, style: str) -> set[str]:
    path = tmp_path / "rule.toml"
    path.write_text(RULE.format(author=author), encoding="utf-8")
    result = run_check([path], Config(root=tmp_path, house_style=style), cache=False)
    return {d.code for d in result.diagnostics}


def test_auto_holds_rules_authored_by_elastic_to_elastic_conventions(tmp_path: Path) -> None:
    assert codes(tmp_path, '"Elastic", "ACME"', "auto") >= ELASTIC_ONLY


def test_auto_spares_other_authors_elastic_conventions(tmp_path: Path) -> None:
    assert not ELASTIC_ONLY & codes(tmp_path, '"ACME"', "auto")


def test_elastic_holds_every_rule_to_elastic_conventions(tmp_path: Path) -> None:
    assert codes(tmp_path, '"ACME"', "elastic") >= ELASTIC_ONLY


def test_general_spares_even_elastic_rules_elastic_conventions(tmp_path: Path) -> None:
    assert not ELASTIC_ONLY & codes(tmp_path, '"Elastic"', "general")


def test_general_keeps_the_conventions_that_help_any_author(tmp_path: Path) -> None:
    text = RULE.format(author='"ACME"').replace('tags = ["windows"]', 'tags = ["a", "a"]')
    path = tmp_path / "rule.toml"
    path.write_text(text, encoding="utf-8")
    result = run_check([path], Config(root=tmp_path, house_style="general"), cache=False)
    assert "RO154" in {d.code for d in result.diagnostics}


@pytest.mark.parametrize(
    ("written", "style"),
    [("true", "auto"), ("false", "off"), ('"elastic"', "elastic"), ('"general"', "general")],
)
def test_house_style_setting_is_read(tmp_path: Path, written: str, style: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.ruleops]\nhouse_style = {written}\n")
    config = load_config(tmp_path)
    assert (config.house_style, config.house_style_configured) == (style, True)


def test_unknown_house_style_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nhouse_style = "acme"\n')
    with pytest.raises(ConfigError, match='"auto", "elastic", "general" or false'):
        load_config(tmp_path)


def run_cli(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruleops", "check", "--no-cache", "rules"],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )


def test_first_run_says_how_to_choose_the_house_style(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "rule.toml").write_text(RULE.format(author='"ACME"'))
    (tmp_path / "pyproject.toml").write_text("[tool.ruleops]\n")
    assert 'set house_style = "elastic", "general" or false' in run_cli(tmp_path).stderr


def test_a_chosen_house_style_is_not_explained_again(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "rule.toml").write_text(RULE.format(author='"ACME"'))
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nhouse_style = "general"\n')
    assert "house_style" not in run_cli(tmp_path).stderr
