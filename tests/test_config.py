"""[tool.ruleops] in pyproject.toml: found by walking up, applied to every diagnostic."""

from pathlib import Path

import pytest

from ruleops.config import Config, ConfigError, load_config
from ruleops.diagnostics import Diagnostic, Severity


def _diagnostic(code: str = "RO051") -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, "m", "p", 1, 1)


def test_configuration_is_found_by_walking_up(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nrule_paths = ["detections"]\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    config = load_config(nested)
    assert config.rule_paths == ("detections",)
    assert config.root == tmp_path.resolve()


def test_ignored_codes_are_dropped(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nignore = ["RO051"]\n')
    assert load_config(tmp_path).apply(_diagnostic()) is None


def test_severity_can_be_changed_per_code(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops.severity]\nRO051 = "warning"\n')
    assert load_config(tmp_path).apply(_diagnostic()).severity == Severity.WARNING


def test_unknown_configuration_key_is_an_error(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops]\nrule_path = ["x"]\n')
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(tmp_path)


def test_bad_severity_name_is_an_error(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.ruleops.severity]\nRO051 = "fatal"\n')
    with pytest.raises(ConfigError, match="unknown severity"):
        load_config(tmp_path)


def test_no_pyproject_gives_defaults(tmp_path: Path):
    assert load_config(tmp_path).rule_paths == Config().rule_paths
