"""A value of the wrong type at any key is the schema check's finding, never a crash: no
check, fixture run or rule executor raises on it (RO003)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from ruleops.checks import load_all_checks
from ruleops.config import load_config
from ruleops.engine import check_rule
from ruleops.fixtures.load import load_fixture
from ruleops.fixtures.runner import run_fixture
from ruleops.loading import rule_from_text
from tests.wrong_types import dotted, key_paths, variants

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "rules").rglob("*.toml"))
CORPUS = REPO.parent / "shared" / "corpus" / "detection-rules" / "rules"


def _crashes(text: str, path: Path, fixture=None) -> list[str]:
    rule = rule_from_text(text, str(path)).rule
    if rule is None:
        return []  # written back, the document does not parse: RO002, not our concern
    found = check_rule(rule, load_config(REPO))
    if fixture is not None:
        found += run_fixture(fixture, rule).diagnostics
    return [d.message for d in found if d.code == "RO003"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_wrong_type_at_any_key_of_an_example_rule_crashes_nothing(path: Path) -> None:
    """The example rules cover every rule type and language, each with a fixture (its first
    case is enough: what crashed on a wrong type crashed before any case ran)."""
    load_all_checks()
    fixture = load_fixture(REPO / "tests" / "rules" / path.relative_to(REPO / "rules")).fixture
    assert fixture is not None
    fixture = dataclasses.replace(fixture, cases=fixture.cases[:1])
    crashes = [
        (key, value, crash)
        for key, value, text in variants(path.read_text(encoding="utf-8"))
        for crash in _crashes(text, path, fixture)
    ]
    assert crashes == []


def _corpus_shapes() -> dict[str, Path]:
    """For each key path the production rules use, the first rule that has it."""
    shapes: dict[str, Path] = {}
    for path in sorted(CORPUS.rglob("*.toml")):
        for key, _ in key_paths(tomllib.loads(path.read_text(encoding="utf-8"))):
            shapes.setdefault(dotted(key), path)
    return shapes


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared corpus of production rules not present")
def test_a_wrong_type_at_every_key_path_of_the_corpus_crashes_no_check() -> None:
    load_all_checks()
    crashes = []
    for key, path in _corpus_shapes().items():
        for _, value, text in variants(path.read_text(encoding="utf-8"), only=key):
            crashes += [(key, value, crash) for crash in _crashes(text, path)]
    assert crashes == []
