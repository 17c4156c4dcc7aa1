"""Fixtures in `ruleops check`: the fixture of each checked rule is loaded, paired and run.

Failing cases become CASE_FAILED errors on the case's line in the fixture file; the other
fixture findings are reported with them. The codes are declared in `ruleops.fixtures.codes`;
this module only puts the fixtures into the check pipeline.
"""

from __future__ import annotations

from collections.abc import Iterator

from ruleops.checks import corpus_check
from ruleops.config import Config
from ruleops.diagnostics import Diagnostic
from ruleops.fixtures.codes import (
    CASE_FAILED,
    DUPLICATE_CASE,
    DUPLICATE_FIXTURE,
    ECS_TYPE,
    ECS_VALUE,
    INVALID,
    MISPLACED,
    MISSING,
    NOT_RUN,
    ORPHAN,
    UNREAD_FIELD,
)
from ruleops.fixtures.suite import run_for_rules
from ruleops.loading import Rule


@corpus_check(
    emits=(
        INVALID,
        CASE_FAILED,
        MISSING,
        ORPHAN,
        MISPLACED,
        ECS_TYPE,
        UNREAD_FIELD,
        NOT_RUN,
        DUPLICATE_CASE,
        DUPLICATE_FIXTURE,
        ECS_VALUE,
    )
)
def fixture_cases(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
    yield from run_for_rules(rules, config).diagnostics
