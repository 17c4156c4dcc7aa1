"""Inline suppressions: `# ruleops: ignore[RO123, RO456] reason` in a rule file.

A suppression written at the end of a line silences its codes on the whole statement that
line belongs to (`tags = [ ... ]`, or a `query = '''...'''` with every line inside it). A
suppression alone on its line silences the next statement; inside a multi-line array, the
next line. The reason is required, and a suppression that silences nothing is reported, so
suppressions do not outlive the findings they were written for.

Comments are not part of the parsed TOML data, so this module scans the rule's text; it
tells comments from `#` inside strings, including multi-line strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ruleops.diagnostics import REGISTRY, CheckInfo, Diagnostic, Severity, emits, register

MARKER = "ruleops:"
_DIRECTIVE = re.compile(r"#\s*ruleops:\s*(?P<rest>.*)$")
_IGNORE = re.compile(r"ignore\[(?P<codes>[^\]]*)\]\s*(?P<reason>.*)$")
_CODE = re.compile(r"RO\d{3}")
_REASON_LEAD = " \t-—:;,"

UNUSED = register(
    CheckInfo(
        code="RO600",
        name="suppression.unused",
        severity=Severity.WARNING,
        summary="a `# ruleops: ignore[...]` comment suppresses nothing",
        explanation=(
            "No finding of the listed code was reported on the lines this suppression "
            "covers. The finding it was written for has been fixed, or the comment is on the "
            "wrong line. Remove the code from the comment (or the whole comment), so that a "
            "future finding on these lines is not hidden by accident."
        ),
        example="rule",
        bad="# ruleops: ignore[RO051] name shared with the deprecated rule\nrisk_score = 21",
        good="risk_score = 21",
    )
)
MISSING_REASON = register(
    CheckInfo(
        code="RO601",
        name="suppression.missing-reason",
        severity=Severity.ERROR,
        summary="a suppression gives no reason",
        explanation=(
            "Every suppression must say why the finding does not apply, after the closing "
            "bracket, so that reviewers can judge it and whoever edits the rule later knows "
            "whether it still holds. A suppression without a reason suppresses nothing."
        ),
        example="rule",
        bad='# ruleops: ignore[RO051]\nname = "Shared name"',
        good="# ruleops: ignore[RO051] the deprecated copy keeps this name on purpose\n"
        'name = "Shared name"',
    )
)
MALFORMED = register(
    CheckInfo(
        code="RO602",
        name="suppression.malformed",
        severity=Severity.ERROR,
        summary="a `# ruleops:` comment is not a valid suppression",
        explanation=(
            "Comments that start with `ruleops:` are directives. The only directive is "
            "`ignore[CODE, ...] reason`, with codes such as RO123 inside square brackets. "
            "A malformed directive suppresses nothing."
        ),
        example="rule",
        bad="# ruleops: ignore RO051 because",
        good="# ruleops: ignore[RO051] because the deprecated copy keeps this name",
    )
)
UNKNOWN_CODE = register(
    CheckInfo(
        code="RO603",
        name="suppression.unknown-code",
        severity=Severity.WARNING,
        summary="a suppression names a code ruleops does not have",
        explanation=(
            "The code in the brackets is not a ruleops diagnostic code, so it can never "
            "suppress anything: a typo, or a code that was retired. `ruleops rule --list` "
            "lists the codes."
        ),
        example="rule",
        bad="# ruleops: ignore[RO999] reason",
        good="# ruleops: ignore[RO051] reason",
    )
)
OWN_CODES = frozenset({UNUSED.code, MISSING_REASON.code, MALFORMED.code, UNKNOWN_CODE.code})


@dataclass(frozen=True)
class Suppression:
    codes: tuple[str, ...]
    reason: str
    line: int  # where the comment is written
    column: int
    first: int  # the lines it covers, inclusive
    last: int

    def covers(self, d: Diagnostic) -> bool:
        return d.code in self.codes and self.first <= d.line <= self.last


@dataclass(frozen=True)
class LineInfo:
    comment: int | None  # column (0-based) of a comment outside strings
    code: bool  # has something besides whitespace and a comment
    statement: int  # the line where the statement this line belongs to starts
    nested: bool  # starts inside a multi-line value (an array, table or string)


_INTERESTING = re.compile(r"[\"'#\[\]{}]")
_BASIC_END = re.compile(r'\\.|"', re.DOTALL)
_BASIC_ML_END = re.compile(r'\\.|"""', re.DOTALL)


def _scan(text: str) -> tuple[list[LineInfo], dict[int, int]]:
    """Per line: comment column, whether it holds code, its statement; statement extents.

    Jumps from one character that matters to the next, so a rule of a few hundred lines
    scans in well under a millisecond.
    """
    lines: list[LineInfo] = []
    ends: dict[int, int] = {}
    string: str | None = None  # the delimiter of the multi-line string we are in
    depth = 0
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        nested = string is not None or depth > 0
        if not nested:
            start = number
        comment: int | None = None
        code = string is not None
        i, n = 0, len(raw)
        while i < n:
            if string is not None:
                close = _close_multiline(raw, i, string)
                if close < 0:
                    break
                i, string = close, None
                continue
            match = _INTERESTING.search(raw, i)
            if not code and raw[i : match.start() if match else n].strip():
                code = True
            if match is None:
                break
            i, ch = match.start(), match.group()
            if ch == "#":
                comment = i
                break
            code = True
            if ch in "\"'":
                if raw.startswith(ch * 3, i):
                    string = ch * 3
                    i += 3
                    continue
                i = _close_single(raw, i + 1, ch)
                continue
            depth = depth + 1 if ch in "[{" else max(0, depth - 1)
            i += 1
        lines.append(LineInfo(comment, code, start, nested))
        if string is None and depth == 0:
            ends[start] = number
    if lines:
        ends.setdefault(lines[-1].statement, len(lines))
    return lines, ends


def _close_multiline(raw: str, i: int, delimiter: str) -> int:
    """Index just past the closing delimiter on this line, or -1 if the string goes on."""
    if delimiter == "'''":
        found = raw.find(delimiter, i)
    else:
        found = -1
        for match in _BASIC_ML_END.finditer(raw, i):
            if match.group() == '"""':
                found = match.start()
                break
    if found < 0:
        return -1
    end = found + 3
    # Up to two more quotes right after the closing three belong to the content.
    while end < len(raw) and raw[end] == delimiter[0] and end - found < 5:
        end += 1
    return end


def _close_single(raw: str, i: int, quote: str) -> int:
    if quote == "'":
        found = raw.find("'", i)
        return len(raw) if found < 0 else found + 1
    while True:
        match = _BASIC_END.search(raw, i)
        if match is None:
            return len(raw)
        if match.group() == '"':
            return match.end()
        i = match.end()


def scan_lines(text: str) -> list[LineInfo]:
    """What each line of a TOML text holds, telling comments from `#` inside strings."""
    return _scan(text)[0]


def comments(text: str) -> list[str]:
    """The text of every comment in a TOML document, in order."""
    source = text.splitlines()
    return [
        source[i][info.comment :].rstrip()
        for i, info in enumerate(scan_lines(text))
        if info.comment is not None
    ]


def parse(text: str, path: str) -> tuple[list[Suppression], list[Diagnostic]]:
    """The suppressions written in `text`, and diagnostics for the ill-formed ones."""
    if MARKER not in text:  # the common case: no directive, no scan
        return [], []
    lines, ends = _scan(text)
    source = text.splitlines()
    found: list[Suppression] = []
    problems: list[Diagnostic] = []
    for index, info in enumerate(lines):
        if info.comment is None:
            continue
        match = _DIRECTIVE.match(source[index], info.comment)
        if match is None:
            continue
        number, column = index + 1, info.comment + 1

        def problem(check: CheckInfo, message: str, hint: str, ln=number, col=column) -> None:
            problems.append(check.diagnostic(message, path, ln, col, hint=hint))

        ignore = _IGNORE.match(match["rest"].strip())
        if ignore is None:
            problem(
                MALFORMED,
                f"`{source[index][info.comment :].strip()}` is not a valid ruleops directive",
                "write `# ruleops: ignore[RO123] reason`",
            )
            continue
        codes = tuple(c.strip().upper() for c in ignore["codes"].split(",") if c.strip())
        bad = [c for c in codes if not _CODE.fullmatch(c)]
        if not codes or bad:
            problem(
                MALFORMED,
                "the brackets must hold codes such as RO123, separated by commas"
                + (f"; not {', '.join(repr(b) for b in bad)}" if bad else ""),
                "write `# ruleops: ignore[RO123, RO456] reason`",
            )
            continue
        reason = ignore["reason"].strip(_REASON_LEAD)
        if not reason:
            problem(
                MISSING_REASON,
                f"the suppression of {', '.join(codes)} gives no reason, so it suppresses nothing",
                "say after the brackets why the finding does not apply here",
            )
            continue
        first, last = _covered(index, lines, ends)
        found.append(Suppression(codes, reason, number, column, first, last))
    return found, problems


def _covered(index: int, lines: list[LineInfo], ends: dict[int, int]) -> tuple[int, int]:
    info = lines[index]
    if info.code:  # a comment at the end of a line: that line's statement
        return info.statement, ends.get(info.statement, info.statement)
    # A comment alone on its line: inside a multi-line value the next line holding code,
    # elsewhere the next statement.
    following = next(
        (
            j + 1
            for j in range(index + 1, len(lines))
            if lines[j].code and (info.nested or not lines[j].nested)
        ),
        None,
    )
    if following is None:
        return index + 1, index + 1
    if info.nested:
        return following, following
    return following, ends.get(following, following)


@emits(UNUSED, UNKNOWN_CODE, MISSING_REASON, MALFORMED)
def apply(
    diagnostics: Iterable[Diagnostic],
    texts: Mapping[str, str],
    *,
    switched_off: frozenset[str] = frozenset(),
) -> list[Diagnostic]:
    """Diagnostics without the suppressed ones, plus findings about the suppressions.

    `texts` maps a rule's path to its text. Codes in `switched_off` (ignored by the
    configuration) never count as unused: there was nothing left for them to suppress.
    """
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    kept: list[Diagnostic] = []
    for path in by_path.keys() | texts.keys():
        found = by_path.get(path, [])
        text = texts.get(path)
        if text is None:
            kept.extend(found)
            continue
        suppressions, problems = parse(text, path)
        kept.extend(problems)
        used: set[tuple[int, str]] = set()
        for d in found:
            hits = [s for s in suppressions if d.code not in OWN_CODES and s.covers(d)]
            used.update((s.line, d.code) for s in hits)
            if not hits:
                kept.append(d)
        for s in suppressions:
            for code in s.codes:
                if (s.line, code) in used or code in switched_off:
                    continue
                if code not in REGISTRY:
                    kept.append(
                        _at(
                            UNKNOWN_CODE,
                            s,
                            path,
                            f"{code} is not a ruleops code",
                            "`ruleops rule --list` lists the codes",
                        )
                    )
                else:
                    kept.append(
                        _at(
                            UNUSED,
                            s,
                            path,
                            f"this suppression of {code} suppresses nothing "
                            f"on lines {s.first}-{s.last}"
                            if s.first != s.last
                            else f"this suppression of {code} suppresses nothing on line {s.first}",
                            f"remove {code} from the comment",
                        )
                    )
    return kept


def _at(check: CheckInfo, s: Suppression, path: str, message: str, hint: str) -> Diagnostic:
    return check.diagnostic(message, path, s.line, s.column, hint=hint)
