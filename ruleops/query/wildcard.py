"""Pattern matchers compiled once: EQL/KQL wildcards and Lucene regular expressions.

Wildcards (EQL `:` / `like`): Elasticsearch turns the EQL pattern into a LIKE pattern whose
escape character cannot occur in a string (eql `StringUtils.toLikePattern`), so `*` is any run,
`?` one character, and every other character — `\\` included — is literal. There is no way to
match a literal `*` or `?`.

Lucene wildcards (the raw query ES builds for `stringContains`/`endsWith` on a field) differ:
there `\\` escapes the next character.

Case folding: Elasticsearch's case-insensitive term, prefix and wildcard queries fold ASCII
letters only (`AutomatonQueries.toCaseInsensitiveChar` leaves code points above 128 alone), so
`:` matches `cmd.EXE` against `cmd.exe` but not `É` against `é`; `ascii_lower` does the same.

Matching never backtracks badly: a pattern with several `*` is matched part by part
(`_parts_matcher`), since a regex of many `.*` can take exponential time on a near miss.

Regular expressions (`regex`, `regex~`): ES runs a Lucene `regexp` query, which always matches
the whole value and has its own syntax; `ruleops.query.lucene_regex` runs it as an automaton.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import lru_cache

from ruleops.query.lucene_regex import compile_lucene

StrTest = Callable[[str], bool]

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def ascii_lower(text: str) -> str:
    """`text` with its ASCII letters lower-cased and every other character as it was."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def compile_wildcard(
    pattern: str,
    *,
    case_insensitive: bool = False,
    escapes: bool = False,
    question_mark: bool = True,
) -> StrTest:
    """A test `str -> bool` for an anchored wildcard pattern.

    With `escapes=True` a backslash makes the next character literal (Lucene's wildcard query).
    With `question_mark=False` `?` is a literal character and `*` the only wildcard (KQL).
    """
    if not question_mark and "?" in pattern:
        return _compile_stars_only(pattern, case_insensitive, escapes)
    return _compile_wildcard(pattern, case_insensitive, escapes)


@lru_cache(maxsize=1024)
def _compile_stars_only(pattern: str, case_insensitive: bool, escapes: bool) -> StrTest:
    """A pattern whose only wildcard is `*`, matched with `str` methods: the literal parts
    between the stars, each taken at its leftmost place (always a right choice for `*`)."""
    parts = [""]
    for token in tokens(pattern, escapes=escapes, question_mark=False):
        if token == ANY_RUN:
            parts.append("")
        else:
            parts[-1] += token
    if case_insensitive:
        parts = [ascii_lower(part) for part in parts]
    fold = ascii_lower if case_insensitive else None
    if len(parts) == 1:
        text = parts[0]
        return _wrap(fold, lambda s: s == text)
    head, tail, middle = parts[0], parts[-1], [part for part in parts[1:-1] if part]
    shortest = len(head) + len(tail) + sum(len(part) for part in middle)

    def test(s: str) -> bool:
        if len(s) < shortest or not s.startswith(head) or not s.endswith(tail):
            return False
        start, end = len(head), len(s) - len(tail)
        for part in middle:
            found = s.find(part, start, end)
            if found < 0:
                return False
            start = found + len(part)
        return True

    return _wrap(fold, test)


@lru_cache(maxsize=4096)
def _compile_wildcard(pattern: str, case_insensitive: bool, escapes: bool) -> StrTest:
    read = list(tokens(pattern, escapes=escapes))
    if case_insensitive:
        read = [t if t in (ANY_RUN, ONE_CHAR) else ascii_lower(t) for t in read]
    literal_parts = [t for t in read if t not in (ANY_RUN, ONE_CHAR)]
    fold = ascii_lower if case_insensitive else None

    # Fast special cases: the bulk of detection-rule patterns are exact, prefix, suffix or
    # contains patterns, which `str` methods answer much faster than a regex.
    if ONE_CHAR not in read:
        stars = [i for i, t in enumerate(read) if t == ANY_RUN]
        text = "".join(literal_parts)
        shape = tuple(t == ANY_RUN for t in read)
        if not stars:
            return _wrap(fold, lambda s: s == text)
        if shape == (True,):
            return lambda s: True
        if shape == (False, True):
            return _wrap(fold, lambda s: s.startswith(text))
        if shape == (True, False):
            return _wrap(fold, lambda s: s.endswith(text))
        if shape == (True, False, True):
            return _wrap(fold, lambda s: text in s)
    if read.count(ANY_RUN) > 1:
        return _wrap(fold, _parts_matcher(read))
    fullmatch = _lazy_fullmatch(_regex(read), re.DOTALL)
    return _wrap(fold, lambda s: fullmatch(s) is not None)


def _regex(read: list[str]) -> str:
    return "".join(".*" if t == ANY_RUN else "." if t == ONE_CHAR else re.escape(t) for t in read)


def _parts_matcher(read: list[str]) -> StrTest:
    """Anchored matching of a pattern with stars, without backtracking.

    The parts between stars have fixed lengths; the first must start the string, the last
    end it, and each middle part is taken at its leftmost place after the previous one —
    for `*` patterns the leftmost place is always a right choice, so one pass decides.
    """
    parts: list[list[str]] = [[]]
    for token in read:
        if token == ANY_RUN:
            parts.append([])
        else:
            parts[-1].append(token)
    regexes = [re.compile(_regex(part), re.DOTALL) if part else None for part in parts]
    lengths = [sum(1 if t == ONE_CHAR else len(t) for t in part) for part in parts]
    head, tail, middle = (
        regexes[0],
        regexes[-1],
        list(zip(regexes[1:-1], lengths[1:-1], strict=True)),
    )
    head_length, tail_length = lengths[0], lengths[-1]

    def test(s: str) -> bool:
        start, end = head_length, len(s) - tail_length
        if end < start:
            return False
        if head is not None and head.match(s) is None:
            return False
        if tail is not None and tail.fullmatch(s, end) is None:
            return False
        for regex, length in middle:
            if regex is None:
                continue
            found = regex.search(s, start, end)
            if found is None:
                return False
            start = found.start() + length
        return True

    return test


def _lazy_fullmatch(regex: str, flags: int) -> Callable[[str], re.Match[str] | None]:
    """`re.compile(regex).fullmatch`, compiled on first use: a commit hook compiles every rule
    but evaluates few, and compiling regexes is most of the compile time. Escaped wildcard
    regexes cannot fail to compile, so nothing is deferred but the cost."""
    compiled: Callable[[str], re.Match[str] | None] | None = None

    def fullmatch(s: str) -> re.Match[str] | None:
        nonlocal compiled
        if compiled is None:
            compiled = re.compile(regex, flags).fullmatch
        return compiled(s)

    return fullmatch


def compile_wildcard_set(
    patterns: tuple[str, ...], *, case_insensitive: bool = False, question_mark: bool = True
) -> StrTest:
    """One test for "matches any of these wildcard patterns", grouped by shape: exact values
    in a set, prefixes and suffixes as tuples for `str.startswith`/`endswith`, the rest in one
    alternation regex — detection rules often list dozens of patterns.

    With `question_mark=False` `?` is a literal character (KQL): patterns with a `?` are
    matched on their own, the others grouped as usual."""
    if question_mark or not any("?" in p for p in patterns):
        return _compile_wildcard_set(tuple(patterns), case_insensitive)
    literal = [_compile_stars_only(p, case_insensitive, False) for p in patterns if "?" in p]
    rest = tuple(p for p in patterns if "?" not in p)
    grouped = _compile_wildcard_set(rest, case_insensitive) if rest else None

    def test(s: str) -> bool:
        if grouped is not None and grouped(s):
            return True
        return any(match(s) for match in literal)

    return test


@lru_cache(maxsize=2048)
def _compile_wildcard_set(patterns: tuple[str, ...], case_insensitive: bool) -> StrTest:
    if len(patterns) == 1:
        return _compile_wildcard(patterns[0], case_insensitive, False)
    exact: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    contains: list[str] = []
    regexes: list[str] = []
    many_stars: list[StrTest] = []
    for pattern in patterns:
        read = list(tokens(ascii_lower(pattern) if case_insensitive else pattern))
        shape = tuple(t == ANY_RUN for t in read)
        if ONE_CHAR in read:
            shape = ()
        literal = "".join(t for t in read if t != ANY_RUN)
        if shape == (False,) or not read:
            exact.add(literal)
        elif shape == (True,):
            return lambda s: True
        elif shape == (False, True):
            prefixes.append(literal)
        elif shape == (True, False):
            suffixes.append(literal)
        elif shape == (True, False, True):
            contains.append(literal)
        elif read.count(ANY_RUN) > 1:
            many_stars.append(_parts_matcher(read))
        else:
            regexes.append(_regex(read))
    prefix_tuple, suffix_tuple = tuple(prefixes), tuple(suffixes)
    fullmatch = (
        _lazy_fullmatch("|".join(f"(?:{r})" for r in regexes), re.DOTALL) if regexes else None
    )

    def test(s: str) -> bool:
        if case_insensitive:
            s = ascii_lower(s)
        if s in exact:
            return True
        if prefix_tuple and s.startswith(prefix_tuple):
            return True
        if suffix_tuple and s.endswith(suffix_tuple):
            return True
        for part in contains:
            if part in s:
                return True
        if fullmatch is not None and fullmatch(s) is not None:
            return True
        return any(match(s) for match in many_stars)

    return test


def _wrap(fold: Callable[[str], str] | None, test: StrTest) -> StrTest:
    if fold is None:
        return test
    return lambda s: test(fold(s))


# Markers of the two wildcards among a pattern's literal runs; neither can occur in a query.
ANY_RUN, ONE_CHAR = "\x00*", "\x00?"


@lru_cache(maxsize=16384)
def tokens(pattern: str, *, escapes: bool = False, question_mark: bool = True) -> tuple[str, ...]:
    """A wildcard pattern read once for every consumer (matchers, the field checks,
    satisfiability, the strategies): literal runs and the markers ANY_RUN (`*`, runs of it
    collapsed) and ONE_CHAR (`?`). With `escapes` a backslash makes the next character
    literal (Lucene wildcards, KQL values); with `question_mark=False` `?` is a literal
    character (KQL)."""
    out: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if escapes and char == "\\" and i + 1 < len(pattern):
            literal.append(pattern[i + 1])
            i += 2
            continue
        if char == "*" or (char == "?" and question_mark):
            if literal:
                out.append("".join(literal))
                literal = []
            marker = ANY_RUN if char == "*" else ONE_CHAR
            if not (marker == ANY_RUN and out and out[-1] == ANY_RUN):
                out.append(marker)
        else:
            literal.append(char)
        i += 1
    if literal:
        out.append("".join(literal))
    return tuple(out)


def regex_literal(text: str) -> str:
    """A Lucene regular expression matching exactly `text`: every character but letters,
    digits and `_` is backslash-escaped (`re.escape` would leave Lucene's operators `@`, `<`,
    `>` and `"` bare, and a backslash before a letter is an error in Lucene)."""
    return "".join(c if c.isalnum() or c == "_" else "\\" + c for c in text)


def compile_regex(pattern: str, *, case_insensitive: bool = False) -> StrTest:
    """A full-match test for a Lucene regular expression, in linear time. Raises
    `LuceneRegexError` (a ValueError) for a pattern Elasticsearch rejects."""
    return compile_lucene(pattern, case_insensitive=case_insensitive).fullmatch
