"""A value of the wrong type at any key is the schema check's finding, never a crash: no
check, fixture run or rule executor raises on it (RO003)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from ruleops.checks import load_all_checks
from ruleops.config import load_config
from ruleops.fixtures.load import load_fixture
from tests.wrong_types import crashes, dotted, key_paths, variants

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "rules").rglob("*.toml"))
CORPUS = REPO.parent / "shared" / "corpus" / "detection-rules" / "rules"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_wrong_type_at_any_key_of_an_example_rule_crashes_nothing(path: Path) -> None:
    """The example rules cover every rule type and language, each with a fixture (its first
    case is enough: what crashed on a wrong type crashed before any case ran)."""
    load_all_checks()
    fixture = load_fixture(REPO / "tests" / "rules" / path.relative_to(REPO / "rules")).fixture
    assert fixture is not None
    fixture = dataclasses.replace(fixture, cases=fixture.cases[:1])
    found = [
        (key, value, crash)
        for key, value, text in variants(path.read_text(encoding="utf-8"))
        for crash in crashes(text, path, load_config(REPO), fixture)
    ]
    assert found == []


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
    found = []
    for key, path in _corpus_shapes().items():
        for _, value, text in variants(path.read_text(encoding="utf-8"), only=key):
            found += [(key, value, c) for c in crashes(text, path, load_config(REPO))]
    assert found == []
