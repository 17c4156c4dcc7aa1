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

Regular expressions (`regex`, `regex~`): ES runs a Lucene `regexp` query (default flags), which
always matches the whole value and has its own syntax; `lucene_regex_to_python` translates it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import lru_cache

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
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if escapes and char == "\\" and i + 1 < len(pattern):
            parts[-1] += pattern[i + 1]
            i += 2
            continue
        if char == "*":
            parts.append("")
        else:
            parts[-1] += char
        i += 1
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
    tokens = _wildcard_tokens(pattern, escapes)
    if case_insensitive:
        tokens = [t if t in ("*", "?") else ascii_lower(t) for t in tokens]
    literal_parts = [t for t in tokens if t not in ("*", "?")]
    fold = ascii_lower if case_insensitive else None

    # Fast special cases: the bulk of detection-rule patterns are exact, prefix, suffix or
    # contains patterns, which `str` methods answer much faster than a regex.
    if "?" not in tokens:
        stars = [i for i, t in enumerate(tokens) if t == "*"]
        text = "".join(literal_parts)
        shape = tuple(t == "*" for t in tokens)
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
    if tokens.count("*") > 1:
        return _wrap(fold, _parts_matcher(tokens))
    fullmatch = _lazy_fullmatch(_regex(tokens), re.DOTALL)
    return _wrap(fold, lambda s: fullmatch(s) is not None)


def _regex(tokens: list[str]) -> str:
    return "".join(".*" if t == "*" else "." if t == "?" else re.escape(t) for t in tokens)


def _parts_matcher(tokens: list[str]) -> StrTest:
    """Anchored matching of a pattern with stars, without backtracking.

    The parts between stars have fixed lengths; the first must start the string, the last
    end it, and each middle part is taken at its leftmost place after the previous one —
    for `*` patterns the leftmost place is always a right choice, so one pass decides.
    """
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == "*":
            parts.append([])
        else:
            parts[-1].append(token)
    regexes = [re.compile(_regex(part), re.DOTALL) if part else None for part in parts]
    lengths = [sum(1 if t == "?" else len(t) for t in part) for part in parts]
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


def _lazy_fullmatch(regex: str, flags: int) -> Callable[[str], re.Match | None]:
    """`re.compile(regex).fullmatch`, compiled on first use: a commit hook compiles every rule
    but evaluates few, and compiling regexes is most of the compile time. Escaped wildcard
    regexes cannot fail to compile, so nothing is deferred but the cost."""
    compiled: Callable[[str], re.Match | None] | None = None

    def fullmatch(s: str) -> re.Match | None:
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
        tokens = _wildcard_tokens(ascii_lower(pattern) if case_insensitive else pattern, False)
        shape = tuple(t == "*" for t in tokens)
        if "?" in tokens:
            shape = ()
        literal = "".join(t for t in tokens if t != "*")
        if shape == (False,) or not tokens:
            exact.add(literal)
        elif shape == (True,):
            return lambda s: True
        elif shape == (False, True):
            prefixes.append(literal)
        elif shape == (True, False):
            suffixes.append(literal)
        elif shape == (True, False, True):
            contains.append(literal)
        elif tokens.count("*") > 1:
            many_stars.append(_parts_matcher(tokens))
        else:
            regexes.append(_regex(tokens))
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


def _wildcard_tokens(pattern: str, escapes: bool) -> list[str]:
    """Split into "*", "?" and merged literal runs; runs of "*" collapse to one."""
    tokens: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if escapes and char == "\\" and i + 1 < len(pattern):
            literal.append(pattern[i + 1])
            i += 2
            continue
        if char in "*?":
            if literal:
                tokens.append("".join(literal))
                literal = []
            if not (char == "*" and tokens and tokens[-1] == "*"):
                tokens.append(char)
        else:
            literal.append(char)
        i += 1
    if literal:
        tokens.append("".join(literal))
    return tokens


def regex_literal(text: str) -> str:
    """A regular expression matching exactly `text`, in the syntax Lucene and Python share:
    every character but letters, digits and `_` is backslash-escaped. (`re.escape` would
    leave Lucene's operators `@`, `<`, `>` and `"` bare.)"""
    return "".join(c if c.isalnum() or c == "_" else "\\" + c for c in text)


class RegexSyntaxError(ValueError):
    """A Lucene regular expression that ruleops cannot translate or that is invalid."""


def compile_regex(pattern: str, *, case_insensitive: bool = False) -> StrTest:
    """A full-match test for a Lucene regular expression."""
    return _compile_regex(pattern, case_insensitive)


@lru_cache(maxsize=2048)
def _compile_regex(pattern: str, case_insensitive: bool) -> StrTest:
    python = lucene_regex_to_python(pattern)
    flags = re.DOTALL | (re.IGNORECASE if case_insensitive else 0)
    try:
        fullmatch = re.compile(python, flags).fullmatch
    except re.error as error:
        raise RegexSyntaxError(f"invalid regular expression {pattern!r}: {error}") from error
    return lambda s: fullmatch(s) is not None


_QUANTIFIER_START = "*+?{"
_CLASS_SHORTHANDS = {"d": r"\d", "D": r"\D", "s": r"\s", "S": r"\S", "w": r"\w", "W": r"\W"}


def lucene_regex_to_python(pattern: str) -> str:
    """Translate Lucene `RegExp` syntax (ES default flags) to an equivalent Python regex.

    Differences handled: `"..."` quotes a literal string; `@` is any string; `#` the empty
    language; `<n-m>` a numeric interval; `^`/`$` are literal; a quantifier may follow a
    quantifier (`a*?` means `(a*)?`, not a lazy star). `&` (intersection) and `~` (complement)
    have no Python equivalent and are rejected.
    """
    out: list[str] = []  # one entry per atom, so a quantifier can wrap the previous one
    i, n = 0, len(pattern)
    last_was_quantifier = False
    while i < n:
        char = pattern[i]
        if char in _QUANTIFIER_START:
            quantifier, i = _read_quantifier(pattern, i)
            if not out:
                raise RegexSyntaxError(f"regular expression {pattern!r} starts with a quantifier")
            if last_was_quantifier or out[-1] in ("(", "|"):
                if out[-1] in ("(", "|"):
                    raise RegexSyntaxError(f"quantifier without operand in {pattern!r}")
                out[-1] = f"(?:{out[-1]})"
            out[-1] += quantifier
            last_was_quantifier = True
            continue
        last_was_quantifier = False
        if char == "\\":
            if i + 1 >= n:
                raise RegexSyntaxError(f"regular expression {pattern!r} ends with a backslash")
            nxt = pattern[i + 1]
            out.append(_CLASS_SHORTHANDS.get(nxt, re.escape(nxt)))
            i += 2
        elif char == '"':
            end = pattern.find('"', i + 1)
            if end < 0:
                raise RegexSyntaxError(
                    f'unterminated "..." string in regular expression {pattern!r}'
                )
            out.append(f"(?:{re.escape(pattern[i + 1 : end])})")
            i = end + 1
        elif char == "[":
            cls, i = _read_class(pattern, i)
            out.append(cls)
        elif char == ".":
            out.append(".")
            i += 1
        elif char == "@":
            out.append("(?:.*)")
            i += 1
        elif char == "#":
            out.append("(?!)")
            i += 1
        elif char == "<":
            interval, i = _read_interval(pattern, i)
            out.append(interval)
        elif char in "&~":
            raise RegexSyntaxError(
                f"regular expression {pattern!r} uses Lucene's {char!r} operator, which ruleops "
                "does not support; rewrite it without intersection/complement"
            )
        elif char == "(":
            # group: collect until the matching ")" as one atom so quantifiers apply to it
            depth_start = len(out)
            out.append("(")
            i += 1
            out.append("\0group" + str(depth_start))
        elif char == ")":
            # fold everything since the matching "(" into one atom
            marker_index = max(
                (k for k, t in enumerate(out) if t.startswith("\0group")), default=None
            )
            if marker_index is None:
                raise RegexSyntaxError(f"unbalanced ')' in regular expression {pattern!r}")
            inner = "".join(out[marker_index + 1 :])
            del out[marker_index - 1 :]
            out.append(f"(?:{inner})")
            i += 1
        elif char == "|":
            out.append("|")
            i += 1
        else:
            out.append(re.escape(char))  # `^`, `$` included: literal in Lucene
            i += 1
    if any(t.startswith("\0group") for t in out):
        raise RegexSyntaxError(f"unbalanced '(' in regular expression {pattern!r}")
    return "".join(out)


def _read_quantifier(pattern: str, i: int) -> tuple[str, int]:
    if pattern[i] != "{":
        return pattern[i], i + 1
    end = pattern.find("}", i)
    if end < 0 or not re.fullmatch(r"\d+(,\d*)?", pattern[i + 1 : end]):
        raise RegexSyntaxError(f"malformed repetition in regular expression {pattern!r}")
    return pattern[i : end + 1], end + 1


def _read_class(pattern: str, i: int) -> tuple[str, int]:
    j = i + 1
    parts = ["["]
    if j < len(pattern) and pattern[j] == "^":
        parts.append("^")
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        char = pattern[j]
        if char == "\\" and j + 1 < len(pattern):
            nxt = pattern[j + 1]
            parts.append(_CLASS_SHORTHANDS.get(nxt, re.escape(nxt)))
            j += 2
            continue
        parts.append("-" if char == "-" else re.escape(char))
        j += 1
    if j >= len(pattern):
        raise RegexSyntaxError(f"unterminated character class in regular expression {pattern!r}")
    parts.append("]")
    return "".join(parts), j + 1


def _read_interval(pattern: str, i: int) -> tuple[str, int]:
    match = re.compile(r"<(\d+)-(\d+)>").match(pattern, i)
    if not match:
        return re.escape("<"), i + 1
    low, high = sorted((int(match.group(1)), int(match.group(2))))
    if high - low > 2000:
        raise RegexSyntaxError(f"numeric interval {match.group(0)} is too wide to translate")
    # Lucene accepts the numbers with or without leading zeros up to the width of the bound.
    options = "|".join(str(v) for v in range(high, low - 1, -1))
    return f"(?:0*(?:{options}))", match.end()
