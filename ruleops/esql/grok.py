"""GROK patterns: `%{NAME:column:type}` expanded from our pattern library and compiled once.

The library is `ruleops/data/grok_patterns.txt` (data, not code). A pattern compiles into a
Python regular expression whose capture groups stand for the pattern's columns, in the
order they first appear: `%{WORD:a}` and `(?<a>…)` capture a keyword column; a `:int` or
`:long` suffix makes it an integer or long, `:float` or `:double` a double, `:boolean` a
boolean. A name captured twice gives a multi-value (`%{WORD:b} %{WORD:b}` → `[foo, bar]`).
Matching is a search (unanchored unless the pattern anchors itself), as Elasticsearch's
Grok runs Joni's `search`; a value that does not match gives nulls.

Work is bounded: Joni is a backtracking engine and so is Python's, so a pattern such as
`(a+)+$` can take exponential time on a near miss; matching runs through
`ruleops.esql.bounded_regex`, and the evaluator reports a GROK that runs out of time instead
of hanging the commit hook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from ruleops.esql import bounded_regex

_REFERENCE = re.compile(r"%\{(\w+)(?::([\w.@\[\]-]+))?(?::(\w+))?\}")
_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z_][\w.@-]*)>")
_TYPES = {
    "int": "integer",
    "integer": "integer",
    "long": "long",
    "float": "double",
    "double": "double",
    "boolean": "boolean",
}
_MAX_DEPTH = 32
# `(?P` not escaped by a backslash (an even run of backslashes before it escapes nothing).
_PYTHON_GROUP = re.compile(r"(?<!\\)(?:\\\\)*\(\?P")


class GrokError(ValueError):
    """A pattern that cannot compile: an unknown `%{NAME}`, a bad regular expression."""


@cache
def library() -> dict[str, str]:
    """The named patterns of `ruleops/data/grok_patterns.txt`."""
    text = resources.files("ruleops.data").joinpath("grok_patterns.txt").read_text("utf-8")
    patterns: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, body = line.partition(" ")
        patterns[name] = body
    return patterns


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # ES|QL type: keyword, integer, long, double, boolean


@dataclass(frozen=True)
class Grok:
    """A compiled pattern: its regular expression and, per capture group, its column."""

    pattern: str
    regex: re.Pattern
    groups: tuple[tuple[str, int], ...]  # (regex group name, column index)
    columns: tuple[Column, ...]
    captures: tuple[tuple[str, str], ...] = ()  # (column, the reference that captures it)

    def match(self, text: str) -> list[Any] | None:
        """The columns' values for `text` (None per column not captured), or None when the
        pattern does not match."""
        state = bounded_regex.STATE
        state.calls += 1
        state.running = self.regex
        try:
            found = self.regex.search(text)
        finally:
            state.running = None
        if found is None:
            return None
        values: list[list[Any]] = [[] for _ in self.columns]
        for group, index in self.groups:
            captured = found.group(group)
            if captured is None:
                continue
            converted = _convert(captured, self.columns[index].type)
            if converted is not None:
                values[index].append(converted)
        return [None if not v else v[0] if len(v) == 1 else tuple(v) for v in values]


def _convert(text: str, kind: str) -> Any:
    if kind == "keyword":
        return text
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind == "double":
            return float(text)
    except ValueError:
        return None
    if kind == "boolean":
        return text.lower() == "true"
    return text


@lru_cache(maxsize=512)
def compile_grok(pattern: str) -> Grok:
    """Compile a GROK pattern; GrokError says what is wrong with it."""
    columns: list[Column] = []
    index_of: dict[str, int] = {}
    groups: list[tuple[str, int]] = []
    captures: dict[str, str] = {}

    def column(name: str, kind: str, capture: str) -> str:
        # Elasticsearch names each capture group by its reference (`NUMBER:foo:int`, or the
        # name of a `(?<foo>…)` group) and refuses a column captured by two different ones
        # (EsqlParser's validateGrokPattern, StatementParserTests.testGrokPattern); the
        # same reference twice is one column of several values.
        if captures.setdefault(name, capture) != capture:
            raise GrokError(
                f"the attribute [{name}] is defined multiple times with different types"
            )
        if name not in index_of:
            index_of[name] = len(columns)
            columns.append(Column(name, kind))
        group = f"g{len(groups)}"
        groups.append((group, index_of[name]))
        return group

    def expand(text: str, depth: int, top: bool) -> str:
        if depth > _MAX_DEPTH:
            raise GrokError("the pattern refers to itself")
        out: list[str] = []
        position = 0
        for found in _REFERENCE.finditer(text):
            out.append(_own_groups(text[position : found.start()], top))
            name, field, kind = found.groups()
            body = library().get(name)
            if body is None:
                raise GrokError(f"Unable to find pattern [{name}] in Grok's pattern dictionary")
            inner = expand(body, depth + 1, False)
            if field and top:
                type_name = _TYPES.get(kind or "", "keyword")
                capture = found.group(0)[2:-1]
                out.append(f"(?P<{column(field, type_name, capture)}>{inner})")
            else:
                out.append(f"(?:{inner})")
            position = found.end()
        out.append(_own_groups(text[position:], top))
        return "".join(out)

    def _own_groups(text: str, top: bool) -> str:
        # `(?<name>…)` written in the pattern captures a column; inside library patterns
        # a named group is only grouping.
        if not top:
            return _NAMED_GROUP.sub("(?:", text)
        return _NAMED_GROUP.sub(lambda m: f"(?P<{column(m.group(1), 'keyword', m.group(1))}>", text)

    if _PYTHON_GROUP.search(pattern):
        # Joni (Elasticsearch's regex engine) names a group `(?<name>…)` and has no `(?P…)`
        # (StatementParserTests.testGrokPattern: "[undefined group option]").
        raise GrokError("[undefined group option]: `(?P` is Python's syntax; write (?<name>…)")
    expanded = expand(pattern, 0, True)
    try:
        regex = re.compile(expanded)
    except re.error as error:
        raise GrokError(f"invalid regular expression in the pattern: {error.msg}") from None
    return Grok(pattern, regex, tuple(groups), tuple(columns), tuple(captures.items()))


def compile_groks(patterns: tuple[str, ...]) -> list[Grok]:
    """The patterns of one GROK command, tried in order: Elasticsearch joins them into one
    pattern, so a column captured by different references across them is refused as within
    one (EsqlParser validateGrokPattern, "Invalid GROK patterns")."""
    groks = [compile_grok(pattern) for pattern in patterns]
    seen: dict[str, str] = {}
    for grok in groks:
        for name, capture in grok.captures:
            if seen.setdefault(name, capture) != capture:
                raise GrokError(
                    f"the attribute [{name}] is defined multiple times with different types"
                )
    return groks
