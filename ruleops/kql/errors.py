"""KQL syntax errors: where Kibana's grammar stops, what it expected, and why people get
there (EQL's `==`, an unescaped `:` or `\\`, a missing `and`/`or`, `or(` without a space,
a keyword inside a word).

LALR reports the token it could not take and the set of tokens its (merged) state would
have taken; the messages below trim that set to what a rule author can act on.
"""

from __future__ import annotations

import re
from typing import Any, cast

from ruleops.diagnostics import CheckInfo, Severity, register
from ruleops.query.syntax_error import CoveringSyntaxError

SYNTAX = register(
    CheckInfo(
        code="RO400",
        name="kql.syntax",
        severity=Severity.ERROR,
        summary="the KQL query does not parse",
        explanation=(
            "Kibana rejects the query, so the rule cannot be saved or run. The diagnostic "
            "points at the first character Kibana's grammar cannot accept, says what it "
            "expected there, and names the usual cause: `and`/`or` missing between two "
            'conditions, `or(` without a space, an unescaped `:` `\\` `(` `)` `*` `"` `<` `>` '
            "`{` `}` in an unquoted value (escape it with a backslash, or quote the value), an "
            "unclosed quote or parenthesis, or EQL syntax such as `==`. The same check covers "
            "`threat_query` of indicator-match rules. ruleops also refuses a query nested more "
            "than 100 levels deep (`a:{ b:{ … } }`, groups of `not`, `and`, `or`)."
        ),
        example="kql",
        bad="process.name:cmd.exe or(process.args:/c)",
        good="process.name:cmd.exe or (process.args:/c)",
    )
)

_SPACE = " \t\r\n\u00a0"


class KqlSyntaxError(CoveringSyntaxError):
    """A query Kibana would not accept, located in the query text (RO400 by default); the
    error covers at least the character at `offset`."""

    DEFAULT = SYNTAX


_NAMES = {
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "COLON": "`:`",
    "RANGE_OP": "a range operator (`<`, `<=`, `>`, `>=`)",
    "OR": "`or`",
    "AND": "`and`",
    "NOT": "`not`",
    "QUOTED": "a quoted value",
    "UNQUOTED": "a value",
    "$END": "the end of the query",
}


def _expected(names: set[str] | frozenset[str]) -> str:
    # `field` and `value` are the same token; say "a field or value" once.
    readable = []
    for name in (
        "UNQUOTED",
        "QUOTED",
        "LPAR",
        "NOT",
        "COLON",
        "RANGE_OP",
        "AND",
        "OR",
        "RPAR",
        "LBRACE",
        "RBRACE",
        "$END",
    ):
        if name in names:
            readable.append(_NAMES[name])
    if "UNQUOTED" in names and "QUOTED" in names:
        readable.remove(_NAMES["QUOTED"])
        readable[readable.index(_NAMES["UNQUOTED"])] = "a field or value"
    if not readable:
        return ""
    if len(readable) == 1:
        return readable[0]
    return ", ".join(readable[:-1]) + " or " + readable[-1]


def explain_failure(error: Any, text: str) -> KqlSyntaxError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken  # noqa: PLC0415 -- heavy: lark

    if isinstance(error, UnexpectedCharacters):
        offset = cast(int, error.pos_in_stream)  # lark's stubs leave it untyped
        return _bad_character(offset, text, set(error.allowed or ()))
    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = set(error.expected or ())
        if token.type == "$END":
            return _early_end(text, expected)
        return _bad_token(token, text, expected)
    return KqlSyntaxError("the query does not parse", getattr(error, "pos_in_stream", 0) or 0, text)


def _before(text: str, offset: int) -> str:
    """The text before `offset`, without trailing whitespace."""
    return text[:offset].rstrip(_SPACE)


def _bad_character(offset: int, text: str, expected: set[str]) -> KqlSyntaxError:
    char = text[offset]
    if char == '"':
        return KqlSyntaxError(
            "this quoted value is never closed",
            offset,
            text,
            'close it with `"`; inside quotes write `\\"` for a quote and `\\\\` for a backslash',
        )
    if char == "\\":
        following = text[offset + 1 : offset + 2]
        shown = f"`\\{following}`" if following.strip() else "a lone `\\`"
        return KqlSyntaxError(
            f"{shown} is not an escape KQL knows in an unquoted value",
            offset,
            text,
            'write `\\\\` for a backslash; other escapes are `\\:` `\\(` `\\)` `\\*` `\\"` '
            "`\\<` `\\>` `\\{` `\\}`, `\\t` `\\n` `\\r`, `\\uXXXX`; or quote the value "
            "(inside quotes a single backslash is literal, but `*` is no longer a wildcard)",
        )
    message = f"unexpected `{char}`"
    expected_text = _expected(_relevant(expected, text, offset))
    if expected_text:
        message += f"; expected {expected_text}"
    return KqlSyntaxError(message, offset, text, _hint_for(char, offset, text))


def _early_end(text: str, expected: set[str]) -> KqlSyntaxError:
    offset = len(text.rstrip(_SPACE))
    if "RPAR" in expected:
        unclosed = _unclosed(text, "(", ")")
        return KqlSyntaxError(
            "the query ends before this `(` is closed",
            unclosed if unclosed is not None else offset,
            text,
            "add the missing `)`",
        )
    if "RBRACE" in expected:
        unclosed = _unclosed(text, "{", "}")
        return KqlSyntaxError(
            "the query ends before this `{` is closed",
            unclosed if unclosed is not None else offset,
            text,
            "add the missing `}`",
        )
    tail = _before(text, len(text))
    keyword = re.search(r"(?:^|[ \t\r\n\u00a0])(or|and|not)$", tail, re.IGNORECASE)
    if keyword:
        return KqlSyntaxError(
            f"the query ends after `{keyword.group(1)}`",
            keyword.start(1),
            text,
            "a condition must follow `and`, `or` and `not`",
            keyword.end(1),
        )
    return KqlSyntaxError(
        f"the query ends too early; expected {_expected(expected) or 'more'}", offset, text
    )


def _unclosed(text: str, opening: str, closing: str) -> int | None:
    """Offset of the last unclosed `opening` outside quotes and escapes, if any."""
    stack: list[int] = []
    i, in_quotes = 0, False
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char == opening:
            stack.append(i)
        elif not in_quotes and char == closing and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def _relevant(expected: set[str], text: str, offset: int) -> set[str]:
    """What to list as expected: after a complete condition, `and`/`or` (and a closing
    bracket only when one is open), not every token LALR's merged states would allow."""
    names = set(expected)
    if "AND" in names:
        names -= {"COLON", "RANGE_OP"}
    if _unclosed(text[:offset], "(", ")") is None:
        names.discard("RPAR")
    if _unclosed(text[:offset], "{", "}") is None:
        names.discard("RBRACE")
    return names


def _bad_token(token: Any, text: str, expected: set[str]) -> KqlSyntaxError:
    offset, end = token.start_pos, token.end_pos
    value_expected = "UNQUOTED" in expected
    expected = _relevant(expected, text, offset)
    shown = str(token).strip()
    if len(shown) > 40:
        shown = shown[:37] + "…"
    kind = token.type
    if kind == "NOT" and offset > 0 and text[offset - 1] not in _SPACE + "(":
        word = _last_word(text[:offset]) + str(token)
        return KqlSyntaxError(
            f"Kibana reads the `not` at the end of `{word}` as the keyword `not`",
            offset,
            text,
            f'quote the value ("{word} …") or escape the keyword: `{word[:-3]}\\not`',
            end,
        )
    if kind == "NOT" and "AND" in expected:
        return KqlSyntaxError(
            "`not` cannot follow a condition directly",
            offset,
            text,
            "join with `and not` or `or not`",
            end,
        )
    if kind == "NOT":
        return KqlSyntaxError(
            "`not not`: Kibana does not accept two `not`s in a row",
            offset,
            text,
            "drop both, or write `not (not …)`",
            end,
        )
    if kind == "RPAR" and value_expected:
        return KqlSyntaxError(
            f"unexpected `)`; expected {_expected(expected)}", offset, text, None, end
        )
    if kind == "RPAR" and "RPAR" not in expected:
        return KqlSyntaxError("this `)` closes nothing", offset, text, "remove it", end)
    what = {"QUOTED": f"value `{shown}`", "UNQUOTED": f"`{shown}`"}.get(kind, f"`{shown}`")
    if (
        kind in ("QUOTED", "UNQUOTED")
        and "AND" in expected
        and not _hint_for(shown[:1], offset, text)
    ):
        return KqlSyntaxError(
            f"unexpected {what}; expected {_expected(expected)}",
            offset,
            text,
            "join conditions with `and` or `or`",
            end,
        )
    message = f"unexpected {what}"
    expected_text = _expected(expected)
    if expected_text:
        message += f"; expected {expected_text}"
    return KqlSyntaxError(message, offset, text, _hint_for(shown[:1], offset, text), end)


def _hint_for(char: str, offset: int, text: str) -> str | None:
    before = _before(text, offset)
    word = re.search(r"(\S+)$", before)
    last = word.group(1).lower() if word else ""
    if not before:
        return "a query starts with a field name, a value, `(` or `not`"
    if "&&" in before[-40:] or "||" in before[-40:]:
        return "KQL writes `and` and `or`, not `&&` and `||`"
    if before.endswith(("==", "!=", "=")):
        return "KQL compares with `field:value` (or `not field:value`), not `==` or `!=`"
    if last in ("or", "and", "not") and char in '("':
        return f"`{last}` needs a space after it (and `or`/`and` one before it)"
    if char == ":":
        segment = re.split(r"[()]|\s(?:or|and|not)\s", before, flags=re.IGNORECASE)[-1]
        if ":" in segment and not re.search(r"\s", segment.split(":", 1)[1].strip()):
            return "a `:` inside a value must be escaped as `\\:`, or the value quoted"
        if re.search(r"\S\s+\S", segment.split(":", 1)[-1].strip()) or ":" not in segment:
            return "join conditions with `and` or `or`; a space alone does not separate them"
        return "a `:` inside a value must be escaped as `\\:`, or the value quoted"
    if char in '"(' and before and before[-1] not in "(:{":
        return "join conditions with `and` or `or`"
    if char in "<>":
        return (
            "a range compares a field with one value: `field >= 10`; escape `\\<` `\\>` in values"
        )
    if char in "{}":
        return "`{` starts a nested query `field:{ … }`; escape `\\{` `\\}` in values"
    return None


def _last_word(text: str) -> str:
    """The run of characters other than blanks, `:` and `(` that `text` ends with."""
    return re.split(r"[\s:(]", text)[-1]
