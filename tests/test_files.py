"""Only regular files are read, never past a limit, and nothing is skipped without a word."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ruleops.config import Config
from ruleops.engine import run_check
from ruleops.files import Unreadable, read_file, toml_files
from tests.time_bound import deadline
from tests.unprivileged import open_to_all, run_unprivileged

EXAMPLES = Path(__file__).resolve().parents[1] / "rules"
RULE = EXAMPLES / "windows" / "persistence_services_registry.toml"


def _check(root: Path, *paths: Path):
    with deadline(20):
        return run_check(list(paths) or [root], Config(root=root), cache=False)


def _load_errors(result) -> dict[str, str]:
    return {Path(d.path).name: d.message for d in result.diagnostics if d.code == "RO001"}


def test_a_named_pipe_is_reported_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    result = _check(tmp_path, tmp_path / "pipe.toml")
    assert "named pipe" in _load_errors(result)["pipe.toml"]


def test_a_device_is_reported_without_reading_it(tmp_path: Path) -> None:
    result = _check(tmp_path, Path("/dev/zero"))
    assert "character device" in _load_errors(result)["zero"]


def test_a_named_pipe_inside_a_folder_is_reported_and_the_other_files_checked(
    tmp_path: Path,
) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "rule.toml").write_bytes(RULE.read_bytes())
    result = _check(tmp_path)
    assert result.files == 2 and len(result.rules) == 1
    assert "named pipe" in _load_errors(result)["pipe.toml"]


def test_a_file_is_never_read_past_the_limit(tmp_path: Path) -> None:
    (tmp_path / "big.toml").write_bytes(b"#" * 101)
    with pytest.raises(Unreadable, match="more than"):
        read_file(tmp_path / "big.toml", 100)


def test_a_broken_link_in_a_checked_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "gone.toml").symlink_to(tmp_path / "nowhere.toml")
    message = _load_errors(_check(tmp_path))["gone.toml"]
    assert "broken symbolic link" in message and "nowhere.toml" in message


def test_a_looping_link_in_a_checked_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "loop.toml").symlink_to(tmp_path / "loop.toml")
    assert "symbolic link loop" in _load_errors(_check(tmp_path))["loop.toml"]


def test_a_link_to_a_folder_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "rule.toml").write_bytes(RULE.read_bytes())
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "linked").symlink_to(tmp_path / "real")
    assert list(toml_files(tmp_path / "rules")) == [tmp_path / "rules" / "linked" / "rule.toml"]


def test_a_folder_linking_back_to_itself_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "rule.toml").write_bytes(RULE.read_bytes())
    (tmp_path / "again").symlink_to(tmp_path)
    with deadline(10):
        assert list(toml_files(tmp_path)) == [tmp_path / "rule.toml"]


def test_a_folder_that_cannot_be_listed_is_reported(shared_folder: Path) -> None:
    rules = shared_folder / "rules"
    (rules / "locked").mkdir(parents=True)
    (rules / "rule.toml").write_bytes(RULE.read_bytes())
    open_to_all(rules, rules / "rule.toml")
    (rules / "locked").chmod(0)
    done = run_unprivileged(["check", "--format", "json", "rules"], shared_folder)
    report = json.loads(done.stdout)
    (found,) = [d for d in report["diagnostics"] if d["code"] == "RO001"]
    assert found["path"] == "rules/locked" and "cannot be listed" in found["message"]
    assert report["files"] == 2
