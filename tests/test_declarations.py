"""Codes and the functions that report them are declared together: every code has a
function that says it reports it, and every check reports only the codes it declares."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ruleops import checks, layout
from ruleops.checks import load_all_checks
from ruleops.checks.house_style import RISK_SCORE, risk_score_matches_severity
from ruleops.diagnostics import EMITTERS, REGISTRY, CheckInfo, emitters_of
from tests.examples import findings, workspace

CODES = sorted(load_all_checks().values(), key=lambda info: info.code)
RUNNABLE = [info for info in CODES if info.example != "prose"]


@pytest.mark.parametrize("info", CODES, ids=lambda info: info.code)
def test_every_code_is_reported_by_a_declared_function(info):
    assert emitters_of(info)


def test_every_check_of_the_pipeline_declares_what_it_reports():
    pipeline = [*checks.RULE_CHECKS, *checks.CORPUS_CHECKS]
    assert [f.__qualname__ for f in pipeline if f not in EMITTERS] == []


def test_declared_codes_are_registered_ones():
    declared = {info.code: info for infos in EMITTERS.values() for info in infos}
    assert all(REGISTRY[code] is info for code, info in declared.items())


def test_each_code_is_spelled_once_in_the_source():
    """A code is written where it is declared and nowhere else: the code's CheckInfo is the
    handle (`grep -rnE '"RO[0-9]{3}"' ruleops` finds the one place)."""
    package = Path(checks.__file__).resolve().parents[1]
    spelled: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'"(RO[0-9]{3})"', text):
            line = text.count("\n", 0, match.start()) + 1
            spelled.setdefault(match[1], []).append(f"{path.relative_to(package)}:{line}")
    assert {code: where for code, where in spelled.items() if len(where) > 1} == {}
    assert sorted(spelled) == sorted(REGISTRY)


def test_detection_rules_switches_name_registered_codes():
    """The codes detection-rules' switches turn off are data (data/detection_rules_tests.json),
    not declarations; each must still be a code ruleops has."""
    named = [
        *(code for codes in layout.known_tests().values() for code in codes),
        *(code for codes in layout.bypasses().values() for code in codes),
        *layout.rule_validation_codes(),
    ]
    assert named and [code for code in named if code not in REGISTRY] == []


@contextmanager
def recording(reported: list[tuple[Callable[..., Any], str]]) -> Iterator[None]:
    """Run the pipeline's checks through wrappers that note which check reported what."""

    def wrap(check: Callable[..., Iterable[Any]]) -> Callable[..., Iterator[Any]]:
        def wrapper(*args: Any) -> Iterator[Any]:
            for diagnostic in check(*args):
                reported.append((check, diagnostic.code))
                yield diagnostic

        wrapper.__name__ = check.__name__
        return wrapper

    saved = (list(checks.RULE_CHECKS), list(checks.CORPUS_CHECKS))
    checks.RULE_CHECKS[:] = [wrap(check) for check in saved[0]]
    checks.CORPUS_CHECKS[:] = [wrap(check) for check in saved[1]]
    try:
        yield
    finally:
        checks.RULE_CHECKS[:], checks.CORPUS_CHECKS[:] = saved


def reports(info: CheckInfo, example: str, root: Path) -> list[tuple[Callable[..., Any], str]]:
    """(check, code) of everything the pipeline's checks report on `info`'s example."""
    reported: list[tuple[Callable[..., Any], str]] = []
    workspace(info, example, root)
    with recording(reported):
        findings(root)
    return reported


def test_recording_notes_the_check_behind_each_finding(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reported = reports(RISK_SCORE, RISK_SCORE.bad, tmp_path)
    assert (risk_score_matches_severity, "RO150") in reported


@pytest.mark.parametrize("info", RUNNABLE, ids=lambda info: info.code)
def test_checks_report_only_the_codes_they_declare(info, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reported = reports(info, info.bad, tmp_path / "bad") + reports(
        info, info.good, tmp_path / "good"
    )
    undeclared = {
        (check.__qualname__, code)
        for check, code in reported
        if code not in {declared.code for declared in EMITTERS[check]}
    }
    assert undeclared == set()
