"""lark's parse failures → `EsqlSyntaxError`s written for a rule author.

lark names the terminals it could have taken (`COMPARE`, `RP`, `$END`); a rule author wants
"expected a comparison operator, `and`, `or` or the next command". The usual mistakes get a
message of their own: `=` for `==`, single-quoted strings, an unclosed string, an escape
ES|QL does not know, an operator with nothing after it, an unknown command (RO701, with the
nearest command's name).
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

from ruleops.esql.codes import SYNTAX, UNKNOWN_COMMAND
from ruleops.query.syntax_error import CoveringSyntaxError


class EsqlSyntaxError(CoveringSyntaxError):
    """A query Elasticsearch would not accept, located in the query text; the error covers
    at least the character at `offset`."""

    DEFAULT = SYNTAX


SOURCE_COMMANDS = ("FROM", "ROW", "SHOW", "TS")
PROCESSING_COMMANDS = (
    "WHERE",
    "EVAL",
    "STATS",
    "INLINE STATS",
    "KEEP",
    "DROP",
    "RENAME",
    "SORT",
    "LIMIT",
    "DISSECT",
    "GROK",
    "MV_EXPAND",
    "ENRICH",
    "LOOKUP JOIN",
    "CHANGE_POINT",
    "COMPLETION",
    "SAMPLE",
    "FORK",
    "RERANK",
    "FUSE",
    "URI_PARTS",
    "METRICS_INFO",
)
_COMMAND_TERMINALS = {
    *("WHERE", "EVAL", "STATS", "INLINE", "INLINESTATS", "KEEP", "DROP", "RENAME", "SORT"),
    *("LIMIT", "DISSECT", "GROK", "MV_EXPAND", "ENRICH", "LOOKUP", "CHANGE_POINT"),
    *("COMPLETION", "SAMPLE", "FORK", "RERANK", "FUSE", "URI_PARTS", "METRICS_INFO"),
}

_WORDS: dict[str, str] = {
    "NAME": "a name",
    "QUOTED_NAME": "a name",
    "DOTTED_NAME": "a name",
    "ID_PATTERN": "a column name or pattern",
    "UNQUOTED_SOURCE": "an index pattern",
    "ENRICH_POLICY_NAME": "a policy name",
    "STRING": "a string",
    "INTEGER": "a number",
    "DECIMAL": "a number",
    "PARAM": "a parameter",
    "NAMED_PARAM": "a parameter",
    "DOUBLE_PARAM": "a parameter",
    "NAMED_DOUBLE_PARAM": "a parameter",
    "COMPARE": "a comparison operator (`==`, `!=`, `<`, …)",
    "ADD_OP": "an arithmetic operator",
    "MUL_OP": "an arithmetic operator",
    "CAST_OP": "`::`",
    "AND": "`and`",
    "OR": "`or`",
    "NOT": "`not`",
    "IN": "`in`",
    "IS": "`is`",
    "LIKE": "`like`",
    "RLIKE": "`rlike`",
    "BY": "`by`",
    "ON": "`on`",
    "WITH": "`with`",
    "AS": "`as`",
    "ASC": "`asc`",
    "DESC": "`desc`",
    "NULLS": "`nulls`",
    "METADATA": "`metadata`",
    "WHERE": "`where`",
    "ASSIGN": "`=`",
    "COLON": "`:`",
    "COMMA": "`,`",
    "DOT": "`.`",
    "LP": "`(`",
    "RP": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "PIPE": "`|` and the next command",
    "$END": "the end of the query",
}
_VALUE_STARTS = {"NAME", "STRING", "INTEGER", "DECIMAL", "NULL", "TRUE", "PARAM", "LP"}
_VALUE = "a value (a column, string, number, function call, `true`, `false` or `null`)"
_VALUE_TERMINALS = _VALUE_STARTS | {
    "QUOTED_NAME",
    "DOTTED_NAME",
    "FALSE",
    "NAMED_PARAM",
    "DOUBLE_PARAM",
    "NAMED_DOUBLE_PARAM",
    "LSQB",
    "ADD_OP",
    "NOT",
    "FIRST",
    "LAST",
}


def expected_phrase(expected: set[str]) -> str:
    names = set(expected)
    words: list[str] = []
    if "AND" in names or "COMPARE" in names:
        # after a complete value: what joins or ends it, not the ways it could go on
        names -= {"NAME", "DOT", "LP", "COLON", "CAST_OP", "ADD_OP", "MUL_OP", "IN", "IS"}
        names -= {"LIKE", "RLIKE", "NOT"}
    if len(_VALUE_STARTS & names) >= 4:
        words.append(_VALUE)
        names -= _VALUE_TERMINALS
    if names & {"EVAL", "STATS"}:
        words.append("a command (" + ", ".join(PROCESSING_COMMANDS[:6]) + ", …)")
        names -= _COMMAND_TERMINALS
    order = list(_WORDS)
    for name in sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n)):
        word = _WORDS.get(name, f"`{name.lower()}`")
        if word not in words:
            words.append(word)
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def explain(error: Any, text: str) -> EsqlSyntaxError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken  # noqa: PLC0415 -- heavy: lark

    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream or 0
        special = _character_mistake(text, offset, set(error.allowed or ()))
        if special is not None:
            return special
        expected = set(error.allowed or ())
        return EsqlSyntaxError(
            f"unexpected `{text[offset]}`; expected {expected_phrase(expected)}", offset, text
        )
    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = _accepted(error) or set(error.expected or ())
        if token.type == "$END":
            return _early_end(text, expected)
        special = _token_mistake(text, token, expected)
        if special is not None:
            return special
        return EsqlSyntaxError(
            f"unexpected {_shown(str(token))}; expected {expected_phrase(expected)}",
            token.start_pos,
            text,
            end_offset=token.end_pos,
        )
    offset = getattr(error, "pos_in_stream", None) or 0  # pragma: no cover
    return EsqlSyntaxError("the query does not parse", offset, text)  # pragma: no cover


def _accepted(error: Any) -> set[str]:
    """The terminals that really could come next (lark's `expected` merges contexts)."""
    interactive = getattr(error, "interactive_parser", None)
    if interactive is None:
        return set()
    try:
        return set(interactive.accepts())
    except Exception:  # a builder callback refused the trial token
        return set()


def _shown(piece: str) -> str:
    piece = piece if len(piece) <= 40 else piece[:37] + "…"
    return f"`{piece}`"


def _word_at(text: str, offset: int) -> str:
    match = re.match(r"[^\s|()\[\]{},]+", text[offset:])
    return match.group(0) if match else text[offset : offset + 1]


def _is_command_position(text: str, offset: int) -> str | None:
    """ "source" at the start of the query, "processing" right after a `|` (or a FORK
    branch's `(`), else None."""
    before = _strip_comments(text[:offset]).rstrip()
    if not before or before.endswith(";"):
        return "source"
    if before.endswith("|"):
        return "processing"
    return None


def _strip_comments(text: str) -> str:
    return _comments().sub("", text)


@functools.cache
def _comments() -> re.Pattern[str]:
    """The grammar's own comment terminals (block comments nest)."""
    from ruleops.esql.parser import _parser  # noqa: PLC0415 -- the parser imports this module

    patterns = {t.name: t.pattern.to_regexp() for t in _parser().terminals}
    return re.compile(f"{patterns['LINE_COMMENT']}|{patterns['BLOCK_COMMENT']}")


def _unknown_command(text: str, offset: int, where: str) -> EsqlSyntaxError:
    word = _word_at(text, offset)
    commands = SOURCE_COMMANDS if where == "source" else PROCESSING_COMMANDS
    upper = word.upper()
    if where == "source" and upper in PROCESSING_COMMANDS:
        return EsqlSyntaxError(
            f"a query starts with a source command ({', '.join(SOURCE_COMMANDS)}), not {upper}",
            offset,
            text,
            hint="start with `FROM <index pattern>`",
            end_offset=offset + len(word),
        )
    if where == "processing" and upper in SOURCE_COMMANDS:
        return EsqlSyntaxError(
            f"{upper} is a source command: it can only start the query",
            offset,
            text,
            end_offset=offset + len(word),
            info=UNKNOWN_COMMAND,
        )
    close = difflib.get_close_matches(upper, commands, n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else "commands: " + ", ".join(commands)
    return EsqlSyntaxError(
        f"unknown command `{word}`",
        offset,
        text,
        hint=hint,
        end_offset=offset + len(word),
        info=UNKNOWN_COMMAND,
    )


def _character_mistake(text: str, offset: int, allowed: set[str]) -> EsqlSyntaxError | None:
    rest = text[offset:]
    where = _is_command_position(text, offset)
    if where is not None and re.match(r"[A-Za-z_]", rest):
        return _unknown_command(text, offset, where)
    if rest.startswith("'"):
        return EsqlSyntaxError(
            "ES|QL strings are written in double quotes, not single quotes",
            offset,
            text,
            hint='write "text" (or """text""" for a string without escapes)',
        )
    if rest.startswith('"'):
        return _string_mistake(text, offset)
    if rest.startswith("`"):
        return EsqlSyntaxError(
            "this backquoted name is never closed", offset, text, hint="close it with `"
        )
    if rest.startswith(("&&", "||")):
        word = "and" if rest[0] == "&" else "or"
        return EsqlSyntaxError(
            f"`{rest[:2]}` is not an ES|QL operator; use `{word}`",
            offset,
            text,
            end_offset=offset + 2,
        )
    if rest.startswith("!") and not rest.startswith("!="):
        return EsqlSyntaxError("`!` is not an ES|QL operator; negate with `not`", offset, text)
    return None


def _string_mistake(text: str, offset: int) -> EsqlSyntaxError:
    line_end = text.find("\n", offset)
    line = text[offset : line_end if line_end != -1 else len(text)]
    if line.startswith('"""'):
        return EsqlSyntaxError(
            'this """ string is never closed on its line',
            offset,
            text,
            hint='a """ string cannot span lines; close it with """ on the same line',
            end_offset=offset + 3,
        )
    escape = re.match(r'"(?:[^"\\]|\\[tnr"\\])*(\\.?)', line)
    if escape and escape.group(1):
        bad = escape.group(1)
        where = offset + escape.start(1)
        return EsqlSyntaxError(
            f"`{bad}` is not an escape ES|QL knows in a string",
            where,
            text,
            hint='escapes are \\t \\n \\r \\" and \\\\ (write \\\\ for a backslash); '
            'or write the string in triple quotes, """…""", where backslashes are literal',
            end_offset=where + len(bad),
        )
    return EsqlSyntaxError(
        'this string is never closed: the closing `"` is missing on its line',
        offset,
        text,
        hint="a string cannot span lines; write \\n for a line break",
        end_offset=offset + len(line),
    )


def _early_end(text: str, expected: set[str]) -> EsqlSyntaxError:
    stripped = _strip_comments(text).rstrip()
    offset = len(text.rstrip())
    last = re.search(r"(\S+)\s*$", stripped)
    tail = last.group(1) if last else ""
    if tail == "|":
        return EsqlSyntaxError(
            "the query ends with `|`: a command must follow it",
            offset - 1,
            text,
            hint="remove the trailing `|` or add a command",
        )
    if _VALUE_STARTS & expected and (
        tail.lower() in ("and", "or", "not", "in", "like", "rlike")
        or re.search(r"(?:==|!=|<=|>=|=~|[<>+\-*/%=,(:])$", tail)
    ):
        where = offset - len(tail)
        return EsqlSyntaxError(
            f"the query ends after `{tail}`: {_VALUE} must follow",
            where,
            text,
            end_offset=offset,
        )
    return EsqlSyntaxError(
        f"the query ends too early; expected {expected_phrase(expected)}",
        offset,
        text,
    )


def _token_mistake(text: str, token: Any, expected: set[str]) -> EsqlSyntaxError | None:
    offset, end = token.start_pos, token.end_pos
    value = str(token)
    where = _is_command_position(text, offset)
    if where is not None and token.type not in ("PIPE",):
        return _unknown_command(text, offset, where)
    if value.startswith(("'", "&&", "||", "!")):
        found = _character_mistake(text, offset, set())
        if found is not None:
            return found
    if token.type == "ASSIGN" and "COMPARE" in expected:
        return EsqlSyntaxError(
            "`=` assigns a column; compare with `==`",
            offset,
            text,
            hint="write `==` (or `=~` to ignore case)",
            end_offset=end,
        )
    if token.type == "PIPE" and _VALUE_STARTS & expected:
        before = _strip_comments(text[:offset]).rstrip()
        tail = re.search(r"(\S+)$", before)
        shown = tail.group(1) if tail else ""
        return EsqlSyntaxError(
            f"`{shown}` needs something after it before the next `|`; expected "
            f"{expected_phrase(expected)}",
            offset,
            text,
            end_offset=end,
        )
    if token.type == "COMPARE" and "COMPARE" not in expected:
        return EsqlSyntaxError(
            f"unexpected `{value}`: comparisons cannot be chained",
            offset,
            text,
            hint="write `a < b and b < c`",
            end_offset=end,
        )
    if token.type in ("NAME", "DOTTED_NAME", "STRING", "INTEGER", "QUOTED_NAME") and (
        expected & {"AND", "OR", "COMPARE", "COMMA", "PIPE"}
    ):
        return EsqlSyntaxError(
            f"unexpected {_shown(value)}; expected {expected_phrase(expected)}",
            offset,
            text,
            hint="join conditions with `and` or `or`, and separate items with `,`",
            end_offset=end,
        )
    return None
