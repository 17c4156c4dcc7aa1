"""One string that a Lucene regular expression matches, for generated events."""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse

from ruleops.query.wildcard import RegexSyntaxError, lucene_regex_to_python

_CATEGORY_EXAMPLES = {
    sre_constants.CATEGORY_DIGIT: "0",
    sre_constants.CATEGORY_NOT_DIGIT: "a",
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_SPACE: "a",
    sre_constants.CATEGORY_WORD: "a",
    sre_constants.CATEGORY_NOT_WORD: "-",
}


def regex_example(pattern: str) -> str | None:
    """A short string the pattern matches in full, or None for shapes this does not cover.

    Repetitions take their minimum count (at least one for `+`), alternations their first
    branch, classes their first member; the result is checked against the pattern.
    """
    try:
        python = lucene_regex_to_python(pattern)
        parsed = sre_parse.parse(python)
    except (RegexSyntaxError, re.error, ValueError):
        return None
    try:
        text = _render(parsed)
    except _Unsupported:
        return None
    return text if re.fullmatch(python, text, re.DOTALL) else None


class _Unsupported(Exception):
    pass


def _render(items) -> str:
    out = []
    for op, arg in items:
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.ANY:
            out.append("a")
        elif op is sre_constants.IN:
            out.append(_first_member(arg))
        elif op in (
            sre_constants.MAX_REPEAT,
            sre_constants.MIN_REPEAT,
            sre_constants.POSSESSIVE_REPEAT,
        ):
            low, _high, body = arg
            out.append(_render(body) * max(low, 0))
        elif op is sre_constants.SUBPATTERN:
            out.append(_render(arg[-1]))
        elif op is sre_constants.BRANCH:
            out.append(_render(arg[1][0]))
        elif op is sre_constants.AT:
            continue
        else:
            raise _Unsupported(op)
    return "".join(out)


def _first_member(members) -> str:
    negated = any(op is sre_constants.NEGATE for op, _ in members)
    if negated:
        for candidate in " -/#!aZ0_":
            if not any(_member_has(op, arg, candidate) for op, arg in members):
                return candidate
        raise _Unsupported("negated class")
    for op, arg in members:
        if op is sre_constants.LITERAL:
            return chr(arg)
        if op is sre_constants.RANGE:
            return chr(arg[0])
        if op is sre_constants.CATEGORY:
            return _CATEGORY_EXAMPLES.get(arg, "a")
    raise _Unsupported("empty class")


def _member_has(op, arg, char: str) -> bool:
    """Whether one member of a character class takes `char`."""
    if op is sre_constants.LITERAL:
        return chr(arg) == char
    if op is sre_constants.RANGE:
        return arg[0] <= ord(char) <= arg[1]
    if op is sre_constants.CATEGORY:
        pattern = {
            sre_constants.CATEGORY_DIGIT: r"\d",
            sre_constants.CATEGORY_NOT_DIGIT: r"\D",
            sre_constants.CATEGORY_SPACE: r"\s",
            sre_constants.CATEGORY_NOT_SPACE: r"\S",
            sre_constants.CATEGORY_WORD: r"\w",
            sre_constants.CATEGORY_NOT_WORD: r"\W",
        }.get(arg)
        return pattern is not None and re.fullmatch(pattern, char) is not None
    return False
