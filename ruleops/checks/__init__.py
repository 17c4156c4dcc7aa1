"""Checks: small functions from a loaded rule to diagnostics, one module per family.

A module declares its codes with `ruleops.diagnostics.register` and its checks with the
decorators below. Listing a module in ALL_CHECK_MODULES is what puts it in the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.diagnostics import Diagnostic
    from ruleops.loading import Rule

ALL_CHECK_MODULES: tuple[str, ...] = (
    "ruleops.checks.crossfile",
    "ruleops.checks.attack",
    "ruleops.checks.schema",
    "ruleops.checks.house_style",
    "ruleops.checks.eql",
    "ruleops.checks.fields",
    "ruleops.checks.kql",
    "ruleops.checks.esql",
    "ruleops.checks.fixtures",
    "ruleops.checks.properties",
    "ruleops.suppressions",
    "ruleops.versioning",
)

RULE_CHECKS: list[Callable[..., Iterable[Diagnostic]]] = []
CORPUS_CHECKS: list[Callable[..., Iterable[Diagnostic]]] = []
SUMMARIES: list[Callable[..., dict]] = []


def rule_check(function: Callable[[Rule, Config], Iterable[Diagnostic]]):
    """Run `function(rule, config)` on every rule that loaded."""
    RULE_CHECKS.append(function)
    return function


def corpus_check(function: Callable[[list[Rule], Config], Iterable[Diagnostic]]):
    """Run `function(rules, config)` once over all rules of the run (cross-file checks)."""
    CORPUS_CHECKS.append(function)
    return function


def corpus_summary(function: Callable[[list[Rule], Config], dict]):
    """Run `function(rules, config)` once per run; its keys join the report's summary."""
    SUMMARIES.append(function)
    return function
