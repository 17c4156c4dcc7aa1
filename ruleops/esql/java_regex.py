"""java.util.regex.Pattern syntax (REPLACE's patterns) as Python `re` syntax.

Python's `re` reads most Java patterns alike; where the two differ this module rewrites the
pattern (facts from the java.util.regex.Pattern documentation, "Summary of regular-expression
constructs"):

* named groups `(?<name>…)` and back-references `\\k<name>` (Python: `(?P<name>…)`,
  `(?P=name)`); Python's own `(?P…)` forms are no Java syntax, so they fail as Java fails;
* quoting `\\Q…\\E` (everything between taken literally);
* `\\h` / `\\H` (horizontal whitespace), and the POSIX classes `\\p{Alpha}`, `\\p{Digit}`,
  `\\p{Alnum}`, `\\p{Upper}`, `\\p{Lower}`, `\\p{Punct}`, `\\p{Space}`, `\\p{XDigit}`,
  `\\p{Blank}`, `\\p{Cntrl}`, `\\p{ASCII}` (US-ASCII only, as Java's default) and their
  `\\P{…}` complements;
* `\\z` (end of input; Python's `\\Z`) and `\\Z` (end of input but for a final line
  terminator).

A construct with no Python equivalent (class intersection `&&`, a class inside a class,
other `\\p{…}` properties)
raises `Untranslatable`: the caller reports the query as one ruleops does not evaluate
rather than guessing.
"""

from __future__ import annotations

import re


class Untranslatable(ValueError):
    """A Java construct Python's `re` cannot express."""


class JavaSyntaxError(ValueError):
    """A pattern java.util.regex.Pattern refuses; `index` as PatternSyntaxException gives."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message, self.index = message, index


_HORIZONTAL = " \\t\\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000"
_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
_PROPERTY = re.compile(r"\\([pP])\{(\w+)\}|\\([pP])([A-Za-z])")


def to_python(pattern: str) -> str:
    """`pattern` (Java syntax) in Python `re` syntax. Raises JavaSyntaxError or
    Untranslatable."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = 0
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            step, text = _escape(pattern, i, in_class > 0)
            out.append(text)
            i += step
            continue
        if char == "[":
            if in_class:
                raise Untranslatable("a class inside a class (a union)")
            in_class += 1
        elif char == "]" and in_class:
            in_class -= 1
        elif char == "&" and in_class and pattern.startswith("&&", i):
            raise Untranslatable("class intersection `&&`")
        elif char == "(" and not in_class and pattern.startswith("(?", i):
            if pattern.startswith("(?P", i):
                raise JavaSyntaxError("Unknown inline modifier", i + 2)
            named = re.match(r"\(\?<([A-Za-z][A-Za-z0-9]*)>", pattern[i:])
            if named:
                out.append(f"(?P<{named.group(1)}>")
                i += named.end()
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _escape(pattern: str, i: int, in_class: bool) -> tuple[int, str]:
    """(characters read, Python text) for the escape at `i`."""
    letter = pattern[i + 1]
    if letter == "Q":
        end = pattern.find("\\E", i + 2)
        literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
        read = len(pattern) - i if end < 0 else end + 2 - i
        return read, re.escape(literal)
    if letter == "k":
        named = re.match(r"\\k<([A-Za-z][A-Za-z0-9]*)>", pattern[i:])
        if named is None:
            raise JavaSyntaxError("\\k is not followed by '<' for named capturing group", i + 2)
        return named.end(), f"(?P={named.group(1)})"
    if letter in "hH":
        return 2, _class(_HORIZONTAL, negated=letter == "H", in_class=in_class)
    if letter in "pP":
        found = _PROPERTY.match(pattern, i)
        if found is None:
            raise JavaSyntaxError("Unknown character property name {}", i + 2)
        name = found.group(2) or found.group(4)
        negated = (found.group(1) or found.group(3)) == "P"
        posix = _POSIX.get(name)
        if posix is None:
            raise Untranslatable(f"the character property \\p{{{name}}}")
        return found.end() - i, _class(posix, negated=negated, in_class=in_class)
    if letter == "z":
        return 2, "\\Z"
    if letter == "Z":
        return 2, "(?=\\n?\\Z)"
    return 2, pattern[i : i + 2]


def _class(body: str, *, negated: bool, in_class: bool) -> str:
    if in_class:
        if negated:
            raise Untranslatable("a negated class inside a class")
        return body
    return f"[{'^' if negated else ''}{body}]"
