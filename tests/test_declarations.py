"""Codes and the functions that report them are declared together: every code has a
function that says it reports it, and every check reports only the codes it declares."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ruleops import checks
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
