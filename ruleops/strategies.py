"""Hypothesis strategies for detection rules: the strings and events nobody writes by hand.

For a rule author's own property tests::

    from hypothesis import given
    from ruleops.strategies import wildcard_matches, wildcard_near_misses

    @given(wildcard_matches(r"?:\\Windows\\*\\svchost.exe", case_insensitive=True))
    def test_my_exclusion_covers_every_svchost(path): ...

Strings are built over an alphabet chosen for detection edge cases: Windows path separators
and drive letters, wildcard characters themselves, and letters whose case pairs are not
ASCII (`É`/`é`, `ẞ`/`ß`, the Kelvin sign) — Elasticsearch folds case for ASCII letters only.
Events come from `ruleops.query.generate`, confirmed by the evaluator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from hypothesis import strategies as st

from ruleops.eql.ast import EventQuery, Query
from ruleops.eql.parser import parse_eql
from ruleops.esql import ast as esql_ast
from ruleops.esql.evaluate import EsqlError
from ruleops.esql.lower import lowered_conditions
from ruleops.esql.parser import parse_esql
from ruleops.esql.pipeline import compile_query
from ruleops.esql.source import default_field_types, event_table
from ruleops.kql.field_types import kql_field_types
from ruleops.kql.parser import parse_kql
from ruleops.kql.rule_types import compile_rule_type
from ruleops.query.generate import category_base, events_for, near_misses
from ruleops.query.wildcard import ANY_RUN, compile_wildcard, tokens

# Characters that break naive matchers: separators, wildcards as data, non-ASCII case pairs.
EDGE_ALPHABET = "aAzZ09\\/:.-_ *?ÉéẞßKkİıΣσς\u212a"


def _literal(char: str, case_insensitive: bool) -> st.SearchStrategy[str]:
    if case_insensitive and char.isascii() and char.isalpha():
        return st.sampled_from((char.lower(), char.upper()))
    return st.just(char)


def wildcard_matches(
    pattern: str, *, case_insensitive: bool = False, alphabet: str = EDGE_ALPHABET
) -> st.SearchStrategy[str]:
    """Strings an EQL wildcard pattern (`*` any run, `?` one character) matches.

    With `case_insensitive`, ASCII letters of the pattern appear in either case.
    """
    parts: list[st.SearchStrategy[str]] = []
    for char in pattern:
        if char == "*":
            parts.append(st.text(alphabet=alphabet, max_size=6))
        elif char == "?":
            parts.append(st.sampled_from(alphabet))
        else:
            parts.append(_literal(char, case_insensitive))
    return st.tuples(*parts).map("".join) if parts else st.just("")


def wildcard_near_misses(
    pattern: str, *, case_insensitive: bool = False, alphabet: str = EDGE_ALPHABET
) -> st.SearchStrategy[str]:
    """Strings one edit away from a match that the pattern does not match.

    The edits: a character added at either end, a character dropped, replaced by its
    neighbour in Unicode, given the other case (which only ASCII letters fold), or a
    non-ASCII letter whose Unicode case folds to an ASCII one (`K` the Kelvin sign, `ſ`,
    `İ`: Elasticsearch does not fold them); a Windows separator turned round (`\\` ↔ `/`)
    or doubled (the classic escaping slip); and a `?` given no character or two (which is
    where `?` and `*` differ, at the edges of a pattern above all).
    Raises ValueError for patterns that match every string (`*`): nothing misses them.
    """
    if set(pattern) <= {"*"}:
        raise ValueError(f"pattern {pattern!r} matches every string; it has no near misses")
    matches = compile_wildcard(pattern, case_insensitive=case_insensitive)
    example = wildcard_matches(pattern, case_insensitive=case_insensitive, alphabet=alphabet)
    edits = st.tuples(example, st.integers(min_value=0, max_value=10**6), st.sampled_from(_EDITS))
    edited = edits.map(lambda drawn: _edit(*drawn))
    options = [edited]
    if "?" in pattern:
        options.append(_question_marks(pattern, case_insensitive, alphabet))
    missed = st.one_of(options).filter(lambda s: s is not None and not matches(s))
    return cast("st.SearchStrategy[str]", missed)


def _edit(text: str, seed: int, kind: str) -> str | None:
    if kind == "append":
        return text + "#"
    if kind == "prepend":
        return "#" + text
    if not text:
        return "#"
    i = seed % len(text)
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "neighbour":
        return text[:i] + chr(ord(text[i]) + 1) + text[i + 1 :]
    if kind == "unicode_fold":
        spots = [k for k, c in enumerate(text) if c.lower() in _UNICODE_FOLDS]
        if not spots:
            return None
        k = spots[seed % len(spots)]
        return text[:k] + _UNICODE_FOLDS[text[k].lower()] + text[k + 1 :]
    if kind in ("separator", "double_separator"):
        spots = [k for k, c in enumerate(text) if c in "\\/"]
        if not spots:
            return None
        k = spots[seed % len(spots)]
        if kind == "double_separator":
            return text[:k] + text[k] + text[k:]
        return text[:k] + ("/" if text[k] == "\\" else "\\") + text[k + 1 :]
    swapped = text[i].swapcase()  # "swapcase"
    return text[:i] + swapped + text[i + 1 :] if len(swapped) == 1 else None


# Non-ASCII letters whose Unicode case folding gives an ASCII letter.
_UNICODE_FOLDS = {"k": "\u212a", "s": "\u017f", "i": "\u0130"}
_EDITS = (
    "append",
    "prepend",
    "drop",
    "neighbour",
    "swapcase",
    "unicode_fold",
    "separator",
    "double_separator",
)


def _question_marks(pattern: str, case_insensitive: bool, alphabet: str):
    """Matches of `pattern` except that one `?` (the first or the last: the edges) gets
    no character or two."""
    marks = [i for i, c in enumerate(pattern) if c == "?"]
    chosen = st.sampled_from(sorted({marks[0], marks[-1]}))

    def build(index: int) -> st.SearchStrategy[str]:
        head, tail = pattern[:index], pattern[index + 1 :]
        replacement = st.sampled_from(("", "ab", "\\\\"))
        return st.tuples(
            wildcard_matches(head, case_insensitive=case_insensitive, alphabet=alphabet),
            replacement,
            wildcard_matches(tail, case_insensitive=case_insensitive, alphabet=alphabet),
        ).map("".join)

    return chosen.flatmap(build)


def kql_value_pattern(value: str) -> str:
    """The wildcard pattern of an unquoted KQL value: `\\x` is a literal x, `*` any run.

    Raises ValueError when the value has a literal `*` or `?` (escaped `\\*`, or any `?`,
    which KQL does not treat as a wildcard), which a wildcard pattern cannot express: use
    `kql_value_matches`, which handles them.
    """
    parts = _kql_parts(value)
    if any(kind == "literal" and text in "*?" for kind, text in parts):
        raise ValueError(f"KQL value {value!r} has a literal * or ?; no wildcard pattern says so")
    return "".join("*" if kind == "star" else text for kind, text in parts)


def _kql_parts(value: str) -> list[tuple[str, str]]:
    """("star", "*") for a wildcard, ("literal", c) for each other character, as the one
    wildcard reader (`wildcard.tokens`) reads a KQL value."""
    parts: list[tuple[str, str]] = []
    for token in tokens(value, escapes=True, question_mark=False):
        if token == ANY_RUN:
            parts.append(("star", "*"))
        else:
            parts.extend(("literal", char) for char in token)
    return parts


def kql_value_matches(value: str, *, alphabet: str = EDGE_ALPHABET) -> st.SearchStrategy[str]:
    """Strings an unquoted KQL value matches on a keyword field (case-sensitively): escaped
    characters (`\\*`, `\\:`, `\\\\`) stand for themselves, a bare `*` for any run."""
    parts = [
        st.text(alphabet=alphabet, max_size=6) if kind == "star" else st.just(text)
        for kind, text in _kql_parts(value)
    ]
    return st.tuples(*parts).map("".join) if parts else st.just("")


def kql_value_near_misses(value: str, *, alphabet: str = EDGE_ALPHABET) -> st.SearchStrategy[str]:
    """Strings one edit from a match of an unquoted KQL value that it does not match; an
    escaped `\\*` is a literal star, so a string with anything else in its place misses."""
    parts = _kql_parts(value)
    if all(kind == "star" for kind, _ in parts):
        raise ValueError(f"KQL value {value!r} matches every string; it has no near misses")
    pattern = "".join(".*" if kind == "star" else re.escape(text) for kind, text in parts)
    fullmatch = re.compile(pattern, re.DOTALL).fullmatch
    example = kql_value_matches(value, alphabet=alphabet)
    edits = st.tuples(example, st.integers(min_value=0, max_value=10**6), st.sampled_from(_EDITS))
    literal_stars = [i for i, (kind, text) in enumerate(parts) if kind == "literal" and text == "*"]
    options = [edits.map(lambda drawn: _edit(*drawn))]
    if literal_stars:
        # the escaped star given another character: the value wanted a literal `*`
        options.append(st.just("".join("x" if t == "*" else t for _, t in parts)))
    missed = st.one_of(options).filter(lambda s: s is not None and fullmatch(s) is None)
    return cast("st.SearchStrategy[str]", missed)


def _dialect(language: str) -> str:
    return "kql" if language in ("kuery", "kql") else "eql"


def _typing(dialect: str) -> dict[str, Any]:
    """How events are generated and confirmed: a KQL query with the types a KQL rule runs
    with (ECS and the integration text fields), as the fixture runner reads it."""
    return {"dialect": dialect, "field_types": kql_field_types() if dialect == "kql" else None}


def _esql_event_filter(text: str):
    """For an ES|QL query: a test `event -> bool`, whether the event gets past the query's
    commands before its first STATS (the source event a rule counts or alerts on)."""
    query = parse_esql(text)
    stats = next((c for c in query.commands if isinstance(c, esql_ast.Stats)), None)
    prefix = text[: stats.span.start].rstrip().rstrip("|") if stats is not None else text
    types = default_field_types()

    def passes(event: Mapping[str, Any]) -> bool:
        table = event_table([event], types, query=parse_esql(prefix))
        try:
            return bool(compile_query(prefix, {"*": table}).run().rows)
        except EsqlError:
            return False

    return passes


def _esql_condition(text: str):
    found = lowered_conditions(parse_esql(text))
    if not found:
        raise ValueError("the ES|QL query has no WHERE condition on source fields to draw from")
    return found[0], {}


def _condition(query: Any, language: str):
    """(condition, base event) of a query given as text or as a parsed EQL/KQL tree."""
    if language == "esql":
        return _esql_condition(query)
    if isinstance(query, str):
        if _dialect(language) == "eql":
            query = parse_eql(query)
        else:
            parse_kql(query)  # a syntax error is raised as such
            return compile_rule_type({"type": "query", "query": query}).condition, {}
    if isinstance(query, Query):
        if not isinstance(query.body, EventQuery):
            raise ValueError(
                "event strategies take single-event queries; sequences are not supported"
            )
        query = query.body
    if isinstance(query, EventQuery):
        return query.condition, category_base(query.category)
    return query, {}


def matching_events(query: Any, *, language: str = "eql") -> st.SearchStrategy[dict[str, Any]]:
    """Events the query matches, one per branch the generator could satisfy. For ES|QL
    (`language="esql"`, the query as text): events its WHERE conditions before any STATS
    keep, confirmed by the ES|QL evaluator."""
    condition, base = _condition(query, language)
    dialect = _dialect(language)
    found = [g.event for g in events_for(condition, base=base, **_typing(dialect))]
    if language == "esql":
        passes = _esql_event_filter(query)
        found = [event for event in found if passes(event)]
    if not found:
        raise ValueError("no matching event could be generated for this query")
    return st.sampled_from(found)


def near_miss_events(query: Any, *, language: str = "eql") -> st.SearchStrategy[dict[str, Any]]:
    """Events that miss the query by exactly one condition of a matching branch."""
    condition, base = _condition(query, language)
    dialect = _dialect(language)
    misses: list[Mapping[str, Any]] = []
    typing = _typing(dialect)
    for generated in events_for(condition, base=base, **typing):
        misses.extend(event for _, event in near_misses(condition, generated, base=base, **typing))
    if language == "esql":
        passes = _esql_event_filter(query)
        misses = [event for event in misses if not passes(event)]
    if not misses:
        raise ValueError("no near-miss event could be generated for this query")
    return st.sampled_from(misses)
