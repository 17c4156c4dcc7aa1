"""The single-event conditions of a rule, and the parts of a condition that fixtures exercise.

Shared by the satisfiability, evasion and coverage checks and by fixture generation: each
needs a rule's conditions (one per EQL clause, or the KQL query with its filters), the
exclusions (`not X` operands of the top-level `and`) and the `or` branches a matching event
goes through.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruleops.ecs import load_ecs
from ruleops.eql.ast import EventQuery, Sequence, category_term
from ruleops.loading import Rule
from ruleops.query.ast import NO_SPAN, And, Expr, Literal, Not, Or, Span, conjuncts
from ruleops.query.evaluate import Predicate, compile_condition
from ruleops.query.generate import set_path


@dataclass(frozen=True)
class RuleCondition:
    label: str  # "the query", "clause 2 of the sequence"
    category: str | None  # EQL event category (None for `any` and for KQL)
    condition: Expr
    dialect: str  # "eql" or "kql"
    text: str  # the query text the spans point into
    missing: bool = False  # an EQL `![ … ]` clause
    until: bool = False
    category_field: str = "event.category"  # the rule's event_category_override, if any
    # The rule's field types: ECS (when not given) and the field definitions, and for a
    # KQL rule what it runs with (`kql.rule_types.compile_rule_type`: the integration text
    # fields too).
    field_types: Mapping[str, str] = field(default_factory=lambda: load_ecs().fields, compare=False)

    @property
    def evaluated_with(self) -> Mapping[str, str] | None:
        """The types the fixture runner evaluates this condition with: a KQL rule's; EQL
        runs untyped (an optional field ECS lacks is not null for it)."""
        return self.field_types if self.dialect == "kql" else None

    def compile(self, expr: Expr) -> Predicate:
        """`expr` (a part of this condition) as the runner evaluates it. Raises
        EvaluationError as `compile_condition` does."""
        return compile_condition(expr, dialect=self.dialect, field_types=self.evaluated_with)

    def field_type(self, name: str) -> str | None:
        """The type of field `name` (for a generated value of the right kind)."""
        return self.field_types.get(name)

    @property
    def full(self) -> Expr:
        """The condition with the category as ES runs it (a term on the category field)."""
        if self.category is None:
            return self.condition
        return And((category_term(self.category, self.category_field), self.condition))

    def base(self) -> dict[str, Any]:
        """The part of an event that the category fixes."""
        event: dict[str, Any] = {}
        if self.category is not None:
            set_path(event, tuple(self.category_field.split(".")), self.category)
        return event

    def source(self, node: Expr, limit: int = 80) -> str:
        """The query text of `node`, on one line, shortened; a description for filters."""
        span = getattr(node, "span", NO_SPAN)
        if span == NO_SPAN or span.end > len(self.text):
            return "a condition of the rule's filters"
        text = " ".join(self.text[span.start : span.end].split())
        return text if len(text) <= limit else text[: limit - 1] + "…"


def rule_conditions(rule: Rule, known: Mapping[str, str] | None = None) -> list[RuleCondition]:
    """The conditions of an EQL, KQL or ES|QL rule; [] when the query does not parse (the query
    checks report that) or the rule has no query language ruleops reads. A KQL rule's
    conditions carry the types it runs with: `known` (ECS and the field definitions, as
    `Ecs.fields` gives them; ECS when not given) and the integration text fields."""
    language, query = rule.string("rule.language"), rule.string("rule.query")
    if query is None:
        return []
    if language == "eql":
        conditions = _eql_conditions(query)
        changes: dict[str, Any] = {"category_field": rule.category_field}
        if known is not None:
            changes["field_types"] = known
        return [dataclasses.replace(c, **changes) for c in conditions]
    if language == "kuery":
        return _kql_conditions(rule.rule, query, known)
    if language == "esql":
        return _esql_conditions(query)
    return []


def _esql_conditions(query: str) -> list[RuleCondition]:
    """What an ES|QL rule asks of one source event: its WHERE conditions before the first
    STATS, lowered (`esql.lower`; a conjunct that does not lower is left out, so the
    condition asks no more than the query). Judged with EQL's semantics, which accept every
    event ES|QL's do and more (a multi-valued field compared with `==` is null in ES|QL,
    a match of any value in EQL), so what cannot match under them cannot match in ES|QL."""
    from ruleops.esql.lower import lowered_conditions  # noqa: PLC0415 -- per language
    from ruleops.esql.parser import EsqlSyntaxError, parse_esql  # noqa: PLC0415 -- per language

    try:
        lowered = lowered_conditions(parse_esql(query))
    except EsqlSyntaxError:
        return []
    return [RuleCondition("the query", None, condition, "eql", query) for condition in lowered]


def _eql_conditions(query: str) -> list[RuleCondition]:
    from ruleops.eql.parser import EqlSyntaxError, parse_eql  # noqa: PLC0415 -- per language

    try:
        body = parse_eql(query).body
    except EqlSyntaxError:
        return []
    if isinstance(body, EventQuery):
        return [RuleCondition("the query", body.category, body.condition, "eql", query)]
    kind = "sequence" if isinstance(body, Sequence) else "sample"
    out = [
        RuleCondition(
            f"clause {n} of the {kind}",
            c.query.category,
            c.query.condition,
            "eql",
            query,
            missing=c.missing,
        )
        for n, c in enumerate(body.clauses, start=1)
    ]
    if isinstance(body, Sequence) and body.until is not None:
        until = body.until.query
        out.append(
            RuleCondition(
                "the until clause", until.category, until.condition, "eql", query, until=True
            )
        )
    return out


def _kql_conditions(
    section: dict[str, Any], query: str, known: Mapping[str, str] | None
) -> list[RuleCondition]:
    from ruleops.kql.filters import UnsupportedFilter  # noqa: PLC0415 -- per language
    from ruleops.kql.parser import KqlSyntaxError  # noqa: PLC0415 -- per language
    from ruleops.kql.rule_types import (  # noqa: PLC0415 -- per language
        RuleTypeError,
        compile_rule_type,
    )

    try:
        compiled = compile_rule_type(section, known)
    except (KqlSyntaxError, UnsupportedFilter, RuleTypeError, KeyError, TypeError, ValueError):
        return []
    types = compiled.field_types
    return [RuleCondition("the query", None, compiled.condition, "kql", query, field_types=types)]


# ------------------------------------------------------------------------- structure


@dataclass(frozen=True)
class Exclusion:
    """`not X` under the top-level `and`: `rest` is the condition without it."""

    node: Not
    rest: Expr

    @property
    def excluded(self) -> Expr:
        return self.node.operand


def exclusions(expr: Expr) -> list[Exclusion]:
    parts = conjuncts(expr)
    found = []
    for index, part in enumerate(parts):
        if isinstance(part, Not):
            others = parts[:index] + parts[index + 1 :]
            rest = others[0] if len(others) == 1 else And(tuple(others))
            found.append(Exclusion(part, rest if others else Literal(True)))
    return found


@dataclass(frozen=True)
class Branch:
    """One operand of an `or` that a matching event may go through."""

    node: Expr
    parent: Or
    index: int  # 1-based position in the `or`

    @property
    def span(self) -> Span:
        return getattr(self.node, "span", NO_SPAN)


def branches(expr: Expr) -> list[Branch]:
    """Operands of every `or` reached from the root through `and`/`or` only (an `or` under
    a `not` is part of an exclusion, not a way to match)."""
    found: list[Branch] = []

    def visit(node: Expr) -> None:
        if isinstance(node, And):
            for operand in node.operands:
                visit(operand)
        elif isinstance(node, Or):
            for index, operand in enumerate(node.operands, start=1):
                found.append(Branch(operand, node, index))
                visit(operand)

    visit(expr)
    return found


def walk_conditions(rule: Rule, known: Mapping[str, str] | None = None) -> Iterator[RuleCondition]:
    """The conditions an alert needs to hold (not `![ … ]` clauses, not `until`)."""
    for condition in rule_conditions(rule, known):
        if not condition.missing and not condition.until:
            yield condition
