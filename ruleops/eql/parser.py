"""EQL text → `Query` (ruleops.eql.ast on top of the shared condition form).

The lark grammar (grammar.lark) is compiled once, on first use, into an LALR parser whose
callbacks build the AST while parsing (no parse tree is kept). Results are memoised:
a rule's query is parsed by several checks, and a commit hook sees the same queries again.

Errors are `EqlSyntaxError`s that say what was expected and where, with a hint for the
mistakes people coming from Endgame EQL, SQL or KQL make (`=`, single quotes, `?"raw"`,
`descendant of`, `| unique`, …).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ruleops.cache import user_cache_dir
from ruleops.diagnostics import CheckInfo
from ruleops.eql.ast import Clause, EventQuery, Pipe, PipeKind, Query, Sample, Sequence
from ruleops.eql.codes import ENDGAME_SYNTAX, SAMPLE_OPTION, SYNTAX_ERROR
from ruleops.eql.errors import ENDGAME_PIPES, explain
from ruleops.eql.errors import EqlSyntaxError as EqlSyntaxError  # re-exported
from ruleops.query.ast import (
    NO_SPAN,
    And,
    Arithmetic,
    ArithmeticOp,
    Call,
    Compare,
    CompareOp,
    Expr,
    Field,
    InSet,
    Literal,
    Match,
    MatchKind,
    Negate,
    Not,
    Or,
    Span,
    fields,
)
from ruleops.query.evaluate import EvaluationError, script_value
from ruleops.query.fast_lalr import FAILED, FastLalr, fast_or_none
from ruleops.query.lark_spans import end_of, span_of, start_of
from ruleops.query.nesting import MAX_QUERY_DEPTH, TOO_DEEP_HINT, too_deep

if TYPE_CHECKING:
    from lark import Lark

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")

MAXSPAN_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


class _Reject(Exception):
    """Raised inside the transformer; turned into an EqlSyntaxError with the query text."""

    def __init__(
        self,
        message: str,
        start: int,
        end: int,
        hint: str | None = None,
        info: CheckInfo = SYNTAX_ERROR,
    ) -> None:
        super().__init__(message)
        self.message, self.start, self.end, self.hint, self.info = message, start, end, hint, info


# ---------------------------------------------------------------------------- public API


@functools.lru_cache(maxsize=8192)
def parse_eql(text: str) -> Query:
    """Parse an EQL query. Raises `EqlSyntaxError`."""
    from lark.exceptions import UnexpectedInput  # noqa: PLC0415 -- heavy: lark

    try:
        # the builder's callbacks run inside the parser: what it returns is the Query
        fast = _fast_parser()
        query: Query = fast.parse(text) if fast is not None else FAILED
        if query is FAILED:  # not EQL: lark's own parser says why
            query = cast(Query, _parser().parse(text))
    except _Reject as reject:
        raise EqlSyntaxError(
            reject.message, reject.start, text, reject.hint, reject.info, reject.end
        ) from None
    except UnexpectedInput as error:
        raise explain(error, text, _parser()) from None
    _refuse_deep_nesting(query, text)
    return query


def _refuse_deep_nesting(query: Query, text: str) -> None:
    """A located syntax error for a condition nested beyond MAX_QUERY_DEPTH (the LALR
    parser builds any depth without recursion; the consumers of the tree recurse)."""
    body = query.body
    if isinstance(body, EventQuery):
        conditions = [body.condition]
    else:
        clauses = [
            *body.clauses,
            *([body.until] if isinstance(body, Sequence) and body.until else []),
        ]
        conditions = [clause.query.condition for clause in clauses]
    for condition in conditions:
        deep = too_deep(condition)
        if deep is not None:
            raise EqlSyntaxError(
                f"the condition is nested too deeply: more than {MAX_QUERY_DEPTH} levels",
                deep.span.start,
                text,
                TOO_DEEP_HINT,
                end_offset=max(deep.span.end, deep.span.start + 1),
            )


@functools.cache
def _fast_parser() -> FastLalr | None:
    """The same grammar, tables and callbacks run by FastLalr (about twice as fast as lark's
    loop on the corpus); lark's own parser reads what does not parse."""
    return fast_or_none(_parser())


@functools.cache
def _parser() -> Lark:
    """The LALR parser, built once per process.

    Analysing the grammar takes ~100 ms, a noticeable part of a commit hook's run, so lark
    keeps the analysed tables in the user's cache folder (checked against a hash of the
    grammar and options; a missing, stale or unreadable cache is rebuilt).
    """
    from lark import Lark  # noqa: PLC0415 -- heavy: lark

    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        transformer=_Builder(),
        maybe_placeholders=True,
        cache=_cache_file(),
    )


def _cache_file() -> str | bool:
    """A file in the user's own cache folder (the cache is a pickle: nobody else should be
    able to plant one); False if there is none."""
    folder = user_cache_dir()
    if folder is None:
        return False
    return str(folder / f"eql-grammar-py{sys.version_info[0]}{sys.version_info[1]}.lark")


# ---------------------------------------------------------------------------- AST building


_ESCAPES = {"t": "\t", "b": "\b", "f": "\f", "n": "\n", "r": "\r", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u\{[^}]*\}?|.)", re.S)
_HEX_DIGITS = re.compile("[0-9a-fA-F]+")


def _unescape(token: Any) -> str:
    """The value of a string token. Unknown escapes such as `\\w` are kept as written."""
    return _string_value(str(token), token.start_pos)


def _string_value(raw: str, start: int) -> str:
    if raw.startswith('"""'):
        return raw[3:-3]
    body = raw[1:-1]
    if "\\" not in body:
        return body

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in _ESCAPES:
            return _ESCAPES[code]
        if code.startswith("u{"):
            digits = code[2:-1] if code.endswith("}") else code[2:]
            where = start + 1 + match.start()
            if not code.endswith("}") or not 2 <= len(digits) <= 8:
                raise _Reject(
                    f"a unicode escape takes 2 to 8 hex digits in braces, not `{match.group(0)}`",
                    where,
                    where + len(match.group(0)),
                    hint="write for example `\\u{2E}`",
                )
            point = int(digits, 16) if _HEX_DIGITS.fullmatch(digits) else -1
            # ES (AbstractBuilder.hexToUnicode) rejects surrogates and whatever is not a
            # code point: beyond U+10FFFF, or too large for an int (`\u{FFFFFFFa}`)
            if not 0 <= point <= 0x10FFFF or 0xD800 <= point <= 0xDFFF:
                raise _Reject(
                    f"`{match.group(0)}` is not a valid unicode character",
                    where,
                    where + len(match.group(0)),
                    hint="a code point is at most 10FFFF and not a surrogate (D800 to DFFF)",
                )
            return chr(point)
        if code == "u":
            # the lexer knows only `\u{…}`: `"\uad12"` is a token recognition error
            where = start + 1 + match.start()
            raise _Reject(
                "a unicode escape is written with braces: `\\u{…}`",
                where,
                where + 2,
                hint="write for example `\\u{00E9}` for é",
            )
        # AbstractBuilder.unquoteString passes unknown escapes through (`\w`)
        return "\\" + code

    return _ESCAPE_RE.sub(replace, body)


def string_source_offset(raw: str, index: int) -> int:
    """Where, in a string literal's source text `raw` (quotes included), the character
    `index` of its value is written: escapes make the two differ."""
    if raw.startswith('"""'):
        return min(3 + index, len(raw))
    position, produced, end = 1, 0, len(raw) - 1
    while position < end:
        width, step = 1, 1
        if raw[position] == "\\":
            match = _ESCAPE_RE.match(raw, position, end)
            if match is not None:
                code = match.group(1)
                known = code in _ESCAPES or code.startswith("u{")
                width, step = (1 if known else 2), len(match.group(0))
        if produced + width > index:
            return position + index - produced
        produced += width
        position += step
    return end


def _field_part(token: Any) -> list[str]:
    text = str(token)
    if text.startswith("`"):
        return [text[1:-1].replace("``", "`")]
    return text.split(".")


# Inside a STRING_LIST token: the strings, and the comments to step over (a comment may
# contain quotes).
_LIST_ITEM = re.compile(
    r'//[^\n]*|/\*[\s\S]*?\*/|"""[\s\S]*?"""(?:""?(?!"))?|"(?:[^"\\\r\n]|\\[^\r\n])*"'
)


def _string_list(token: Any) -> tuple[Literal, ...]:
    """The string literals of a STRING_LIST token, each with its own span."""
    base = token.start_pos
    items = []
    for match in _LIST_ITEM.finditer(str(token)):
        raw = match.group(0)
        if raw[0] == "/":
            continue
        start = base + match.start()
        items.append(Literal(_string_value(raw, start), Span(start, start + len(raw))))
    return tuple(items)


# Elasticsearch's reserved words. Where the parser expects a name, the lexer reads them as
# names (it only knows the keywords that could come next), so they are refused here.
RESERVED = frozenset(
    [
        "and",
        "any",
        "by",
        "false",
        "fork",
        "in",
        "join",
        "like",
        "maxspan",
        "not",
        "null",
        "of",
        "or",
        "regex",
        "sample",
        "sequence",
        "true",
        "until",
        "where",
        "with",
    ]
)


def _not_a_keyword(token: Any, what: str) -> None:
    if token.type == "NAME" and str(token) in RESERVED:
        hint = (
            f'write the category as a string: "{token}" where …'
            if what == "event category"
            else f"write a field named {token} in backquotes: `{token}`"
        )
        article = "an" if what[0] in "aeiou" else "a"
        raise _Reject(
            f"`{token}` is an EQL keyword, not {article} {what} name",
            token.start_pos,
            token.end_pos,
            hint=hint,
        )


class _Builder:
    """Callbacks of the LALR parser: each grammar rule's children → an AST node."""

    # -- structure

    def start(self, children: list[Any]) -> Query:
        return cast(Query, children[0])

    def query(self, children: list[Any]) -> Query:
        body, *pipes = children
        return Query(body, tuple(pipes), span_of(body, children[-1]))

    def event_query(self, children: list[Any]) -> EventQuery:
        category, _where, condition = children
        return EventQuery(category[0], condition, Span(category[1], end_of(condition)))

    def category(self, children: list[Any]) -> tuple[str | None, int]:
        (token,) = children
        if token.type == "ANY":
            return None, token.start_pos
        if token.type in ("STRING", "RAW_STRING"):
            return _unescape(token), token.start_pos
        if token.type == "QUOTED_NAME":
            # ExpressionTests.testIdentifierForEventTypeDisallowed: "no viable alternative"
            name = _field_part(token)[0]
            raise _Reject(
                "an event category is a name or a string, not a backquoted name",
                token.start_pos,
                token.end_pos,
                hint=f'write "{name}" where …',
            )
        _not_a_keyword(token, "event category")
        return str(token), token.start_pos

    def join_keys(self, children: list[Any]) -> tuple[Field, ...]:
        return tuple(children[1:])

    def late_keys(self, children: list[Any]) -> Any:
        keys = children[0]
        raise _Reject(
            "`by` must come before `with maxspan=…` in the sequence header",
            start_of(keys[0]) if keys else 0,
            end_of(keys[-1]) if keys else 1,
            hint="write `sequence by <keys> with maxspan=<time>`",
        )

    def key(self, children: list[Any]) -> Field:
        (value,) = children
        if not isinstance(value, Field):
            raise _Reject(
                "join keys must be field names, not expressions",
                start_of(value),
                end_of(value),
                hint="Elasticsearch joins on field values only; key on the field itself",
                info=ENDGAME_SYNTAX,
            )
        return value

    def maxspan(self, children: list[Any]) -> tuple[str, int | None, Span]:
        with_token, _maxspan, _assign, number, unit = children
        text = str(number.value) + (str(unit) if unit is not None else "")
        factor = MAXSPAN_UNITS_MS.get(str(unit)) if unit is not None else None
        ms = number.value * factor if factor is not None and type(number.value) is int else None
        return text, ms, span_of(with_token, unit if unit is not None else number)

    def span_amount(self, children: list[Any]) -> Literal:
        return self.number(children)

    def runs(self, children: list[Any]) -> tuple[int, Span]:
        _with, name, _assign, number = children
        if str(name) != "runs":
            raise _Reject(
                f"unknown clause option `{name}`; the only option of a clause is `runs`",
                name.start_pos,
                name.end_pos,
                hint="write `with runs=N` after the clause (and after its `by` keys)",
            )
        if type(number.value) is not int:
            raise _Reject("`runs` takes a whole number", number.span.start, number.span.end)
        return number.value, Span(start_of(children[0]), number.span.end)

    def subquery(self, children: list[Any]) -> tuple[EventQuery, bool, int, int]:
        open_token, query, close = children
        return query, open_token.type == "MISSING_OPEN", open_token.start_pos, close.end_pos

    def term(self, children: list[Any]) -> Clause:
        (query, missing, start, end), keys, runs = children
        count, runs_span = 1, NO_SPAN
        if keys:
            end = end_of(keys[-1])
        if runs is not None:
            count, runs_span = runs
            end = runs_span.end
        return Clause(query, tuple(keys or ()), count, missing, Span(start, end), runs_span)

    def until(self, children: list[Any]) -> Clause:
        return cast(Clause, children[1])

    def sequence(self, children: list[Any]) -> Sequence:
        head, keys, maxspan, _late, *terms, until = children
        _check_clause_count("sequence", head, terms)
        text, ms, maxspan_span = maxspan if maxspan else (None, None, NO_SPAN)
        span = Span(head.start_pos, end_of(until if until is not None else terms[-1]))
        return Sequence(tuple(terms), tuple(keys or ()), ms, text, until, span, maxspan_span)

    def sample(self, children: list[Any]) -> Sample:
        head, keys, maxspan, _late, *terms, until = children
        _check_clause_count("sample", head, terms)
        if maxspan is not None:
            span = maxspan[2]
            raise _Reject(
                "a sample takes no `with maxspan`: its events need not be close in time",
                span.start,
                span.end,
                hint="use a sequence if the events must happen within a time window",
                info=SAMPLE_OPTION,
            )
        if until is not None:
            raise _Reject(
                "a sample takes no `until` clause",
                until.span.start,
                until.span.end,
                hint="use a sequence if an event must cancel the match",
                info=SAMPLE_OPTION,
            )
        return Sample(tuple(terms), tuple(keys or ()), Span(head.start_pos, end_of(terms[-1])))

    def pipe(self, children: list[Any]) -> Pipe:
        bar, name, args = children
        kind = str(name)
        end = end_of(args[-1]) if args else name.end_pos
        if kind in ENDGAME_PIPES:
            raise _Reject(
                f"`| {kind}` is Endgame EQL syntax; "
                "Elasticsearch supports only `| head` and `| tail`",
                bar.start_pos,
                end,
                hint=ENDGAME_PIPES[kind],
                info=ENDGAME_SYNTAX,
            )
        if kind not in ("head", "tail"):
            raise _Reject(
                f"unknown pipe `| {kind}`; Elasticsearch supports only `| head N` and `| tail N`",
                bar.start_pos,
                end,
            )
        # LogicalPlanBuilder.pipeIntArgument: one constant integer expression, not negative
        count = _constant_integer(args[0]) if args and len(args) == 1 else None
        if count is None or count < 0:
            raise _Reject(
                f"`| {kind}` takes one positive whole number",
                bar.start_pos,
                end,
                hint=f"write for example `| {kind} 10`",
            )
        return Pipe(cast(PipeKind, kind), count, Span(bar.start_pos, end))

    def pipe_args(self, children: list[Any]) -> list[Expr]:
        return children

    # -- conditions

    def or_expr(self, children: list[Any]) -> Expr:
        operands: list[Expr] = []
        for child in children[::2]:
            operands.extend(child.operands if isinstance(child, Or) else (child,))
        return Or(tuple(operands), span_of(children[0], children[-1]))

    def and_expr(self, children: list[Any]) -> Expr:
        operands: list[Expr] = []
        for child in children[::2]:
            operands.extend(child.operands if isinstance(child, And) else (child,))
        return And(tuple(operands), span_of(children[0], children[-1]))

    def negation(self, children: list[Any]) -> Not:
        not_token, operand = children
        return Not(operand, span_of(not_token, operand))

    def in_set(self, children: list[Any]) -> InSet:
        value, op, (options, close) = children
        return InSet(value, options, op == "in~", span_of(value, close))

    def not_in_set(self, children: list[Any]) -> Not:
        value, _not, op, (options, close) = children
        span = span_of(value, close)
        return Not(InSet(value, options, op == "in~", span), span)

    def value_list(self, children: list[Any]) -> tuple[tuple[Expr, ...], Any]:
        if len(children) == 1:
            return _string_list(children[0]), children[0]
        return tuple(children[1:-1]), children[-1]

    def match(self, children: list[Any]) -> Match:
        value, op, (literals, last) = children
        kind: MatchKind = "regex" if op.startswith("regex") else "wildcard"
        insensitive = op == ":" or op.endswith("~")
        patterns = tuple(literal.value for literal in literals)
        spans = tuple(literal.span for literal in literals)
        return Match(value, patterns, kind, insensitive, span_of(value, last), spans)

    def patterns(self, children: list[Any]) -> tuple[tuple[Literal, ...], Any]:
        if len(children) == 1 and getattr(children[0], "type", None) == "STRING_LIST":
            return _string_list(children[0]), children[0]
        return tuple(c for c in children if isinstance(c, Literal)), children[-1]

    def compare(self, children: list[Any]) -> Compare:
        left, op, right = children
        return Compare(cast(CompareOp, str(op)), left, right, span_of(left, right))

    def arithmetic(self, children: list[Any]) -> Arithmetic:
        left, op, right = children
        return Arithmetic(cast(ArithmeticOp, str(op)), left, right, span_of(left, right))

    def unary(self, children: list[Any]) -> Expr:
        op, operand = children
        span = span_of(op, operand)
        if op == "+":
            return cast(Expr, operand)
        value = operand.value if isinstance(operand, Literal) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Literal(-value, span)
        return Negate(operand, span)

    def parenthesized(self, children: list[Any]) -> Expr:
        # the group's text includes its parentheses, so that `not (…)` ends at its `)`
        lpar, inner, rpar = children
        grouped: Expr = dataclasses.replace(inner, span=Span(lpar.start_pos, rpar.end_pos))
        return grouped

    def call(self, children: list[Any]) -> Call:
        name, _lpar, args, rpar = children
        text = str(name)
        insensitive = text.endswith("~")
        return Call(text.rstrip("~").lower(), tuple(args or ()), insensitive, span_of(name, rpar))

    def arguments(self, children: list[Any]) -> list[Expr]:
        return children

    def field(self, children: list[Any]) -> Field:
        optional, path = children
        parts, first, last = path
        start = optional.start_pos if optional is not None else first.start_pos
        return Field(tuple(parts), Span(start, last.end_pos), optional is not None)

    def path(self, children: list[Any]) -> tuple[list[str], Any, Any]:
        parts: list[str] = []
        for token in children:
            _not_a_keyword(token, "field")
            parts.extend(_field_part(token))
        return parts, children[0], children[-1]

    # -- literals

    def string(self, children: list[Any]) -> Literal:
        (token,) = children
        return Literal(_unescape(token), Span(token.start_pos, token.end_pos))

    def number(self, children: list[Any]) -> Literal:
        (token,) = children
        text = str(token)
        value: int | float = float(text) if token.type == "DECIMAL" else int(text)
        return Literal(value, Span(token.start_pos, token.end_pos))

    def true(self, children: list[Any]) -> Literal:
        return Literal(True, Span(children[0].start_pos, children[0].end_pos))

    def false(self, children: list[Any]) -> Literal:
        return Literal(False, Span(children[0].start_pos, children[0].end_pos))

    def null(self, children: list[Any]) -> Literal:
        return Literal(None, Span(children[0].start_pos, children[0].end_pos))


def _constant_integer(expr: Expr) -> int | None:
    """The value of an expression without fields whose value is an integer (`1 + 1`,
    `add(2, 3)`), as Elasticsearch folds it; None for anything else."""
    if fields(expr):
        return None
    try:
        value = script_value(expr, {})
    except EvaluationError:
        return None
    return value if type(value) is int else None


def _check_clause_count(kind: str, head: Any, terms: list[Clause]) -> None:
    if sum(max(term.runs, 1) for term in terms) < 2:
        raise _Reject(
            f"a {kind} needs at least two bracketed queries, found {len(terms)}",
            head.start_pos,
            end_of(terms[-1]),
            hint="for a single event, write the event query without brackets",
        )
    if kind == "sequence" and all(term.missing for term in terms):
        raise _Reject(
            "every query of this sequence is a missing event (`![ … ]`); at least one must "
            "be an event that occurs",
            head.start_pos,
            end_of(terms[-1]),
        )
