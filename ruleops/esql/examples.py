"""Example strings for GROK and DISSECT patterns (a value the pattern extracts columns from)
and for REPLACE's regular expressions (a value it finds a match in).

Fixture generation needs a source value that a rule's GROK or DISSECT accepts, so that the
columns it extracts (and the conditions on them) can hold. An example is built from the
pattern itself: for GROK from its compiled regular expression, walked with Python's own
regex parser (the first alternative of each choice, the fewest repetitions that still give
every extracted column a value), then confirmed by matching; for DISSECT by filling each key.
"""

from __future__ import annotations

import re
from re import _constants as sre_c
from re import _parser as sre_parse
from typing import Any

from ruleops.esql.dissect import DissectError, compile_dissect
from ruleops.esql.grok import GrokError, compile_grok

_CATEGORY_EXAMPLE = {
    sre_c.CATEGORY_DIGIT: "1",
    sre_c.CATEGORY_NOT_DIGIT: "a",
    sre_c.CATEGORY_SPACE: " ",
    sre_c.CATEGORY_NOT_SPACE: "a",
    sre_c.CATEGORY_WORD: "a",
    sre_c.CATEGORY_NOT_WORD: "-",
}
MAX_LENGTH = 400


def grok_example(pattern: str, column: str | None = None, value: str = "") -> str | None:
    """A string the GROK pattern matches with every column it extracts set (`column`, when
    given, to `value`), or None."""
    try:
        grok = compile_grok(pattern)
        parsed = sre_parse.parse(grok.regex.pattern)
    except (GrokError, re.error, RecursionError):
        return None
    fixed: dict[int, str] = {}
    if column is not None:
        names = {c.name: i for i, c in enumerate(grok.columns)}
        fixed = {
            grok.regex.groupindex[group]: value
            for group, index in grok.groups
            if index == names.get(column)
        }
    try:
        text = _build(parsed, depth=0, fixed=fixed)
    except (_NoExample, RecursionError):
        return None
    if len(text) > MAX_LENGTH + len(value):
        return None
    values = grok.match(text)
    if values is None or any(v is None for v in values):
        return None
    if column is not None and values[[c.name for c in grok.columns].index(column)] != value:
        return None
    return text


def regex_example(pattern: str) -> str | None:
    """A string a REPLACE's regular expression (Java syntax, read by Python's `re`) finds a
    match in, or None."""
    try:
        regex = re.compile(pattern)
        text = _build(sre_parse.parse(pattern), depth=0)
    except (re.error, _NoExample, RecursionError, OverflowError):
        return None
    if len(text) > MAX_LENGTH or regex.search(text) is None:
        return None
    return text


def dissect_with(pattern: str, text: str | None, column: str, value: str) -> str | None:
    """`text` (else an example) with the DISSECT key `column` set to `value`, or None."""
    try:
        dissect = compile_dissect(pattern)
    except DissectError:
        return None
    parts = dissect.split(text) if text is not None else None
    if parts is None:
        parts = [f"value{index}" for index in range(len(dissect.keys))]
    first = True
    for index, key in enumerate(dissect.keys):
        if key.name == column:
            parts[index] = value if first else ""
            first = False
    built = dissect.prefix + "".join(p + d for p, d in zip(parts, dissect.delimiters, strict=True))
    found = dissect.match(built)
    if found is None or found[dissect.columns.index(column)] != value:
        return None
    return built


def dissect_example(pattern: str) -> str | None:
    """A string the DISSECT pattern splits with every key set, or None."""
    try:
        dissect = compile_dissect(pattern)
    except DissectError:
        return None
    parts = [dissect.prefix]
    for index, delimiter in enumerate(dissect.delimiters):
        parts.append(f"value{index}")
        parts.append(delimiter)
    text = "".join(parts)
    values = dissect.match(text)
    return text if values is not None else None


class _NoExample(Exception):
    pass


def _build(items: Any, depth: int, fixed: dict[int, str] | None = None) -> str:
    """An example for parsed regex `items`; a group numbered in `fixed` is that text."""
    if depth > 50:
        raise _NoExample
    out: list[str] = []
    for op, argument in items:
        out.append(_item(op, argument, depth, fixed or {}))
    return "".join(out)


def _item(op: Any, argument: Any, depth: int, fixed: dict[int, str]) -> str:
    if op is sre_c.LITERAL:
        return chr(argument)
    if op is sre_c.NOT_LITERAL:
        return "a" if chr(argument) != "a" else "b"
    if op is sre_c.ANY:
        return "a"
    if op is sre_c.IN:
        return _in(argument)
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
        low, _high, inner = argument
        return _build(inner, depth + 1, fixed) * max(low, 1 if _has_group(inner) else low)
    if op is sre_c.SUBPATTERN:
        if argument[0] in fixed:
            return fixed[argument[0]]
        return _build(argument[-1], depth + 1, fixed)
    if op is getattr(sre_c, "ATOMIC_GROUP", None):
        return _build(argument, depth + 1, fixed)
    if op is sre_c.BRANCH:
        return _build(argument[1][0], depth + 1, fixed)
    if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
        return ""
    raise _NoExample


def _has_group(items: Any) -> bool:
    return any(op is sre_c.SUBPATTERN for op, _ in items)


def _in(items: Any) -> str:
    negated = any(op is sre_c.NEGATE for op, _ in items)
    if negated:
        excluded = {chr(a) for op, a in items if op is sre_c.LITERAL}
        return next(c for c in "axz0_" if c not in excluded)
    for op, argument in items:
        if op is sre_c.LITERAL:
            return chr(argument)
        if op is sre_c.RANGE:
            return chr(argument[0])
        if op is sre_c.CATEGORY:
            return _CATEGORY_EXAMPLE.get(argument, "a")
    raise _NoExample
