"""ES|QL text → `Query` (ruleops.esql.ast).

The lark grammar (grammar.lark) is compiled once, on first use, into an LALR parser with a
contextual lexer whose callbacks build the AST while parsing; the analysed tables are kept
in the user's cache folder, as for EQL. Results are memoised: several checks read a rule's
query, and a commit hook sees the same queries again.

Errors are `EsqlSyntaxError`s (the `QuerySyntaxError` family of EQL and KQL) that say what
was expected and where, with a hint for the usual mistakes (`ruleops.esql.errors`).

What the grammar accepts but Elasticsearch's parser refuses while building its plan
(`LogicalPlanBuilder`, `ExpressionBuilder`) is refused here too, as a syntax error: reserved
words used as names, unknown time-span units, wildcards in RENAME, mixed list literals,
integers too large for any type.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

from ruleops.cache import user_cache_dir
from ruleops.esql import ast
from ruleops.esql.ast import Span
from ruleops.esql.errors import EsqlSyntaxError as EsqlSyntaxError  # re-exported
from ruleops.esql.errors import explain
from ruleops.esql.values import TIME_UNITS
from ruleops.query.fast_lalr import FAILED, FastLalr, fast_or_none
from ruleops.query.lark_spans import end_of, span_of, start_of
from ruleops.query.nesting import MAX_QUERY_DEPTH, TOO_DEEP_HINT, too_deep

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")


class _Reject(Exception):
    """Raised inside the builder; turned into an EsqlSyntaxError with the query text."""

    def __init__(self, message: str, start: int, end: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.start, self.end, self.hint = message, start, end, hint


# ---------------------------------------------------------------------------- public API


@functools.lru_cache(maxsize=4096)
def parse_esql(text: str) -> ast.Query:
    """Parse an ES|QL query. Raises `EsqlSyntaxError`."""
    return _parse(text, fast=True)


def _parse(text: str, fast: bool) -> ast.Query:
    """With `fast`, the grammar's tables run by FastLalr first; lark's own parser reads
    what that cannot take (and says why it is not ES|QL)."""
    _SOURCE[0] = text
    try:
        runner = _fast_parser() if fast else None
        query = runner.parse(text) if runner is not None else FAILED
        if query is FAILED:
            query = _parser().parse(text)
        _refuse_deep_nesting(query.commands, text)
        return query
    except _Reject as reject:
        raise EsqlSyntaxError(reject.message, reject.start, text, reject.hint, reject.end) from None
    except Exception as error:
        # (imported here, not per query: most queries parse)
        from lark.exceptions import UnexpectedInput  # noqa: PLC0415 -- heavy: lark

        if isinstance(error, UnexpectedInput):
            raise explain(error, text) from None
        raise
    finally:
        _SOURCE[0] = ""


def _refuse_deep_nesting(commands: tuple[ast.Command, ...], text: str) -> None:
    """A located syntax error for an expression nested beyond MAX_QUERY_DEPTH, as EQL and
    KQL give (the LALR parser builds any depth without recursion; the checks, the evaluator
    and the explainer recurse over the tree). Elasticsearch has its own limit
    (x-pack/plugin/esql `parser/ExpressionBuilder.MAX_EXPRESSION_DEPTH`, 400; 300 in earlier
    releases: "ESQL statement exceeded the maximum expression depth allowed"); ruleops'
    is lower, as for the other languages (the deepest production rule nests 9 levels)."""
    for command in commands:
        if isinstance(command, ast.Fork):
            for branch in command.branches:
                _refuse_deep_nesting(branch, text)
            continue
        for expression in ast.expressions(command):
            if not _deeper_than_the_limit(expression):
                continue
            deep = too_deep(expression, below=ast.children)
            if deep is not None:
                span = getattr(deep, "span", ast.NO_SPAN)
                raise EsqlSyntaxError(
                    f"the expression is nested too deeply: more than {MAX_QUERY_DEPTH} levels",
                    span.start,
                    text,
                    TOO_DEEP_HINT,
                    max(span.end, span.start + 1),
                )


# Expression nodes without sub-expressions (ast.children gives them none).
_LEAVES = frozenset({ast.Column, ast.Literal, ast.Param, ast.Star, ast.TimeSpan})


def _deeper_than_the_limit(expression: ast.Expr, limit: int = MAX_QUERY_DEPTH) -> bool:
    """Whether `expression` nests more than `limit` levels, without walking most of
    it: every node spans its sub-expressions and a token of its own, so a node `n` levels
    deep is at least `n` characters long, and a sub-expression no longer than the levels left
    under the limit cannot cross it (every query is asked; `too_deep` then finds the node
    to report)."""
    level, depth = [expression], 1
    while level:
        if depth > limit:
            return True
        levels_left = limit - depth + 1  # this level's included
        below: list[ast.Expr] = []
        for node in level:
            span = node.span
            if 0 < span.end - span.start <= levels_left or type(node) in _LEAVES:
                continue
            below += ast.children(node)
        level, depth = below, depth + 1
    return False


# The text being parsed: an unnamed expression's column is named by its source text.
_SOURCE = [""]


@functools.cache
def _parser():
    """The LALR parser, built once per process; lark keeps the analysed tables in the
    user's cache folder (checked against a hash of the grammar and options)."""
    from lark import Lark  # noqa: PLC0415 -- heavy: lark

    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        transformer=_Builder(),
        maybe_placeholders=True,
        cache=_cache_file(),
    )


@functools.cache
def _fast_parser() -> FastLalr | None:
    """The same parser run by `FastLalr` (~3x as fast as lark's loop on the corpus)."""
    return fast_or_none(_parser())


def _cache_file() -> str | bool:
    folder = user_cache_dir()
    if folder is None:
        return False
    return str(folder / f"esql-grammar-py{sys.version_info[0]}{sys.version_info[1]}.lark")


# ---------------------------------------------------------------------------- values

# Elasticsearch reserves these words in expressions (lexer/Expression.g4): a column of
# that name must be backquoted.
# Production rules use `source.as.number`, `first(…)` and `last(…)` unquoted, so `as`,
# `first`, `last`, `on` and `with` are not refused as names.
RESERVED = frozenset(
    {
        *("and", "or", "not", "in", "is", "like", "rlike", "null", "true", "false"),
        *("asc", "desc", "nulls", "by", "where"),
    }
)

# Temporal units and their abbreviations (docs: esql-time-spans.md, "Supported temporal
# units"), case-insensitive.

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", '"': '"', "\\": "\\"}


def string_value(raw: str) -> str:
    """The value of a string token: `"…"` with its escapes, `\"\"\"…\"\"\"` as written."""
    if raw.startswith('"""'):
        # `"""a""""` is `a"`: the closing quotes are the last three.
        return raw[3:-3]
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _integer(value: int) -> tuple[int | float, str]:
    """An integer literal's value and type: integer, long, unsigned_long (as Elasticsearch's
    `StringUtils.parseIntegral` types it), else a double."""
    if -(2**31) <= value < 2**31:
        return value, "integer"
    if -(2**63) <= value < 2**63:
        return value, "long"
    if 0 <= value < 2**64:
        return value, "unsigned_long"
    return float(value), "double"


def _name_text(token: Any) -> str:
    text = str(token)
    if text.startswith("`"):
        return text[1:-1].replace("``", "`")
    return text


_PLAIN_NAMES = frozenset({"NAME", "DOTTED_NAME"})


@functools.lru_cache(maxsize=8192)
def _keyword_free(text: str) -> bool:
    """Whether no dot-separated part of `text` is a reserved word (asked of every name a
    query writes, most of them many times: remembered)."""
    return RESERVED.isdisjoint(text.lower().split("."))


def _not_reserved(token: Any) -> None:
    if token.type == "NAME" and str(token).lower() in RESERVED:
        _reserved(str(token), token.start_pos)
    elif token.type == "DOTTED_NAME":
        start = token.start_pos
        for part in str(token).split("."):
            if part.lower() in RESERVED:
                _reserved(part, start)
            start += len(part) + 1


def _reserved(word: str, start: int) -> NoReturn:
    raise _Reject(
        f"`{word}` is an ES|QL keyword, not a name",
        start,
        start + len(word),
        hint=f"write a column named {word} in backquotes: `{word}`",
    )


def _no_reserved_segment(pattern: str, start: int) -> None:
    """A KEEP/DROP pattern's dot-separated segments that are a bare reserved word."""
    for segment in _SEGMENT.finditer(pattern):
        word = segment.group()
        if word.lower() in RESERVED:
            _reserved(word, start + segment.start())


# A pattern's segments between unquoted dots (a backquoted piece may hold dots).
_SEGMENT = re.compile(r"(?:[^.`]|`(?:[^`]|``)*`)+")


def _source_text(node: Any) -> str:
    return _SOURCE[0][start_of(node) : end_of(node)]


def _pattern_parts(text: str) -> list[str]:
    """An ID_PATTERN token's pieces between wildcards: unquoted `*` is a wildcard, a
    backquoted piece is literal."""
    if "`" not in text:
        return text.split("*")
    parts = [""]
    i = 0
    while i < len(text):
        char = text[i]
        if char == "`":
            end = i + 1
            while True:
                end = text.index("`", end)
                if text[end + 1 : end + 2] == "`":
                    end += 2
                    continue
                break
            parts[-1] += text[i + 1 : end].replace("``", "`")
            i = end + 1
        elif char == "*":
            parts.append("")
            i += 1
        else:
            parts[-1] += char
            i += 1
    return parts


class _Builder:
    """Callbacks of the LALR parser: each grammar rule's children → an AST node."""

    # -- structure

    def start(self, children: list) -> ast.Query:
        settings, query = children
        if settings:
            return ast.Query(query.commands, query.span, tuple(settings))
        return query

    def settings(self, children: list) -> list[ast.Setting]:
        return children

    def setting(self, children: list) -> ast.Setting:
        set_token, name, _assign, value, semicolon = children
        return ast.Setting(str(name), value, span_of(set_token, semicolon))

    def query(self, children: list) -> ast.Query:
        commands = children[::2]
        return ast.Query(tuple(commands), span_of(commands[0], commands[-1]))

    # -- source commands

    def from_command(self, children: list) -> ast.From:
        keyword, *rest = children
        metadata = rest.pop()
        sources = tuple(rest[::2])
        end = metadata if metadata is not None else sources[-1]
        return ast.From(
            sources,
            metadata[0] if metadata is not None else (),
            Span(keyword.start_pos, end[1].end if metadata is not None else end.span.end),
            keyword.type == "TS",
        )

    def index_pattern(self, children: list) -> ast.Source:
        if len(children) == 1:
            (token,) = children
            return ast.Source(string_value(str(token)), span_of(token, token))
        first, _colon, index, _cast_op, selector = children
        if index is not None:
            cluster, name = str(first), str(index)
            last = index
        else:
            cluster, name, last = None, str(first), first
        if selector is not None:
            last = selector
        return ast.Source(
            name,
            span_of(first, last),
            cluster,
            str(selector) if selector is not None else None,
        )

    def metadata(self, children: list) -> tuple[tuple[ast.Column, ...], Span]:
        names = children[1::2]
        columns = tuple(ast.Column(str(t), span_of(t, t)) for t in names)
        return columns, span_of(children[0], names[-1])

    def row_command(self, children: list) -> ast.Row:
        keyword, fields = children
        return ast.Row(tuple(fields), span_of(keyword, fields[-1]))

    def show_command(self, children: list) -> ast.Show:
        keyword, item = children
        return ast.Show(str(item).lower(), span_of(keyword, item))

    # -- processing commands

    def where_command(self, children: list) -> ast.Where:
        keyword, condition = children
        return ast.Where(condition, span_of(keyword, condition))

    def eval_command(self, children: list) -> ast.Eval:
        keyword, fields = children
        return ast.Eval(tuple(fields), span_of(keyword, fields[-1]))

    def stats_command(self, children: list) -> ast.Stats:
        keyword, aggregates, _by, groups = children
        last = groups[-1] if groups else (aggregates[-1] if aggregates else keyword)
        return ast.Stats(tuple(aggregates or ()), tuple(groups or ()), span_of(keyword, last))

    def inline_stats_command(self, children: list) -> ast.InlineStats:
        keyword = children[0]
        aggregates, _by, groups = children[-3:]
        last = groups[-1] if groups else aggregates[-1]
        return ast.InlineStats(tuple(aggregates), tuple(groups or ()), span_of(keyword, last))

    def agg_fields(self, children: list) -> list[ast.Aggregation]:
        return children[::2]

    def agg_field(self, children: list) -> ast.Aggregation:
        field, _where, condition = children
        last = condition if condition is not None else field
        span = Span(field.span.start, last.span.end)
        return ast.Aggregation(field.name, field.value, condition, span, field.target)

    def fields(self, children: list) -> list[ast.Assignment]:
        return children[::2]

    def named_field(self, children: list) -> ast.Assignment:
        target, _assign, value = children
        return ast.Assignment(target.name, value, Span(target.span.start, value.span.end), target)

    def field(self, children: list) -> ast.Assignment:
        (value,) = children
        # A bare column keeps its name (`source.`as`.number` is `source.as.number`).
        name = value.name if isinstance(value, ast.Column) else _source_text(value)
        return ast.Assignment(name, value, value.span)

    def keep_command(self, children: list) -> ast.Keep:
        keyword, patterns = children
        return ast.Keep(tuple(patterns), span_of(keyword, patterns[-1]))

    def drop_command(self, children: list) -> ast.Drop:
        keyword, patterns = children
        return ast.Drop(tuple(patterns), span_of(keyword, patterns[-1]))

    def name_patterns(self, children: list) -> list[ast.NamePattern]:
        return children[::2]

    def name_pattern(self, children: list) -> ast.NamePattern:
        parts = [""]
        for token in children:
            if token.type == "DOT":
                parts[-1] += "."
                continue
            if token.type != "ID_PATTERN":
                raise _Reject(
                    "parameters in column patterns are not supported here",
                    token.start_pos,
                    token.end_pos,
                )
            text = str(token)
            if not _keyword_free(text):
                _no_reserved_segment(text, token.start_pos)
            pieces = _pattern_parts(text)
            parts[-1] += pieces[0]
            parts.extend(pieces[1:])
        return ast.NamePattern(tuple(parts), span_of(children[0], children[-1]))

    def rename_command(self, children: list) -> ast.Rename:
        keyword, *items = children
        items = items[::2]
        return ast.Rename(tuple(items), span_of(keyword, items[-1]))

    def rename_as(self, children: list) -> ast.RenameItem:
        old, _as, new = children
        return _rename(old, new, span_of(old, new))

    def rename_assign(self, children: list) -> ast.RenameItem:
        new, _assign, old = children
        return _rename(old, new, span_of(new, old))

    def sort_command(self, children: list) -> ast.Sort:
        keyword, *orders = children
        orders = orders[::2]
        return ast.Sort(tuple(orders), span_of(keyword, orders[-1]))

    def order(self, children: list) -> ast.Order:
        value, direction, _nulls, placement = children
        last = placement or direction or value
        return ast.Order(
            value,
            direction is not None and direction.type == "DESC",
            None if placement is None else placement.type == "FIRST",
            span_of(value, last),
        )

    def limit_command(self, children: list) -> ast.Limit:
        keyword, value = children
        if not (
            isinstance(value, ast.Param)
            or (isinstance(value, ast.Literal) and value.type == "integer")
        ):
            raise _Reject(
                "LIMIT takes a whole number",
                start_of(value),
                end_of(value),
                hint="write for example `| LIMIT 100`",
            )
        if isinstance(value, ast.Literal) and isinstance(value.value, int) and value.value < 0:
            raise _Reject("LIMIT cannot be negative", start_of(value), end_of(value))
        return ast.Limit(value, span_of(keyword, value))

    def dissect_command(self, children: list) -> ast.Dissect:
        keyword, value, pattern, *options = children
        options = [o for o in options[::2] if o is not None]
        pattern_literal = _string_literal(pattern)
        last = options[-1] if options else pattern
        return ast.Dissect(value, pattern_literal, tuple(options), span_of(keyword, last))

    def dissect_option(self, children: list) -> ast.Option:
        name, _assign, value = children
        return ast.Option(str(name), value, span_of(name, value))

    def grok_command(self, children: list) -> ast.Grok:
        keyword, value, *patterns = children
        literals = tuple(_string_literal(p) for p in patterns[::2])
        return ast.Grok(value, literals, span_of(keyword, patterns[-1]))

    def mv_expand_command(self, children: list) -> ast.MvExpand:
        keyword, column = children
        return ast.MvExpand(column, span_of(keyword, column))

    def enrich_command(self, children: list) -> ast.Enrich:
        keyword, policy, _on, match_field, _with, *fields = children
        fields = [f for f in fields[::2] if f is not None]
        name = string_value(str(policy)) if policy.type == "STRING" else str(policy)
        last = fields[-1] if fields else (match_field if match_field is not None else policy)
        return ast.Enrich(name, match_field, tuple(fields), span_of(keyword, last))

    def enrich_with(self, children: list) -> ast.EnrichField:
        new, _assign, field = children
        return ast.EnrichField(field, new, span_of(new if new is not None else field, field))

    def lookup_join_command(self, children: list) -> ast.LookupJoin:
        lookup, _join, index, _on, *conditions = children
        conditions = conditions[::2]
        return ast.LookupJoin(index, tuple(conditions), span_of(lookup, conditions[-1]))

    def change_point_command(self, children: list) -> ast.ChangePoint:
        keyword, value, _on, key, _as, type_name, _comma, pvalue = children
        last = pvalue or key or value
        return ast.ChangePoint(value, key, type_name, pvalue, span_of(keyword, last))

    def completion_command(self, children: list) -> ast.Completion:
        keyword, target, _assign, prompt, _with, options = children
        last = options if options is not None else prompt
        column = _column(target) if target is not None else None
        return ast.Completion(prompt, column, options, span_of(keyword, last))

    def sample_command(self, children: list) -> ast.Sample:
        keyword, value = children
        if not isinstance(value, ast.Param) and not (
            isinstance(value, ast.Literal) and value.type in ("double", "integer")
        ):
            raise _Reject(
                "SAMPLE takes a probability, a number between 0 and 1",
                start_of(value),
                end_of(value),
            )
        return ast.Sample(value, span_of(keyword, value))

    def fork_command(self, children: list) -> ast.Fork:
        keyword, *branches = children
        return ast.Fork(tuple(b[0] for b in branches), Span(keyword.start_pos, branches[-1][1]))

    def fork_branch(self, children: list) -> tuple[tuple[ast.Command, ...], int]:
        commands = children[1:-1:2]
        return tuple(commands), children[-1].end_pos

    def rerank_command(self, children: list) -> ast.Rerank:
        keyword, target, _assign, query, _on, fields, _with, options = children
        last = options if options is not None else fields[-1]
        column = _column(target) if target is not None else None
        return ast.Rerank(query, tuple(fields), column, options, span_of(keyword, last))

    def fuse_command(self, children: list) -> ast.Fuse:
        keyword, method, *options = children
        values: dict[str, Any] = {}
        for name, value, _last in options:
            values[name] = value
        last = options[-1][2] if options else (method or keyword)
        return ast.Fuse(
            str(method).lower() if method is not None else None,
            values.get("score"),
            values.get("key", ()),
            values.get("group"),
            values.get("with"),
            span_of(keyword, last),
        )

    def fuse_score(self, children: list) -> tuple[str, Any, Any]:
        return "score", _column(children[2]), children[2]

    def fuse_key(self, children: list) -> tuple[str, Any, Any]:
        names = children[2::2]
        return "key", tuple(_column(n) for n in names), names[-1]

    def fuse_group(self, children: list) -> tuple[str, Any, Any]:
        return "group", _column(children[2]), children[2]

    def fuse_with(self, children: list) -> tuple[str, Any, Any]:
        return "with", children[1], children[1]

    def uri_parts_command(self, children: list) -> ast.UriParts:
        keyword, prefix, _assign, value = children
        return ast.UriParts(_column(prefix), value, span_of(keyword, value))

    def metrics_info_command(self, children: list) -> ast.MetricsInfo:
        return ast.MetricsInfo(span_of(children[0], children[0]))

    # -- boolean expressions

    def or_expr(self, children: list) -> ast.Expr:
        operands: list[ast.Expr] = []
        for child in children[::2]:
            operands.extend(child.operands if isinstance(child, ast.Or) else (child,))
        return ast.Or(tuple(operands), span_of(children[0], children[-1]))

    def and_expr(self, children: list) -> ast.Expr:
        operands: list[ast.Expr] = []
        for child in children[::2]:
            operands.extend(child.operands if isinstance(child, ast.And) else (child,))
        return ast.And(tuple(operands), span_of(children[0], children[-1]))

    def negation(self, children: list) -> ast.Not:
        keyword, operand = children
        return ast.Not(operand, span_of(keyword, operand))

    def in_expr(self, children: list) -> ast.In:
        value, negated, _in, _lp, *rest = children
        options = tuple(rest[:-1:2])
        return ast.In(value, options, negated is not None, span_of(value, rest[-1]))

    def is_null(self, children: list) -> ast.IsNull:
        value, _is, negated, null = children
        return ast.IsNull(value, negated is not None, span_of(value, null))

    def like(self, children: list) -> ast.Like:
        value, negated, _like, (patterns, last) = children
        for pattern in patterns:
            if isinstance(pattern, ast.Literal) and isinstance(pattern.value, str):
                _check_like_escapes(pattern)
        return ast.Like(value, patterns, False, negated is not None, span_of(value, last))

    def rlike(self, children: list) -> ast.Like:
        value, negated, _like, (patterns, last) = children
        return ast.Like(value, patterns, True, negated is not None, span_of(value, last))

    def like_patterns(self, children: list) -> tuple[tuple[ast.Expr, ...], Any]:
        if len(children) == 1:
            return (children[0],), children[0]
        strings = [c for c in children if c.type == "STRING"]
        return tuple(_string_literal(s) for s in strings), children[-1]

    def match(self, children: list) -> ast.Match:
        left, _colon, query = children
        cast = None
        column = left
        if isinstance(left, ast.Cast):
            cast, column = left.type, left.value
        if not isinstance(column, ast.Column):
            raise _Reject(
                "the `:` match operator takes a column on its left",
                start_of(left),
                end_of(left),
                hint='write `field : "text"`, or use the MATCH function',
            )
        return ast.Match(column, query, cast, span_of(left, query))

    # -- value expressions

    def compare(self, children: list) -> ast.Compare:
        left, op, right = children
        span = Span(left.span.start, right.span.end)
        return ast.Compare(str(op), left, right, span)  # type: ignore[arg-type]

    def arithmetic(self, children: list) -> ast.Arithmetic:
        left, op, right = children
        return ast.Arithmetic(str(op), left, right, span_of(left, right))  # type: ignore[arg-type]

    def unary(self, children: list) -> ast.Expr:
        op, operand = children
        span = span_of(op, operand)
        if op == "+":
            return _respan(operand, span)
        if isinstance(operand, ast.Literal) and operand.type in ("integer", "long", "double"):
            return _negative_literal(operand, span)
        if isinstance(operand, ast.TimeSpan):
            return ast.TimeSpan(-operand.amount, operand.unit, span)
        return ast.Negate(operand, span)

    def parenthesized(self, children: list) -> ast.Expr:
        lp, inner, rp = children
        return _respan(inner, Span(lp.start_pos, rp.end_pos))

    def cast(self, children: list) -> ast.Cast:
        value, _op, type_name = children
        return ast.Cast(value, str(type_name).lower(), span_of(value, type_name))

    def qualified_name(self, children: list) -> ast.Column:
        first = children[0]
        if len(children) == 1 and first.type in _PLAIN_NAMES:
            text = str(first)
            if not _keyword_free(text):
                _not_reserved(first)
            return ast.Column(text, Span(first.start_pos, first.end_pos))
        parts = []
        for token in children[::2]:
            _not_reserved(token)
            if token.type in ("DOUBLE_PARAM", "NAMED_DOUBLE_PARAM"):
                if len(children) == 1:
                    name = str(token)[2:] or None
                    return ast.Param(name, span_of(token, token), True)  # type: ignore[return-value]
                raise _Reject(
                    "a `??` parameter stands for a whole field name",
                    token.start_pos,
                    token.end_pos,
                )
            parts.append(_name_text(token))
        return ast.Column(".".join(parts), span_of(children[0], children[-1]))

    def call(self, children: list) -> ast.Call:
        name, _lp, args, rp = children
        arguments, options = args if args is not None else ((), None)
        text = _name_text(name) if name.type == "QUOTED_NAME" else name
        return ast.Call(text.lower(), arguments, Span(name.start_pos, rp.end_pos), options)

    def by_args(self, children: list) -> tuple[tuple[ast.Expr, ...], None]:
        # FIRST(value BY sort), LAST(value BY sort): the same call as FIRST(value, sort)
        value, _by, sort = children
        return (value, sort), None

    def call_args(self, children: list) -> tuple[tuple[ast.Expr, ...], ast.MapExpr | None]:
        if len(children) == 1 and getattr(children[0], "type", None) == "STAR":
            token = children[0]
            return (ast.Star(span_of(token, token)),), None
        options = children.pop()
        return tuple(children[::2]), options  # the call's arguments, as a tuple

    def map_expr(self, children: list) -> ast.MapExpr:
        entries = tuple(c for c in children[1:-1:2] if c is not None)
        return ast.MapExpr(entries, span_of(children[0], children[-1]))

    def map_entry(self, children: list) -> tuple[str, Any]:
        key, _colon, value = children
        return string_value(str(key)), value

    # -- constants

    def null(self, children: list) -> ast.Literal:
        return ast.Literal(None, "null", _token_span(children[0]))

    def true(self, children: list) -> ast.Literal:
        return ast.Literal(True, "boolean", _token_span(children[0]))

    def false(self, children: list) -> ast.Literal:
        return ast.Literal(False, "boolean", _token_span(children[0]))

    def integer(self, children: list) -> ast.Literal:
        (token,) = children
        value, kind = _integer(int(str(token)))
        return ast.Literal(value, kind, _token_span(token))

    def decimal(self, children: list) -> ast.Literal:
        (token,) = children
        return ast.Literal(float(str(token)), "double", _token_span(token))

    def string(self, children: list) -> ast.Literal:
        return _string_literal(children[0])

    def param(self, children: list) -> ast.Param:
        (token,) = children
        return ast.Param(str(token)[1:] or None, _token_span(token))

    def time_span(self, children: list) -> ast.TimeSpan:
        number, unit = children
        return _time_span(int(str(number)), number, unit)

    def signed(self, children: list) -> ast.Literal | ast.TimeSpan:
        sign, number, *unit = children
        factor = -1 if str(sign) == "-" else 1
        if unit and unit[0] is not None:
            return _time_span(factor * int(str(number)), sign, unit[0])
        if number.type == "DECIMAL":
            return ast.Literal(factor * float(str(number)), "double", span_of(sign, number))
        value, kind = _integer(factor * int(str(number)))
        return ast.Literal(value, kind, span_of(sign, number))

    def list_literal(self, children: list) -> ast.Literal:
        items = children[1:-1:2]
        kinds = {_list_kind(item.type) for item in items}
        if len(kinds) > 1:
            raise _Reject(
                "a list literal holds values of one kind: numbers, strings or booleans",
                children[0].start_pos,
                children[-1].end_pos,
            )
        types = {item.type for item in items}
        kind = items[0].type
        if "double" in types:
            kind = "double"
        elif "unsigned_long" in types:
            kind = "unsigned_long"
        elif "long" in types:
            kind = "long"
        values = tuple(float(item.value) if kind == "double" else item.value for item in items)
        return ast.Literal(values, kind, span_of(children[0], children[-1]))


def _list_kind(kind: str) -> str:
    return "number" if kind in ("integer", "long", "unsigned_long", "double") else kind


def _token_span(token: Any) -> Span:
    return Span(token.start_pos, token.end_pos)


def _check_like_escapes(pattern: ast.Literal) -> None:
    """A LIKE pattern's backslash escapes `*`, `?` or another backslash and nothing else;
    Elasticsearch refuses the query otherwise, a trailing backslash included (esql-core
    `StringUtils.wildcardToJavaPattern`: "Invalid sequence - escape character is not
    followed by special wildcard char"; StatementParserTests.testLikeRLike)."""
    text = str(pattern.value)
    index = 0
    while index < len(text):
        if text[index] != "\\":
            index += 1
            continue
        following = text[index + 1 : index + 2]
        if following and following in "*?\\":
            index += 2
            continue
        escape = f"`\\{following}`" if following else "a backslash at the end"
        fixed = re.sub(r"\\\\|\\", r"\\\\", text)
        raise _Reject(
            f"Invalid pattern for LIKE [{text}]: {escape}: in a LIKE pattern a backslash only "
            "escapes `*`, `?` or another backslash",
            pattern.span.start,
            pattern.span.end,
            hint=f'for a backslash write two in the pattern: """{fixed}""" or '
            f'"{fixed.replace(chr(92), chr(92) * 2)}"',
        )


def _string_literal(token: Any) -> ast.Literal:
    return ast.Literal(string_value(token), "keyword", Span(token.start_pos, token.end_pos))


def _time_span(amount: int, first: Any, unit: Any) -> ast.TimeSpan:
    canonical = TIME_UNITS.get(str(unit).lower())
    if canonical is None:
        raise _Reject(
            f"`{unit}` is not a temporal unit",
            unit.start_pos,
            unit.end_pos,
            hint="units: millisecond/ms, second/s/sec, minute/m/min, hour/h, day/d, week/w, "
            "month/mo, quarter/q, year/y/yr (or the plural); a number and a name cannot "
            "stand side by side otherwise",
        )
    return ast.TimeSpan(amount, canonical, span_of(first, unit))


def _negative_literal(literal: ast.Literal, span: Span) -> ast.Literal:
    value = literal.value
    if isinstance(value, float):
        return ast.Literal(-value, "double", span)
    assert isinstance(value, int)
    number, kind = _integer(-value)
    return ast.Literal(number, kind, span)


def _respan(node: Any, span: Span) -> Any:
    return dataclasses.replace(node, span=span)


def _column(node: Any) -> ast.Column:
    if not isinstance(node, ast.Column):
        raise _Reject("a column name is expected here", start_of(node), end_of(node))
    return node


def _rename(old: ast.NamePattern, new: ast.NamePattern, span: Span) -> ast.RenameItem:
    for pattern in (old, new):
        if pattern.is_wildcard:
            raise _Reject(
                f"RENAME takes column names, not patterns: `{pattern.name}`",
                pattern.span.start,
                pattern.span.end,
                hint="rename each column on its own",
            )
    return ast.RenameItem(ast.Column(old.name, old.span), ast.Column(new.name, new.span), span)
