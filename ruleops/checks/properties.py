"""Property checks: what no fixture shows, found by proof and by generation.

* Satisfiability (`ruleops.query.satisfiability`), on every EQL and KQL rule: a query that
  can never match, an exclusion that never applies, an exclusion that removes every match.
  Proofs only: "unknown" reports nothing.
* Evasion (declared in `ruleops.fixtures.codes`), on rules with fixtures: a positive case
  stops matching when a value the platform compares case-insensitively (Windows paths,
  process names, registry keys) changes case, because the rule compares it case-sensitively.
* Coverage (declared there too), on rules with fixtures: `or` branches and exclusions no
  case exercises. The corpus figure goes in the summary of `ruleops check`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ruleops.checks import corpus_check, corpus_summary, rule_check
from ruleops.config import Config
from ruleops.diagnostics import CheckInfo, Diagnostic, Severity, register
from ruleops.fixtures.codes import CASE_EVASION, UNCOVERED
from ruleops.fixtures.properties import analyse
from ruleops.loading import Rule
from ruleops.query.ast import And
from ruleops.query.conditions import exclusions, walk_conditions
from ruleops.query.generate import events_for
from ruleops.query.satisfiability import decide

NEVER_MATCHES = register(
    CheckInfo(
        code="RO550",
        name="query.never-matches",
        severity=Severity.ERROR,
        summary="the query can never match: its conditions contradict each other",
        explanation=(
            "ruleops proved that no event satisfies the query (or one clause of a sequence or "
            "sample, which then never completes): every alternative of the condition asks "
            "one field for values it cannot have together — two different exact values of a "
            "single-valued field, wildcard patterns no string matches at once, numeric ranges "
            "that do not overlap, a field both present and absent. Case folding is taken into "
            "account (`:`, `like~`, `in~` fold ASCII letters, as Elasticsearch does). Fields "
            "ECS marks as arrays, and fields ECS does not define, may hold several values, "
            "so two values of such a field are no contradiction. The check only reports "
            "proofs: conditions it cannot model (functions of fields, regular expressions, "
            "very large alternations) are never called contradictory. A rule that can never "
            "match never alerts: usually an `and` meant as `or`, or a typo in a value."
        ),
        example="eql",
        bad='process where process.name : "cmd.exe" and process.name : "powershell.exe"',
        good='process where process.name : ("cmd.exe", "powershell.exe")',
    )
)
DEAD_EXCLUSION = register(
    CheckInfo(
        code="RO551",
        name="query.exclusion-never-applies",
        severity=Severity.WARNING,
        summary="an exclusion (`and not …`) can never apply to an event the rest matches",
        explanation=(
            "For a query `A and not X`, ruleops proved that no event satisfies both A and X: "
            "the exclusion removes nothing. It is either redundant (another condition already "
            "excludes those events) or wrong (a typo, a field that differs from the one A "
            "tests), and then the false positives it was written for still alert. The "
            "message names the field whose conditions contradict."
        ),
        example="eql",
        bad=(
            'process where process.name in ("bash", "sh") and\n'
            '  not (process.name like "python*" and process.command_line like "*pip*")'
        ),
        good=(
            'process where process.name in ("bash", "sh") and\n'
            '  not (process.parent.name like "python*" and process.command_line like "*pip*")'
        ),
    )
)
EXCLUSION_REMOVES_ALL = register(
    CheckInfo(
        code="RO552",
        name="query.exclusion-removes-every-match",
        severity=Severity.ERROR,
        summary="an exclusion removes every event the rest of the query matches",
        explanation=(
            "For a query `A and not X`, A can match (ruleops generated an event that "
            "satisfies it) but every event that satisfies A also satisfies X, so the rule "
            "never alerts. Usually the exclusion is broader than meant (`*` where a path "
            "was meant, a pattern that covers the whole detection)."
        ),
        example="eql",
        bad='process where process.name : "rundll32.exe" and not process.name : "*.exe"',
        good=(
            'process where process.name : "rundll32.exe" and\n'
            '  not process.parent.executable : "C:\\\\Windows\\\\System32\\\\*.exe"'
        ),
    )
)
# ------------------------------------------------------------------------- satisfiability


@rule_check(emits=(NEVER_MATCHES, DEAD_EXCLUSION, EXCLUSION_REMOVES_ALL))
def satisfiability(rule: Rule, config: Config) -> Iterator[Diagnostic]:
    for condition in walk_conditions(rule):
        yield from _condition_findings(rule, condition)


def _condition_findings(rule: Rule, condition) -> Iterator[Diagnostic]:
    whole = decide(
        condition.condition,
        dialect=condition.dialect,
        category=condition.category,
        category_field=condition.category_field,
    )
    if whole.unsatisfiable:
        for exclusion in exclusions(condition.condition):
            if _has_match(exclusion.rest, condition):
                where = rule.position_in("rule.query", exclusion.node.span.start)
                yield rule.diagnostic(
                    EXCLUSION_REMOVES_ALL,
                    f"{condition.label}: the exclusion `{condition.source(exclusion.node)}` "
                    "removes every event the rest of the query matches, so the rule never "
                    "alerts",
                    "rule.query",
                    position=where,
                    hint="narrow the exclusion to the benign events it was written for",
                )
                return
        where = rule.position_in("rule.query", condition.condition.span.start)
        what = "the query" if condition.label == "the query" else condition.label
        tail = "" if what == "the query" else ", so the rule never matches"
        yield rule.diagnostic(
            NEVER_MATCHES,
            f"{what} can never match{tail}: {_why(whole, condition)}",
            "rule.query",
            position=where,
            hint="an `and` meant as `or`, or a mistyped value? Use one condition with both "
            'values (`field : ("a", "b")`) to match either',
        )
        return
    for exclusion in exclusions(condition.condition):
        both = decide(
            _and(exclusion.rest, exclusion.excluded),
            dialect=condition.dialect,
            category=condition.category,
            category_field=condition.category_field,
        )
        if both.unsatisfiable:
            yield rule.diagnostic(
                DEAD_EXCLUSION,
                f"{condition.label}: the exclusion `{condition.source(exclusion.node)}` never "
                f"applies: {_why(both, condition, exclusion=True)}",
                "rule.query",
                position=rule.position_in("rule.query", exclusion.node.span.start),
                hint="remove the exclusion if another condition already covers it, or fix "
                "the field or value it tests",
            )


def _and(a, b):
    return And((a, b))


def _has_match(expr, condition) -> bool:
    found = events_for(expr, dialect=condition.dialect, base=condition.base())
    return next(iter(found), None) is not None


def _why(verdict, condition, *, exclusion: bool = False) -> str:
    first = verdict.contradictions[0]
    parts = " and ".join(
        f"`{'' if atom.want else 'not '}{condition.source(atom.node, 60)}`" for atom in first.atoms
    )
    if exclusion:
        text = f"whenever the rest of the query matches, {first.field} cannot also meet {parts}"
    else:
        text = f"{first.field} cannot meet {parts} at once"
    if verdict.alternatives > 1:
        text += f" (and each of the other {verdict.alternatives - 1} alternatives contradicts "
        text += "itself likewise)"
    return text


# ------------------------------------------------------------------------- fixtures


@corpus_check(emits=(CASE_EVASION, UNCOVERED))
def fixture_properties(rules: list[Rule], config: Config) -> Iterator[Diagnostic]:
    yield from analyse(rules, config).diagnostics


@corpus_summary
def coverage_summary(rules: list[Rule], config: Config) -> dict:
    figures = analyse(rules, config).coverage
    return {"coverage": figures} if figures["rules"] else {}
