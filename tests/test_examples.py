"""Every code's documented examples, run: the failing one is reported with the code, the
passing one is not (`ruleops rule CODE` shows both; `tests/examples.py` builds the files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruleops.checks import load_all_checks
from ruleops.commands.rule import not_inline
from ruleops.diagnostics import CheckInfo
from tests.examples import findings, workspace

CODES = sorted(load_all_checks().values(), key=lambda info: info.code)
RUNNABLE = [info for info in CODES if info.example != "prose"]


def codes_of(info: CheckInfo, example: str, root: Path) -> set[str]:
    workspace(info, example, root)
    return {d.code for d in findings(root)}


@pytest.mark.parametrize("info", RUNNABLE, ids=lambda info: info.code)
def test_failing_example_is_reported_with_its_code(info, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert info.code in codes_of(info, info.bad, tmp_path)


@pytest.mark.parametrize("info", RUNNABLE, ids=lambda info: info.code)
def test_passing_example_is_not_reported_with_its_code(info, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert info.code not in codes_of(info, info.good, tmp_path)


@pytest.mark.parametrize(
    "info",
    [info for info in RUNNABLE if info.code not in not_inline()],
    ids=lambda info: info.code,
)
def test_findings_said_to_be_suppressible_inline_are_on_the_rule_file(info, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    workspace(info, info.bad, tmp_path)
    paths = {d.path for d in findings(tmp_path) if d.code == info.code}
    assert paths and all(path.startswith("rules/") for path in paths)


@pytest.mark.parametrize("info", CODES, ids=lambda info: info.code)
def test_every_code_has_a_failing_and_a_passing_example(info):
    # RO003 is a crash inside ruleops: no rule fails it on purpose.
    assert (info.bad and info.good) or info.code == "RO003"


def test_prose_examples_are_the_ones_no_single_file_can_show():
    prose = {info.code for info in CODES if info.example == "prose"}
    assert prose == {
        "RO001",
        "RO003",
        "RO108",
        "RO502",
        "RO504",
        "RO507",
        "RO509",
        "RO610",
        "RO611",
    }
