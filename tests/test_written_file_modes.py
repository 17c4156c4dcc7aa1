"""Files ruleops writes (report files, fixture drafts) get the mode the user's umask gives a
new file: CI uploads a SARIF report from another step, often as another user."""

from __future__ import annotations

import os
import stat

import pytest

from ruleops.cli import main


@pytest.fixture(params=[0o022, 0o002])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_check_report_files_get_the_umask_mode(rule_repo, umask):
    rule_repo.rule("r.toml", 'process where process.nam : "cmd.exe"')
    main(["check", "--no-cache", "--sarif", "r.sarif", "--junit", "r.xml", "--json", "r.json"])
    for name in ("r.sarif", "r.xml", "r.json"):
        assert _mode(rule_repo.root / name) == 0o666 & ~umask, name


def test_test_junit_file_gets_the_umask_mode(rule_repo, umask):
    rule_repo.rule("r.toml", 'process where process.name : "cmd.exe"')
    main(["test", "--junit", "j.xml"])
    assert _mode(rule_repo.root / "j.xml") == 0o666 & ~umask


def test_a_report_written_again_keeps_the_mode_it_was_given(rule_repo, umask):
    rule_repo.rule("r.toml", 'process where process.name : "cmd.exe"')
    report = rule_repo.root / "r.sarif"
    report.write_text("{}")
    report.chmod(0o640)
    main(["check", "--no-cache", "--sarif", "r.sarif"])
    assert _mode(report) == 0o640 and report.read_text() != "{}"
