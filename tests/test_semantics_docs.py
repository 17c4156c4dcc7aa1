"""The semantics documents name the tests that pin each rule: those tests exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"`(?:(test_[a-z_]+\.py))?::(test_[a-z0-9_]+)`")


@pytest.mark.parametrize("document", ["ruleops/eql/semantics.md", "ruleops/kql/semantics.md"])
def test_every_pinning_test_a_semantics_document_names_exists(document):
    current = None
    missing = []
    for file, name in REFERENCE.findall((ROOT / document).read_text(encoding="utf-8")):
        current = file or current
        assert current is not None, f"{name} names no test file before it"
        if f"def {name}(" not in (ROOT / "tests" / current).read_text(encoding="utf-8"):
            missing.append(f"{current}::{name}")
    assert missing == []
