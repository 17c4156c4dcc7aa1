"""Checks: small functions from a loaded rule to diagnostics, one module per family.

How to write a check
--------------------
A check is one declared unit: its codes, each declared once, and the function that reports
them. `ruleops/checks/house_style.py` declares RO151 so (trimmed):

    LOOKBACK_GAP = register(CheckInfo(
        code=...,                           # "RO" and three digits, free in its family
        name="style.lookback-gap",          # family.kebab-name, as `ruleops rule` shows it
        severity=Severity.WARNING,          # the default; `[tool.ruleops.severity]` changes it
        summary="`from` looks back less than one `interval`, so events fall between runs",
        explanation="A rule runs every `interval` ...",   # why it matters, what to do
        example="rule",
        bad='interval = "2m"\\nfrom = "now-1m"',            # reported with the code
        good='interval = "1m"\\nfrom = "now-2m"',           # not reported with it
        house_style=True,                   # `house_style = false` switches it off
    ))

    @rule_check(emits=(LOOKBACK_GAP,))
    def lookback_covers_interval(rule: Rule, config: Config) -> Iterator[Diagnostic]:
        ...
        yield rule.diagnostic(LOOKBACK_GAP, message, "rule.from", hint=hint)

The rules that hold this together:

- A code is declared once, as a module constant, in the module that reports it; a family
  reported from several modules gets a `codes.py` leaf (`ruleops/eql/codes.py`,
  `ruleops/fixtures/codes.py`). The code's string appears nowhere else in ruleops (`grep
  -rnE '"RO[0-9]{3}"' ruleops` finds each code once, and a test holds it): everything else
  names the constant, so "find usages" finds every place it is reported. Data files that
  map outside names to codes (`data/detection_rules_tests.json`) are checked to name
  registered codes. `ruleops rule --list` shows the
  families and the numbers taken; codes are never reused for another meaning.
- Findings take the `CheckInfo`, never a code string: `rule.diagnostic(INFO, message,
  key_path, hint=...)` on a rule file's key; `rule.query_diagnostic(QueryFinding(INFO,
  message, span, hint), key_path)` inside a query string (`ruleops.query.finding`; the
  query front ends' syntax errors carry one as `error.finding`); `INFO.diagnostic(message,
  path, line, column)` elsewhere (a configuration file).
- `@rule_check(emits=...)` runs `function(rule, config)` on every rule that loaded;
  `@corpus_check(emits=...)` runs `function(rules, config)` once over all rules of a run
  (cross-file checks). `emits` lists every code the function (or what it calls) reports,
  and nothing else. The few reporters outside checks (loading, suppressions) say so with
  `ruleops.diagnostics.emits`. `tests/test_declarations.py` holds declarations and
  findings together, and `ruleops rule CODE` names the function ("Checked by").
- `bad` and `good` are executable examples, run by `tests/test_examples.py`: `bad` must be
  reported with the code, `good` must not. `example` says what they are:
  - "rule": a rule file (with `[metadata]` and a rule_id), or the keys that differ from a
    complete, passing rule (bare keys are keys of `[rule]`; `[metadata]` and sub-tables
    such as `[[rule.threat]]` as written).
    A `# name.toml` line starts another file (cross-file checks).
  - "eql", "kql", "esql": a query, run as the `query` of a rule in that language.
  - "fixture": a fixture file beside a passing EQL rule (the rule's `rule_id` is implied);
    a first line `# query: <EQL query>` gives the rule that query.
  - "config": `[tool.ruleops]` keys, with the passing rule checked under them.
  - "prose": a description no test can run (several files in a layout, a git history).
- A module under `ruleops/checks/` is put in the pipeline by being listed in
  `ALL_CHECK_MODULES`; its decorators register its functions when it is imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from ruleops import diagnostics
from ruleops.diagnostics import REGISTRY, CheckInfo, Diagnostic

if TYPE_CHECKING:
    from ruleops.config import Config
    from ruleops.loading import Rule

ALL_CHECK_MODULES: tuple[str, ...] = (
    "ruleops.checks.crossfile",
    "ruleops.checks.attack",
    "ruleops.checks.schema",
    "ruleops.checks.empty_values",
    "ruleops.checks.integrations",
    "ruleops.checks.references",
    "ruleops.checks.timing",
    "ruleops.checks.repository_fields",
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


def load_all_checks() -> dict[str, CheckInfo]:
    """Import every module that declares codes, so the registry is complete."""
    for name in ALL_CHECK_MODULES:
        importlib.import_module(name)
    return REGISTRY


RuleCheck = Callable[["Rule", "Config"], Iterable[Diagnostic]]
CorpusCheck = Callable[[list["Rule"], "Config"], Iterable[Diagnostic]]

RULE_CHECKS: list[RuleCheck] = []
CORPUS_CHECKS: list[CorpusCheck] = []
SUMMARIES: list[Callable[[list[Rule], Config], dict[str, object]]] = []

_Rule = TypeVar("_Rule", bound=RuleCheck)
_Corpus = TypeVar("_Corpus", bound=CorpusCheck)


def rule_check(*, emits: tuple[CheckInfo, ...]) -> Callable[[_Rule], _Rule]:
    """Run the function as `function(rule, config)` on every rule that loaded; it reports
    the codes `emits` and no others."""
    declare = diagnostics.emits(*emits)

    def add(function: _Rule) -> _Rule:
        RULE_CHECKS.append(declare(function))
        return function

    return add


def corpus_check(*, emits: tuple[CheckInfo, ...]) -> Callable[[_Corpus], _Corpus]:
    """Run the function as `function(rules, config)` once over all rules of the run
    (cross-file checks); it reports the codes `emits` and no others."""
    declare = diagnostics.emits(*emits)

    def add(function: _Corpus) -> _Corpus:
        CORPUS_CHECKS.append(declare(function))
        return function

    return add


def corpus_summary(
    function: Callable[[list[Rule], Config], dict[str, object]],
) -> Callable[[list[Rule], Config], dict[str, object]]:
    """Run `function(rules, config)` once per run; its keys join the report's summary."""
    SUMMARIES.append(function)
    return function
