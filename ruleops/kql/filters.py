"""Kibana filters (`[[rule.filters]]`, `[[rule.threat_filters]]`) → the shared condition form.

A rule's filters are Query DSL clauses saved by Kibana's filter bar, ANDed with the query;
`meta.negate` turns one into `must_not` and `meta.disabled` switches it off. The clauses
rules use are lowered here so that one evaluator runs query and filters together:

    match_phrase / match / term   Match(kind="phrase" / "term")
    terms                         Match with one pattern per value
    wildcard / prefix             Match(kind="regex"): Lucene wildcards, `?` one character,
                                  `\\` escaping, optional case_insensitive
    exists                        Exists
    range                         Compare per bound
    bool                          And / Or / Not of its clauses
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ruleops.query.ast import And, Compare, CompareOp, Exists, Expr, Field, Literal, Match, Not, Or
from ruleops.query.wildcard import regex_literal


class UnsupportedFilter(ValueError):
    """A filter clause ruleops cannot evaluate."""


_RANGE_KEYS: tuple[tuple[str, CompareOp], ...] = (
    ("gt", ">"),
    ("gte", ">="),
    ("lt", "<"),
    ("lte", "<="),
)


def _field(name: Any) -> Field:
    if not isinstance(name, str) or not name:
        raise UnsupportedFilter(f"a filter names its field with a string, not {name!r}")
    return Field(tuple(name.split(".")))


def _table(value: Any, what: str) -> Mapping[str, Any]:
    # A filter of another shape is not Query DSL Elasticsearch would run: not evaluated.
    if not isinstance(value, Mapping):
        raise UnsupportedFilter(f"{what} must be a table, not {value!r}")
    return value


def filters_condition(filters: Sequence[Any] | None) -> Expr | None:
    """The condition of a rule's filter list, or None when it has no active filter."""
    parts: list[Expr] = []
    if filters is not None and not isinstance(filters, list):
        raise UnsupportedFilter(f"filters must be a list of tables, not {type(filters).__name__}")
    for item in filters or ():
        if not isinstance(item, Mapping):
            raise UnsupportedFilter(f"a filter must be a table, not {type(item).__name__}")
        meta: Mapping[str, Any] = item["meta"] if isinstance(item.get("meta"), Mapping) else {}
        if meta.get("disabled") is True:
            continue
        clause = item.get("query")
        if not clause:  # older saved filters keep the clause beside meta: {exists: {...}}
            clause = {k: v for k, v in item.items() if k not in ("meta", "$state", "query")}
        condition = clause_condition(clause)
        parts.append(Not(condition) if meta.get("negate") is True else condition)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def clause_condition(clause: Mapping[str, Any]) -> Expr:
    """One Query DSL clause (`{"match_phrase": {"event.module": "x"}}`) as a condition."""
    if not isinstance(clause, Mapping) or len(clause) != 1:
        raise UnsupportedFilter(f"expected one Query DSL clause, got {clause!r}")
    ((kind, body),) = clause.items()
    if kind == "bool":
        return _bool(_table(body, "bool"))
    if kind == "exists":
        return Exists(_field(_table(body, "exists").get("field")))
    if not isinstance(body, Mapping) or len(body) != 1:
        raise UnsupportedFilter(f"{kind}: expected one field, got {body!r}")
    ((name, spec),) = body.items()
    field = _field(name)
    if kind in ("match_phrase", "match", "term"):
        value = spec.get("query", spec.get("value")) if isinstance(spec, Mapping) else spec
        return Match(field, (_text(value),), kind="phrase" if kind == "match_phrase" else "term")
    if kind == "terms":
        if not isinstance(spec, list):
            raise UnsupportedFilter(f"terms: a list of values, not {spec!r}")
        return Match(field, tuple(_text(v) for v in spec), kind="term")
    if kind in ("wildcard", "prefix"):
        options = spec if isinstance(spec, Mapping) else {"value": spec}
        pattern = str(options.get("value", options.get("wildcard", "")))
        if kind == "prefix":
            pattern = _escape_wildcard(pattern) + "*"
        return Match(
            field,
            (lucene_wildcard_regex(pattern),),
            kind="regex",
            case_insensitive=bool(options.get("case_insensitive", False)),
        )
    if kind == "range":
        spec = _table(spec, "range")
        bounds = [Compare(op, field, Literal(spec[key])) for key, op in _RANGE_KEYS if key in spec]
        if not bounds:
            raise UnsupportedFilter(f"range: no bound (gt, gte, lt, lte) in {dict(spec)!r}")
        return bounds[0] if len(bounds) == 1 else And(tuple(bounds))
    raise UnsupportedFilter(f"ruleops cannot evaluate `{kind}` filters")


def _bool(body: Mapping[str, Any]) -> Expr:
    def clauses(key: str) -> list[Expr]:
        value = body.get(key) or []
        items = value if isinstance(value, list) else [value]
        return [clause_condition(c) for c in items]

    parts = clauses("must") + clauses("filter")
    should = clauses("should")
    if should:
        minimum = body.get("minimum_should_match", 1 if not parts else 0)
        if minimum not in (0, 1, "1"):
            raise UnsupportedFilter("bool filters with minimum_should_match above 1")
        if minimum:
            parts.append(should[0] if len(should) == 1 else Or(tuple(should)))
    parts += [Not(c) for c in clauses("must_not")]
    if not parts:
        return Literal(True)
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _escape_wildcard(text: str) -> str:
    return "".join("\\" + c if c in "*?\\" else c for c in text)


def lucene_wildcard_regex(pattern: str) -> str:
    """A Lucene wildcard (`*`, `?`, `\\` escapes) as an anchored regex in the syntax that
    Lucene and Python share: only `.`, `.*` and backslash-escaped punctuation."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(regex_literal(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "*" else "." if char == "?" else regex_literal(char))
        i += 1
    return "".join(out)
