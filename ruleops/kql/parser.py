"""KQL text → the shared condition form (`ruleops.query.ast`).

The lark grammar (grammar.lark) follows Kibana's own KQL parser; it is compiled once, on
first use, into an LALR parser whose callbacks lower each construct as it is recognised:

    field:value          Match(kind="term")        exact on keyword, numeric, boolean fields
    field:val*ue         Match(kind="wildcard")    `*` is the only wildcard in KQL
    field:"a phrase"     Match(kind="phrase")      quoted: no wildcards; a phrase on text fields
    field:(a or b)       one Match with both patterns when the ORed values share a kind
    field:(a and not b)  And / Not of Matches on the same field
    field:*              Exists
    field >= 10          Compare (numbers when the bound is an unquoted number)
    not / and / or       Not / And / Or
    field:{ sub:v }      And(nested=("field",)) of the inner query, fields prefixed:
                         one object of the array `field` must satisfy all of it
    value                free text: Match on `ALL_FIELDS`, Field(("*",)), i.e. any field

Field names may contain `*` (`process.*:x`): the path keeps the `*` segment, and a consumer
expands it against the event's or the schema's fields (`*` spans dots, as in Kibana).
Matches are never case-insensitive: KQL has no case folding of its own (keyword fields
compare exactly); see semantics.md for the evaluation rules.

A value with both a literal (escaped) `*` and a wildcard `*` cannot be written as a wildcard
pattern, whose `*` is always a wildcard; it becomes an equivalent anchored regular
expression (Match(kind="regex")) with every other character escaped.

Spans are offsets into the query text. Errors are `KqlSyntaxError`s (errors.py) that say
what was expected and where, with a hint for the usual mistakes.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ruleops.kql.errors import SYNTAX, explain_failure
from ruleops.kql.errors import KqlSyntaxError as KqlSyntaxError  # re-exported
from ruleops.query.ast import (
    And,
    Compare,
    CompareOp,
    Exists,
    Expr,
    Field,
    Literal,
    Match,
    Not,
    Or,
    Span,
    children,
    rebuild,
)
from ruleops.query.fast_lalr import FAILED, FastLalr, fast_or_none
from ruleops.query.lark_spans import end_of, span_of
from ruleops.query.nesting import MAX_QUERY_DEPTH, TOO_DEEP_HINT, too_deep
from ruleops.query.wildcard import regex_literal

__all__ = ["ALL_FIELDS", "SYNTAX", "KqlSyntaxError", "parse_kql"]

if TYPE_CHECKING:
    from lark import Lark

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")

# Free text (`mimikatz` with no field) searches every field; so does the field name `*`.
ALL_FIELDS: tuple[str, ...] = ("*",)

_SPACE = " \t\r\n\u00a0"


class _Reject(Exception):
    """Raised by a callback; turned into a KqlSyntaxError with the query text."""

    def __init__(self, message: str, start: int, end: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.start, self.end, self.hint = message, start, end, hint


# ---------------------------------------------------------------------------- public API


@functools.lru_cache(maxsize=8192)
def parse_kql(text: str) -> Expr:
    """Parse a KQL query into the shared condition form. Raises `KqlSyntaxError`.

    An empty query is valid KQL and matches every event: it parses to `Literal(True)`.
    """
    from lark.exceptions import UnexpectedInput, VisitError  # noqa: PLC0415 -- heavy: lark

    try:
        fast = _fast_parser()
        parsed: Expr = fast.parse(text) if fast is not None else FAILED
        if parsed is FAILED:  # not KQL: lark's own parser says why
            parsed = cast(Expr, _parser().parse(text))  # the callbacks build the Expr
        _refuse_deep_nesting(parsed, children)
        return parsed
    except _Reject as reject:
        raise KqlSyntaxError(reject.message, reject.start, text, reject.hint, reject.end) from None
    except VisitError as error:  # pragma: no cover - inline callbacks raise directly
        inner = error.orig_exc
        if isinstance(inner, _Reject):
            raise KqlSyntaxError(inner.message, inner.start, text, inner.hint, inner.end) from None
        raise
    except UnexpectedInput as error:
        raise explain_failure(error, text) from None


@functools.cache
def _fast_parser() -> FastLalr | None:
    """The same grammar, tables and callbacks run by FastLalr (about twice as fast as lark's
    loop on the corpus); lark's own parser reads what does not parse."""
    return fast_or_none(_parser())


@functools.cache
def _parser() -> Lark:
    from lark import Lark  # noqa: PLC0415 -- heavy: lark

    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        transformer=_Builder(),
        cache=False,
    )


# ---------------------------------------------------------------------------- literals


@dataclass(frozen=True)
class _Value:
    """A decoded literal: its text pieces, with wildcard `*`s as separate markers."""

    pieces: tuple[str | None, ...]  # None is a wildcard
    quoted: bool
    span: Span
    raw: str

    @property
    def has_wildcard(self) -> bool:
        return None in self.pieces

    @property
    def text(self) -> str:
        """The value with wildcards written as `*` (and literal `*`s, if any, also as `*`)."""
        return "".join("*" if piece is None else piece for piece in self.pieces)

    @property
    def is_lone_wildcard(self) -> bool:
        return self.pieces == (None,)


_UNQUOTED_ESCAPE = re.compile(
    r"\\((?-i:[trn]))|\\([\\():<>\"*{}])|\\(?-i:u)([0-9a-fA-F]{4})|\\(or|and|not)|(\*)|([^\\*]+)",
    re.IGNORECASE,
)
_QUOTED_ESCAPE = re.compile(r"\\([trn])|\\u([0-9a-fA-F]{4})|\\([\"\\])")
_WHITESPACE_ESCAPES = {"t": "\t", "r": "\r", "n": "\n"}


def _decode(token: Any) -> _Value:
    raw = str(token)
    if token.type == "QUOTED":
        body = _QUOTED_ESCAPE.sub(_quoted_escape, raw[1:-1])
        return _Value((body,), True, Span(token.start_pos, token.end_pos), raw)
    pieces: list[str | None] = []
    for match in _UNQUOTED_ESCAPE.finditer(raw):
        space, special, code, keyword, star, plain = match.groups()
        if star:
            pieces.append(None)
        else:
            char = (
                _WHITESPACE_ESCAPES[space]
                if space
                else special or keyword or plain or chr(int(code, 16))
            )
            if pieces and isinstance(pieces[-1], str):
                pieces[-1] += char
            else:
                pieces.append(char)
    # Kibana trims the decoded value; whitespace before a keyword or `)` is not part of it.
    if pieces and isinstance(pieces[0], str):
        pieces[0] = pieces[0].lstrip()
    if pieces and isinstance(pieces[-1], str):
        pieces[-1] = pieces[-1].rstrip()
    pieces = [p for p in pieces if p != ""]
    end = token.start_pos + len(raw.rstrip(_SPACE))
    return _Value(tuple(pieces), False, Span(token.start_pos, end), raw[: end - token.start_pos])


def _quoted_escape(match: re.Match[str]) -> str:
    space, code, char = match.groups()
    if space:
        return _WHITESPACE_ESCAPES[space]
    if code:
        return chr(int(code, 16))
    return char


def _number(text: str) -> int | float | None:
    if "_" in text:  # Python reads 1_000 as a number; Elasticsearch does not
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value if text.strip().lower() not in ("nan", "inf", "-inf", "+inf", "infinity") else None


def _scalar(value: _Value) -> str | int | float | bool | None:
    """A range bound: unquoted numbers are numbers; `true`/`false`/`null` as in Kibana."""
    text = value.text
    if value.quoted:
        return text
    keyword = {"true": True, "false": False, "null": None}
    if text in keyword:
        return keyword[text]
    number = _number(text)
    return number if number is not None else text


def _regex_for(value: _Value) -> str:
    """An anchored regex for a value mixing literal and wildcard `*`s. Only punctuation is
    escaped, which Lucene and Python regular expressions both read as a literal."""
    parts = []
    for piece in value.pieces:
        if piece is None:
            parts.append(".*")
        else:
            parts.append(regex_literal(piece))
    return "".join(parts)


# ---------------------------------------------------------------------------- lowering


def _field(value: _Value) -> Field:
    text = value.text
    literal_star = "*" in "".join(p for p in value.pieces if p)
    if value.has_wildcard and literal_star:
        raise _Reject(
            "a field name cannot mix an escaped `\\*` with a wildcard `*`",
            value.span.start,
            value.span.end,
        )
    # A quoted or escaped `*` is a character of the name (Kibana: a literal node, not a
    # wildcard node, so getFields looks the name up as written)
    return Field(tuple(text.split(".")) if text else ("",), value.span, verbatim=literal_star)


def _lower_value(field: Field, value: _Value, span: Span) -> Expr:
    if value.quoted:
        return Match(field, (value.text,), kind="phrase", span=span)
    if value.is_lone_wildcard:
        return Exists(field, span)
    if not value.has_wildcard:
        return Match(field, (value.text,), kind="term", span=span)
    if any(piece is not None and "*" in piece for piece in value.pieces):
        return Match(field, (_regex_for(value),), kind="regex", span=span)
    return Match(field, (value.text,), kind="wildcard", span=span)


@dataclass(frozen=True)
class _ValueTree:
    """A value list before the field is known: `(a or b)`, `(a and not b)`."""

    op: str  # "or", "and", "not", "group"
    items: tuple[Any, ...]
    span: Span


def _lower_values(field: Field, tree: Any, outer: Span | None = None) -> Expr:
    if isinstance(tree, _Value):
        return _lower_value(field, tree, outer or tree.span)
    if tree.op == "group":
        (inner,) = tree.items
        return _lower_values(field, inner, outer or tree.span)
    if tree.op == "not":
        return Not(_lower_values(field, tree.items[0]), outer or tree.span)
    lowered = [_lower_values(field, item) for item in tree.items]
    if tree.op == "and":
        return And(tuple(lowered), outer or tree.span)
    return _merge_or(lowered, outer or tree.span)


def _merge_or(operands: list[Expr], span: Span) -> Expr:
    """`f:(a or b or c*)`: ORed matches of one kind on one field become one Match."""
    merged: list[Expr] = []
    by_kind: dict[str, int] = {}
    for operand in operands:
        if isinstance(operand, Match):
            index = by_kind.get(operand.kind)
            if index is not None:
                first = merged[index]
                assert isinstance(first, Match)
                merged[index] = Match(
                    first.value,
                    first.patterns + operand.patterns,
                    kind=first.kind,
                    span=Span(first.span.start, operand.span.end),
                )
                continue
            by_kind[operand.kind] = len(merged)
        merged.append(operand)
    if len(merged) == 1:
        only = merged[0]
        return dataclasses.replace(only, span=span) if isinstance(only, Match) else only
    return Or(tuple(merged), span)


def _prefixed(node: Expr, prefix: tuple[str, ...]) -> Expr:
    """`outer:{ inner }`: the inner query's fields are sub-fields of `outer`."""
    if isinstance(node, Field):
        return dataclasses.replace(node, path=prefix + node.path)
    if isinstance(node, And) and node.nested:
        node = dataclasses.replace(node, nested=prefix + node.nested)
    return rebuild(node, lambda kid: _prefixed(kid, prefix))


def _flatten(kind: type[And] | type[Or], operands: list[Expr]) -> tuple[Expr, ...]:
    out: list[Expr] = []
    for operand in operands:
        # a nested query's `and` is a unit: one object must satisfy all of it
        if (
            isinstance(operand, And | Or)
            and isinstance(operand, kind)
            and not getattr(operand, "nested", ())
        ):
            out.extend(operand.operands)
        else:
            out.append(operand)
    return tuple(out)


_RANGE_OPS: dict[str, CompareOp] = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Builder:
    """Callbacks of the LALR parser: each grammar rule's children → an AST node."""

    def start(self, items: list[Any]) -> Expr:
        return items[0] if items else Literal(True)

    def or_query(self, items: list[Any]) -> Expr:
        operands = [item for item in items if not _is_token(item)]
        return Or(_flatten(Or, operands), span_of(items[0], items[-1]))

    def and_query(self, items: list[Any]) -> Expr:
        operands = [item for item in items if not _is_token(item)]
        return And(_flatten(And, operands), span_of(items[0], items[-1]))

    def negation(self, items: list[Any]) -> Expr:
        not_token, operand = items
        return Not(operand, Span(not_token.start_pos, end_of(operand)))

    def group(self, items: list[Any]) -> Expr:
        # the group's text includes its parentheses, so that `not (…)` ends at its `)`
        lpar, inner, rpar = items
        grouped: Expr = dataclasses.replace(inner, span=Span(lpar.start_pos, rpar.end_pos))
        return grouped

    def nested(self, items: list[Any]) -> Expr:
        # A wildcard path parses, as in Kibana; Elasticsearch rejects it (RO408).
        field, _lbrace, inner, rbrace = items
        _refuse_deep_nesting(inner, children)
        prefixed = _prefixed(inner, field.path)
        operands = (
            prefixed.operands if isinstance(prefixed, And) and not prefixed.nested else (prefixed,)
        )
        return And(operands, Span(field.span.start, rbrace.end_pos), nested=field.path)

    def range(self, items: list[Any]) -> Expr:
        # A `*` in a bound parses, as in Kibana, and reaches Elasticsearch as a character of
        # the bound (range.ts): a number, date or IP field rejects it (RO410).
        field, op, bound = items
        value = _decode(bound)
        span = Span(field.span.start, value.span.end)
        return Compare(_RANGE_OPS[str(op)], field, Literal(_scalar(value), value.span), span)

    def field_value(self, items: list[Any]) -> Expr:
        field, values = items
        if _is_token(values):
            values = _decode(values)
        _refuse_deep_nesting(values, _value_children)
        return _lower_values(field, values, Span(field.span.start, end_of(values)))

    def free_text(self, items: list[Any]) -> Expr:
        value = _decode(items[0])
        return _lower_value(Field(ALL_FIELDS, value.span), value, value.span)

    def field(self, items: list[Any]) -> Field:
        return _field(_decode(items[0]))

    # -- value lists

    def value_group(self, items: list[Any]) -> _ValueTree:
        lpar, inner, rpar = items
        return _ValueTree("group", (_value_item(inner),), Span(lpar.start_pos, rpar.end_pos))

    def value_or(self, items: list[Any]) -> _ValueTree:
        return self._value_op("or", items)

    def value_and(self, items: list[Any]) -> _ValueTree:
        return self._value_op("and", items)

    def value_not(self, items: list[Any]) -> _ValueTree:
        not_token, operand = items
        operand = _value_item(operand)
        return _ValueTree("not", (operand,), Span(not_token.start_pos, end_of(operand)))

    @staticmethod
    def _value_op(op: str, items: list[Any]) -> _ValueTree:
        operands = [
            _value_item(item)
            for item in items
            if not (_is_token(item) and item.type in ("OR", "AND"))
        ]
        flat: list[Any] = []
        for operand in operands:
            if isinstance(operand, _ValueTree) and operand.op == op:
                flat.extend(operand.items)
            else:
                flat.append(operand)
        return _ValueTree(op, tuple(flat), span_of(operands[0], operands[-1]))


def _value_children(item: Any) -> tuple[Any, ...]:
    return item.items if isinstance(item, _ValueTree) else ()


def _refuse_deep_nesting(root: Any, below: Callable[[Any], Iterable[Any]]) -> None:
    """Refuse a query nested beyond MAX_QUERY_DEPTH before anything recurses over it (the
    LALR parser itself builds any depth without recursion)."""
    deep = too_deep(root, MAX_QUERY_DEPTH, below)
    if deep is not None:
        raise _Reject(
            f"the query is nested too deeply: more than {MAX_QUERY_DEPTH} levels",
            deep.span.start,
            max(deep.span.end, deep.span.start + 1),
            hint=TOO_DEEP_HINT,
        )


def _value_item(item: Any) -> Any:
    return _decode(item) if _is_token(item) else item


def _is_token(item: Any) -> bool:
    return hasattr(item, "type") and hasattr(item, "start_pos")
