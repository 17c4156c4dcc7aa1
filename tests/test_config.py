"""[tool.ruleops] in pyproject.toml: found by walking up, applied to every diagnostic."""

import os
from pathlib import Path

import pytest

from ruleops.cli import main
from ruleops.config import Config, ConfigError, load_config
from ruleops.diagnostics import Diagnostic, Severity
from tests.time_bound import deadline


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


def _config_error(tmp_path: Path, text: str) -> str:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    return str(raised.value)


@pytest.mark.parametrize(
    "text",
    ["tool = 5\n", "[tool]\nruleops = 5\n", "[[tool.ruleops]]\n", 'tool = ["ruleops"]\n'],
)
def test_a_tool_section_that_is_not_a_table_is_an_error(tmp_path: Path, text: str):
    assert "must be a table" in _config_error(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "nearest"),
    [
        ('[tool.ruleops]\nignore = ["ro103"]\n', "RO103"),
        ('[tool.ruleops]\nignore = ["RO051", "RO1O3"]\n', "RO103"),
        ('[tool.ruleops.severity]\nro103 = "error"\n', "RO103"),
    ],
)
def test_a_misspelt_code_is_an_error_naming_the_nearest_code(
    tmp_path: Path, text: str, nearest: str
):
    message = _config_error(tmp_path, text)
    assert "unknown code" in message and f"did you mean {nearest}?" in message


@pytest.mark.parametrize(
    "text", ['[tool.ruleops]\nignore = ["RO999"]\n', '[tool.ruleops.severity]\nRO999 = "info"\n']
)
def test_an_unknown_code_is_an_error_naming_no_unrelated_code(tmp_path: Path, text: str):
    message = _config_error(tmp_path, text)
    assert "unknown code 'RO999': ruleops has no code" in message
    assert "did you mean" not in message and "`ruleops rule --list` lists every code" in message


def test_a_configuration_error_names_its_line(tmp_path: Path):
    message = _config_error(tmp_path, '[project]\nname = "x"\n\n[tool.ruleops]\nignore = ["RO9"]\n')
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}:5:")


def test_a_named_pipe_given_as_configuration_is_an_error(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.toml")
    with deadline(10), pytest.raises(ConfigError, match="named pipe"):
        load_config(tmp_path, explicit=tmp_path / "pipe.toml")


@pytest.mark.parametrize(
    "command", [["check"], ["fmt", "--check"], ["test"], ["docs", "--out", "d"]]
)
def test_every_command_reports_a_broken_configuration_and_exits_2(
    tmp_path: Path, monkeypatch, capsys, command: list[str]
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[[tool.ruleops]]\n")
    (tmp_path / "rules").mkdir()
    assert main([*command, "rules"]) == 2
    assert "must be a table" in capsys.readouterr().err
