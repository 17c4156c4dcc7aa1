"""lark's parse failures → `EqlSyntaxError`s written for a rule author.

lark reports the terminal names it expected (`COMPARE`, `RPAR`, `$END`); a rule author
wants "expected a comparison operator, `and`, `or` or the end of the query". Common
mistakes get their own message: `=` for `==`, single quotes, unterminated strings,
Endgame EQL constructs that Elasticsearch never supported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from ruleops.diagnostics import CheckInfo
from ruleops.eql.codes import ENDGAME_SYNTAX, SYNTAX_ERROR
from ruleops.query.syntax_error import QuerySyntaxError

if TYPE_CHECKING:
    from lark import Lark, Token
    from lark.exceptions import UnexpectedInput

# Endgame pipes Elasticsearch never had, and what to do instead.
ENDGAME_PIPES = {
    "unique": "remove the pipe; alert suppression on the rule deduplicates alerts",
    "unique_count": "remove the pipe; count in Kibana, or use a threshold rule",
    "count": "remove the pipe; count in Kibana, or use a threshold rule",
    "filter": "move the condition into the `where` clause (joined with `and`)",
    "sort": "remove the pipe: results come in timestamp order",
    "window": "remove the pipe; use `sequence … with maxspan=` for a time window",
}


class EqlSyntaxError(QuerySyntaxError):
    """A query Elasticsearch would not accept, located in the query text.

    `info` is RO300 unless the mistake has its own code; without `end_offset` the error
    covers the character at `offset`.
    """

    def __init__(
        self,
        message: str,
        offset: int,
        text: str,
        hint: str | None = None,
        info: CheckInfo = SYNTAX_ERROR,
        end_offset: int | None = None,
    ) -> None:
        clamped = max(0, min(offset, len(text)))
        end = end_offset if end_offset is not None else clamped + 1
        super().__init__(info, message, text, offset, end, hint)


# Expected terminals → words, in the order they are listed in a message.
_WORDS: dict[str, str] = {
    "NAME": "a field name",
    "QUOTED_NAME": "a field name",
    "OPTIONAL": "a field name",
    "STRING": "a string",
    "RAW_STRING": "a string",
    "INT": "a number",
    "DECIMAL": "a number",
    "TRUE": "`true`",
    "FALSE": "`false`",
    "NULL": "`null`",
    "INSENSITIVE_NAME": "a function call",
    "COMPARE": "a comparison operator (`==`, `!=`, `<`, …)",
    "MATCH_OP": "`:`, `like` or `regex`",
    "IN_OP": "`in`",
    "ADD_OP": "an arithmetic operator",
    "MUL_OP": "an arithmetic operator",
    "AND": "`and`",
    "OR": "`or`",
    "NOT": "`not`",
    "WHERE": "`where`",
    "ANY": "an event category (or `any`)",
    "SEQUENCE": "`sequence`",
    "SAMPLE": "`sample`",
    "BY": "`by`",
    "WITH": "`with`",
    "MAXSPAN": "`maxspan`",
    "UNTIL": "`until`",
    "ASSIGN": "`=`",
    "PIPE": "a pipe (`| head N`, `| tail N`)",
    "LPAR": "`(`",
    "STRING_LIST": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "MISSING_OPEN": "`![`",
    "COMMA": "`,`",
    "DOT": "`.`",
    "$END": "the end of the query",
}
# When a value may start here, these say it in one phrase instead of a dozen alternatives.
_VALUE_STARTS = {"NAME", "STRING", "INT", "DECIMAL", "TRUE", "NULL", "INSENSITIVE_NAME"}
_VALUE_PHRASE = "a value (a field, string, number, function call, `true`, `false` or `null`)"

_KEYWORDS = {
    "and",
    "or",
    "not",
    "in",
    "where",
    "by",
    "with",
    "like",
    "regex",
    "until",
    "any",
    "sequence",
    "sample",
    "maxspan",
    "true",
    "false",
    "null",
}


def expected_phrase(expected: set[str]) -> str:
    names = set(expected)
    if not _VALUE_STARTS & names:
        # After a name, `(` would make it a function call and `.` would continue the path
        # with a backquoted part: true, but never what a rule author is missing there.
        names -= {"LPAR", "DOT"}
    words: list[str] = []
    if _VALUE_STARTS & names and len(_VALUE_STARTS & names) >= 3:
        words.append(_VALUE_PHRASE)
        names -= _VALUE_STARTS | {
            "QUOTED_NAME",
            "OPTIONAL",
            "RAW_STRING",
            "FALSE",
            "ADD_OP",
            "LPAR",
            "NOT",
        }
    order = list(_WORDS)
    for name in sorted(names, key=lambda n: order.index(n) if n in order else len(order)):
        word = _WORDS.get(name, name.lower().replace("_", " "))
        if word not in words:
            words.append(word)
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _shown(text: str, start: int, end: int) -> str:
    piece = text[start:end]
    if not piece:
        return "the end of the query"
    piece = piece if len(piece) <= 40 else piece[:37] + "…"
    return f"`{piece}`"


def _previous_word(text: str, offset: int) -> str:
    match = re.search(r"([A-Za-z_]+)\s*$", text[:offset])
    return match.group(1) if match else ""


def explain(error: UnexpectedInput, text: str, parser: Lark) -> EqlSyntaxError:
    """The syntax error to report for lark's `error` on `text`; `parser` replays the text
    before the error to find what could really come there."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken  # noqa: PLC0415 -- heavy: lark

    if isinstance(error, UnexpectedCharacters):
        offset = cast(int, error.pos_in_stream)  # lark's stubs leave it untyped
        special = _character_mistake(text, offset)
        if special is not None:
            return special
        expected = _accepted_after(parser, text, offset) or set(error.allowed or ())
        char = text[offset]
        return EqlSyntaxError(
            f"unexpected character `{char}`; expected {expected_phrase(expected)}",
            offset,
            text,
        )

    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = set(error.expected or error.accepts or ())
        if token.type == "$END":
            expected = _accepted_after(parser, text, len(text)) or _accepted(error) or expected
            offset = len(text.rstrip())
            return EqlSyntaxError(
                f"the query ends too early; expected {expected_phrase(expected)}",
                offset,
                text,
            )
        offset, end = cast(int, token.start_pos), cast(int, token.end_pos)
        expected = _accepted_after(parser, text, offset) or _accepted(error) or expected
        special = _token_mistake(text, token, expected)
        if special is not None:
            return special
        return EqlSyntaxError(
            f"unexpected {_shown(text, offset, end)}; expected {expected_phrase(expected)}",
            offset,
            text,
            end_offset=end,
        )

    offset = getattr(error, "pos_in_stream", None) or len(text)  # pragma: no cover
    return EqlSyntaxError("the query ends too early", offset, text)  # pragma: no cover


def _accepted(error: UnexpectedInput) -> set[str]:
    """The terminals that could really come next.

    lark's `expected` is the lookahead set of the LALR state, which merges contexts and
    lists terminals that cannot follow here; the interactive parser tries each one.
    """
    interactive = getattr(error, "interactive_parser", None)
    if interactive is None:
        return set()
    try:
        return set(interactive.accepts())
    except Exception:  # a callback of the transformer rejected the trial token
        return set()


def _accepted_after(parser: Lark, text: str, offset: int) -> set[str]:
    accepted = _replay(parser, text, offset)
    if text[:offset].rstrip().endswith('"'):
        # Arithmetic on a string literal is valid syntax but never the missing piece.
        accepted -= {"ADD_OP", "MUL_OP"}
    return accepted


def _replay(parser: Lark, text: str, offset: int) -> set[str]:
    """What could come at `offset`, found by parsing the text before it.

    The lexer's own list for a character it cannot read is the set of terminals of the
    LALR state, merged over contexts; replaying the prefix gives the real one.
    """
    try:
        interactive = parser.parse_interactive(text[:offset])
        interactive.exhaust_lexer()
        return set(interactive.accepts())  # type: ignore[no-untyped-call]
    except Exception:  # the prefix itself is rejected by a callback: keep lark's list
        return set()


_COMPARISON = re.compile(r"==|!=|<=|>=|<|>")
_EXPRESSION_START = re.compile(r"\b(?:and|or|not|where)\b|[(\[,]")


def _follows_comparison(text: str, offset: int) -> bool:
    """Whether the operand before `offset` already is the right side of a comparison."""
    before = text[:offset]
    starts = [m.end() for m in _EXPRESSION_START.finditer(before)]
    segment = before[starts[-1] if starts else 0 :]
    return bool(_COMPARISON.search(_STRINGS.sub('""', segment)))


_STRINGS = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"')
# A string operator right before the token, or before the first element of its list.
_STRING_OPERATOR = re.compile(r"(:|\blike~?|\bregex~?)\s*(?:\(\s*)?$")


def _character_mistake(text: str, offset: int) -> EqlSyntaxError | None:
    rest = text[offset:]
    if rest.startswith("=") and not rest.startswith("=="):
        return EqlSyntaxError(
            "`=` is Endgame EQL syntax; Elasticsearch compares with `==`",
            offset,
            text,
            hint="write `==` (case-sensitive) or `:` (case-insensitive)",
            info=ENDGAME_SYNTAX,
        )
    if rest.startswith("'") and text[offset - 1 : offset] == "?":
        return EqlSyntaxError(
            "`?'…'` raw strings are Endgame EQL syntax; in Elasticsearch `?` marks an "
            "optional field",
            offset - 1,
            text,
            hint='use triple double quotes for a string without escapes: """C:\\temp"""',
            info=ENDGAME_SYNTAX,
        )
    if rest.startswith("'"):
        return EqlSyntaxError(
            "single-quoted strings are Endgame EQL syntax; EQL strings use double quotes",
            offset,
            text,
            hint='write "text" (or """text""" for a string without escapes)',
            info=ENDGAME_SYNTAX,
        )
    if rest.startswith('"""') or (rest.startswith('"') and text[offset - 2 : offset] == '""'):
        # `"""abc` lexes as the empty string `""` and then a string that does not close.
        start = offset if rest.startswith('"""') else offset - 2
        return EqlSyntaxError(
            'unterminated raw string: the closing `"""` is missing',
            start,
            text,
            end_offset=start + 3,
        )
    if rest.startswith('"'):
        line_end = rest.find("\n")
        return EqlSyntaxError(
            'unterminated string: the closing `"` is missing on this line',
            offset,
            text,
            hint='a string cannot span lines; use \\n for a line break, or """…""" for text',
            end_offset=offset + (line_end if line_end != -1 else len(rest)),
        )
    if rest.startswith("&&") or rest.startswith("||"):
        word = "and" if rest[0] == "&" else "or"
        return EqlSyntaxError(
            f"`{rest[:2]}` is not an EQL operator; use `{word}`",
            offset,
            text,
            end_offset=offset + 2,
        )
    if rest.startswith("`"):
        return EqlSyntaxError(
            "unterminated backquoted field name: the closing ` is missing",
            offset,
            text,
        )
    if rest.startswith("!") and not rest.startswith("!=") and not rest.startswith("!["):
        return EqlSyntaxError(
            "`!` is not an EQL operator; negate with `not`",
            offset,
            text,
            hint="`![ … ]` marks a missing event, and only inside a sequence",
        )
    return None


def _token_mistake(text: str, token: Token, expected: set[str]) -> EqlSyntaxError | None:
    value = str(token)
    offset, end = cast(int, token.start_pos), cast(int, token.end_pos)
    if token.type == "ASSIGN":
        return _character_mistake(text, offset)
    operator = _STRING_OPERATOR.search(text[:offset]) if token.type in ("INT", "DECIMAL") else None
    if operator:
        # Elasticsearch parses it and its verifier refuses it: "first argument of [:] must
        # be [string] ... consider using [==]" (VerifierTests.testIncorrectUsageOfStringEquals)
        return EqlSyntaxError(
            f"`{operator[1]}` compares strings, and `{value}` is a number",
            offset,
            text,
            hint="compare numbers with `==`, or with `in (…)` for a list of them",
            end_offset=end,
        )
    join = re.match(r"\s*(join)\s*(?:by\b|\[)", text)
    if join and offset <= join.end():
        return EqlSyntaxError(
            "`join` is Endgame EQL syntax; Elasticsearch has no join queries",
            join.start(1),
            text,
            hint="use `sample by …` for events in any order, or `sequence by …`",
            info=ENDGAME_SYNTAX,
            end_offset=join.end(1),
        )
    pipe = re.search(r"\|\s*([A-Za-z_]+)\b[^|]*$", text[:offset])
    if pipe and pipe.group(1) in ENDGAME_PIPES:
        return EqlSyntaxError(
            f"`| {pipe.group(1)}` is Endgame EQL syntax; "
            "Elasticsearch supports only `| head` and `| tail`",
            pipe.start(),
            text,
            hint=ENDGAME_PIPES[pipe.group(1)],
            info=ENDGAME_SYNTAX,
            end_offset=pipe.end(1),
        )
    if token.type == "COMPARE" and "COMPARE" not in expected and _follows_comparison(text, offset):
        return EqlSyntaxError(
            f"unexpected `{value}`: comparisons cannot be chained",
            offset,
            text,
            hint="write `a < b and b < c`",
            end_offset=end,
        )
    if token.type in ("STRING", "RAW_STRING") and text[offset - 1 : offset] == "?":
        return EqlSyntaxError(
            '`?"…"` raw strings are Endgame EQL syntax; in Elasticsearch `?` marks an '
            "optional field",
            offset - 1,
            text,
            hint='use triple double quotes for a string without escapes: """C:\\temp"""',
            info=ENDGAME_SYNTAX,
            end_offset=end,
        )
    if token.type == "NAME":
        lowered = value.lower()
        previous = _previous_word(text, offset)
        if lowered == "of" and previous.lower() in ("descendant", "child", "event"):
            start = offset - len(previous) - (offset - len(text[:offset].rstrip()))
            return EqlSyntaxError(
                f"`{previous} of` is Endgame EQL syntax; Elasticsearch has no process lineage",
                max(0, start),
                text,
                hint="use a sequence joined by process.entity_id and process.parent.entity_id",
                info=ENDGAME_SYNTAX,
                end_offset=end,
            )
        if lowered == "fork":
            return EqlSyntaxError(
                "`fork` is Endgame EQL syntax; Elasticsearch sequences do not fork",
                offset,
                text,
                info=ENDGAME_SYNTAX,
                end_offset=end,
            )
        if lowered in _KEYWORDS and value != lowered:
            return EqlSyntaxError(
                f"unexpected `{value}`: EQL keywords are lower-case",
                offset,
                text,
                hint=f"write `{lowered}`",
                end_offset=end,
            )
    if token.type == "LSQB" and re.match(r"\[\s*\d+\s*\]", text[offset:]):
        return EqlSyntaxError(
            "array indexing (`field[0]`) is Endgame EQL syntax; Elasticsearch does not support it",
            offset,
            text,
            hint="compare the whole field: a condition matches if any value of an array matches",
            info=ENDGAME_SYNTAX,
            end_offset=text.index("]", offset) + 1,
        )
    return None
