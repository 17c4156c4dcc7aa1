"""EQL's query structure on top of the shared condition form.

An event query is a category and a condition; sequences and samples group event queries
over time and join keys; pipes trim the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as TypingLiteral

from ruleops.query.ast import NO_SPAN, Compare, Expr, Field, Literal, Span


@dataclass(frozen=True)
class EventQuery:
    """`category where condition`. `category` is None for `any`."""

    category: str | None
    condition: Expr
    span: Span = NO_SPAN


def category_term(category: str, category_field: str = "event.category") -> Compare:
    """The condition an event query's category stands for: Elasticsearch runs it as a term
    query on the category field (a multi-valued field matches when any value does)."""
    return Compare("==", Field(tuple(category_field.split("."))), Literal(category))


@dataclass(frozen=True)
class Clause:
    """One bracketed query of a sequence or sample, with its own join keys."""

    query: EventQuery
    keys: tuple[Field, ...] = ()
    runs: int = 1  # `with runs=N`
    missing: bool = False  # `![ … ]`: an event that must not occur
    span: Span = NO_SPAN
    runs_span: Span = NO_SPAN  # where `with runs=N` is written (NO_SPAN when absent)


@dataclass(frozen=True)
class Sequence:
    clauses: tuple[Clause, ...]
    keys: tuple[Field, ...] = ()  # `sequence by …`, shared by every clause
    maxspan_ms: int | None = None
    maxspan_text: str | None = None  # as written, e.g. "5m", for messages
    until: Clause | None = None
    span: Span = NO_SPAN
    maxspan_span: Span = NO_SPAN  # where `with maxspan=…` is written (NO_SPAN when absent)


@dataclass(frozen=True)
class Sample:
    clauses: tuple[Clause, ...]
    keys: tuple[Field, ...] = ()
    span: Span = NO_SPAN


PipeKind = TypingLiteral["head", "tail"]


@dataclass(frozen=True)
class Pipe:
    kind: PipeKind
    count: int
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Query:
    body: EventQuery | Sequence | Sample
    pipes: tuple[Pipe, ...] = ()
    span: Span = NO_SPAN
