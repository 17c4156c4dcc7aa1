"""The ES|QL evaluator: a query compiled once into row transforms, run with Elasticsearch's
semantics.

`compile_query(query, sources)` checks the query against the columns its source gives
(`Table` per index name; a `FROM` of an index pattern takes the table named `*`) and
returns a `Plan`: one step per command, each a function from rows to rows, expressions
compiled into closures over column positions (no tree walk per row). `Plan.run()` returns
a `Result`: columns (name, ES|QL type), rows, the warnings Elasticsearch would send, and
for every row the source row it came from (None after STATS), which is how alerts carry
their source event and explanations name the command that dropped an event.

Semantics (Elasticsearch's `esql` plugin and reference, named where they bite):
* three-valued logic: null compares to null, `null AND false` is false, WHERE keeps only
  true;
* a single-value operator or function given a multi-value is null with two warnings,
  `Line l:c: evaluation of [expr] failed, treating result as null. Only first 20 failures
  recorded.` and `Line l:c: java.lang.IllegalArgumentException: single-value function
  encountered multi-value` (`Warnings`, `SingleValue`); failures of functions likewise;
* EVAL adds columns left to right; a name already present moves to the end (shadowing);
* STATS: aggregates then BY keys; a multi-valued key puts the row in each value's group, a
  null key has its own group; `agg WHERE cond` filters one aggregate; no BY and no rows
  still gives one row; INLINE STATS appends the group's aggregates to each of its rows;
* SORT: nulls last ascending and first descending unless NULLS FIRST/LAST says otherwise;
  a multi-value sorts by its smallest value ascending and largest descending;
* LIMIT, and when a query has none the default limit of 1,000 rows
  (`esql.query.result_truncation_default_size`);
* KQL("…") runs the KQL query on the row's source document with ruleops' KQL evaluator.
Commands that need a cluster (ENRICH, LOOKUP JOIN, COMPLETION, FORK, CHANGE_POINT, SAMPLE,
RERANK, FUSE) raise `NotEvaluated`.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruleops.es_types import format_ip_bytes
from ruleops.esql import ast, functions, types
from ruleops.esql import builtins as fns
from ruleops.esql.bounded_regex import RegexTimeout, watching
from ruleops.esql.builtins.conditional import LAZY
from ruleops.esql.builtins.conversion import CASTS, converter
from ruleops.esql.builtins.dates import UTC_ZONE, Zone, parse_zone
from ruleops.esql.builtins.math import arithmetic, negate
from ruleops.esql.types import CAST_NAMES
from ruleops.esql.values import (
    COMPARISONS,
    DATES,
    STRINGS,
    EvalFailure,
    NotReproduced,
    canonical_type,
    multi_value_failure,
    mv_of,
    parse_iso,
    parse_span,
    span_of,
    widest,
)
from ruleops.kql.errors import KqlSyntaxError
from ruleops.kql.parser import parse_kql
from ruleops.query import ast as q
from ruleops.query.evaluate import compile_condition
from ruleops.query.lucene_regex import LuceneRegexError, compile_lucene
from ruleops.query.values import make_getter
from ruleops.query.wildcard import compile_wildcard

fns.load_all()

DEFAULT_LIMIT = 1000
MAX_FAILURES = 20
Row = tuple  # (origin, value, value, …): origin is the source row's index or None
Fn = Callable[[Row], Any]


class EsqlError(Exception):
    """A query Elasticsearch rejects when planning it (unknown column, wrong types); the
    message is Elasticsearch's, `span` locates it in the query."""

    def __init__(self, message: str, span: ast.Span = ast.NO_SPAN) -> None:
        super().__init__(message)
        self.message = message
        self.span = span

    @property
    def reason(self) -> str:
        """The message as a rule author reads it: what refused the query, then why."""
        return f"Elasticsearch would reject this query: {self.message}"


class NotEvaluated(EsqlError):
    """A query ruleops does not evaluate (a command or function needing a cluster)."""

    @property
    def reason(self) -> str:
        return self.message


@dataclass(frozen=True)
class Table:
    """Rows of a source index: column (name, ES|QL type) pairs and one tuple per row.
    `metadata` names the columns that FROM shows only when its METADATA asks for them."""

    columns: tuple[tuple[str, str], ...]
    rows: Sequence[tuple[Any, ...]]
    metadata: frozenset[str] = frozenset()
    documents: Sequence[Mapping[str, Any]] | None = None  # the source documents (KQL)


@dataclass
class Warnings:
    """The response warnings, in order, each once (Elasticsearch dedupes header values)."""

    seen: dict[str, None] = field(default_factory=dict)
    failures: dict[int, int] = field(default_factory=dict)

    def add(self, text: str) -> None:
        self.seen.setdefault(text, None)

    def failure(self, key: int, where: str, source: str, error: EvalFailure, what: str) -> None:
        count = self.failures.get(key, 0)
        if count == 0:
            self.add(
                f"{where}: evaluation of [{source}] failed, treating result as {what}. "
                f"Only first {MAX_FAILURES} failures recorded."
            )
        if count < MAX_FAILURES:
            self.add(f"{where}: {error.warning}")
        self.failures[key] = count + 1

    def __iter__(self):
        return iter(self.seen)


@dataclass(frozen=True)
class Dropped:
    """A row a WHERE dropped (explain mode)."""

    origin: int | None  # its source row; None for a row STATS made
    reason: str  # for a rule author: the condition not true, with the values it read
    conjunct: int  # the first condition (AND operand) of that WHERE that is not true
    # How far the conditions of the WHERE (and of the WHEREs run with it) are from true,
    # 0 to 1 (`ruleops.esql.distance`): for a search that makes a rule alert.
    distance: float = 1.0


@dataclass(frozen=True)
class Result:
    columns: tuple[tuple[str, str], ...]
    rows: list[tuple[Any, ...]]
    warnings: tuple[str, ...]
    origins: list[int | None]
    # For explanations: per command (index in the query), the rows it dropped.
    dropped: Mapping[int, list[Dropped]] = field(default_factory=dict)


@dataclass
class Context:
    """What one run of a plan shares: warnings, NOW(), the source documents."""

    warnings: Warnings
    now: int
    documents: Sequence[Mapping[str, Any]] | None = None
    explain: bool = False
    dropped: dict[int, list[Dropped]] = field(default_factory=dict)
    expanded: int = 0  # rows MV_EXPAND added, against its budget


Step = Callable[[Iterable[Row], Context], Iterable[Row]]


@dataclass(frozen=True)
class Plan:
    query: ast.Query
    steps: tuple[tuple[int, Step], ...]  # (command index, step)
    columns: tuple[tuple[str, str], ...]
    source: Table | None
    zone: Zone
    context_holder: list[Context]
    planning_warnings: tuple[str, ...] = ()

    def run(self, *, now: int | None = None, explain: bool = False) -> Result:
        context = Context(
            Warnings(),
            now if now is not None else int(time.time() * 1000),
            self.source.documents if self.source else None,
            explain,
        )
        self.context_holder[0] = context
        for warning in self.planning_warnings:
            context.warnings.add(warning)
        rows: Any
        if self.source is None:
            rows = [(None,)]
        else:
            rows = ((i, *r) for i, r in enumerate(self.source.rows))
        with watching():
            for _index, step in self.steps:
                rows = step(rows, context)
            rows = list(rows)
        return Result(
            self.columns,
            [r[1:] for r in rows],
            tuple(context.warnings),
            [r[0] for r in rows],
            context.dropped,
        )


# ---------------------------------------------------------------------------- positions


def _line_col(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"Line {line}:{column}"


# ---------------------------------------------------------------------------- compiling


class _Scope:
    """The columns at one point of the pipe: names, types, positions in the row tuple."""

    def __init__(self, columns: Sequence[tuple[str, str]]) -> None:
        self.columns = list(columns)
        self.index = {name: i + 1 for i, (name, _) in enumerate(self.columns)}

    def type_of(self, name: str) -> str:
        return self.columns[self.index[name] - 1][1]


class Compiler:
    def __init__(self, text: str, holder: list[Context], zone: Zone) -> None:
        self.text = text
        self.holder = holder
        self.zone = zone
        self._keys = 0
        self.sort_limit: int | None = None  # the top-N size of the SORT being compiled
        self.planning_warnings: list[str] = []  # warnings Elasticsearch gives when planning
        self.group_keys: list[str] = []  # BY keys of the last STATS (for explanations)

    # --- helpers --------------------------------------------------------------------------

    def source(self, node: Any) -> str:
        span = getattr(node, "span", ast.NO_SPAN)
        return self.text[span.start : span.end]

    def where(self, node: Any) -> str:
        return _line_col(self.text, getattr(node, "span", ast.NO_SPAN).start)

    def guard(self, node: Any, fn: Callable[[Row], Any], what: str = "null") -> Fn:
        """`fn` with EvalFailure turned into null plus the node's warnings; a regular
        expression that runs out of time (`bounded_regex`) is a query ruleops cannot
        evaluate, named at the node."""
        self._keys += 1
        key = self._keys
        holder = self.holder
        where = self.where(node)
        source = self.source(node)

        def guarded(row: Row) -> Any:
            try:
                return fn(row)
            except EvalFailure as error:
                holder[0].warnings.failure(key, where, source, error, what)
                return None
            except RegexTimeout as error:
                span = getattr(node, "span", ast.NO_SPAN)
                raise NotEvaluated(error.describe(f"[{source}]"), span) from None
            except NotReproduced as error:
                span = getattr(node, "span", ast.NO_SPAN)
                raise NotEvaluated(f"[{source}]: {error}", span) from None

        return guarded

    # --- expressions ----------------------------------------------------------------------

    def expr(self, node: Any, scope: _Scope) -> tuple[Fn, str]:
        method = getattr(self, "_" + type(node).__name__.lower(), None)
        if method is None:
            raise NotEvaluated(f"ruleops does not evaluate [{self.source(node)}]", node.span)
        return method(node, scope)

    def constant(self, node: Any, scope: _Scope | None = None) -> tuple[Any, str]:
        """The value of a constant expression (folded at compile time)."""
        fn, kind = self.expr(node, scope or _Scope(()))
        return fn((None,)), kind

    def _literal(self, node: ast.Literal, scope: _Scope) -> tuple[Fn, str]:
        value = node.value
        if isinstance(value, tuple):
            value = mv_of(list(value))
        kind = canonical_type(node.type)
        return (lambda row: value), kind

    def _timespan(self, node: ast.TimeSpan, scope: _Scope) -> tuple[Fn, str]:
        span = span_of(node.amount, node.unit)
        return (lambda row: span), node.type

    def _column(self, node: ast.Column, scope: _Scope) -> tuple[Fn, str]:
        position = scope.index.get(node.name)
        if position is None:
            raise EsqlError(f"Unknown column [{node.name}]", node.span)
        return (lambda row: row[position]), scope.type_of(node.name)

    def _negate(self, node: ast.Negate, scope: _Scope) -> tuple[Fn, str]:
        inner, kind = self.expr(node.operand, scope)
        apply = negate(kind)

        def run(row: Row) -> Any:
            value = inner(row)
            if value is None:
                return None
            if value.__class__ is tuple:
                raise multi_value_failure()
            return apply(value)

        return self.guard(node, run), kind

    def _arithmetic(self, node: ast.Arithmetic, scope: _Scope) -> tuple[Fn, str]:
        left, left_type = self.expr(node.left, scope)
        right, right_type = self.expr(node.right, scope)
        # A string literal beside a date, ip, version or boolean becomes one; beside a time
        # span it becomes a date (ImplicitCasting.processBinaryOperator).
        if right_type in types.TEMPORAL_AMOUNT:
            left, left_type = self._cast_literal(node.left, left, left_type, "date")
        elif left_type in types.TEMPORAL_AMOUNT:
            right, right_type = self._cast_literal(node.right, right, right_type, "date")
        left, left_type, right, right_type = self._operator_literals(
            node.left, left, left_type, node.right, right, right_type
        )
        kind = types.arithmetic_type(node.op, left_type, right_type)
        if kind is None:
            message = types.arithmetic_error(node.op, left_type, right_type)
            raise EsqlError(message or "", node.span)
        if kind == "null":
            return (lambda row: None), "null"
        apply = arithmetic(node.op, left_type, right_type)

        def run(row: Row) -> Any:
            a = left(row)
            if a is None:
                return None
            b = right(row)
            if b is None:
                return None
            if a.__class__ is tuple or b.__class__ is tuple:
                raise multi_value_failure()
            return apply(a, b)

        return self.guard(node, run), kind

    def _compare(self, node: ast.Compare, scope: _Scope) -> tuple[Fn, str]:
        left, left_type = self.expr(node.left, scope)
        right, right_type = self.expr(node.right, scope)
        left, left_type, right, right_type = self._unify(
            node, node.left, left, left_type, node.right, right, right_type
        )
        op = node.op
        key = _sort_key_of(left_type)
        if op == "=~":
            left = _lowered(left)
            right = _lowered(right)
            op = "=="
        test = COMPARISONS[op]
        if key is not None:
            raw = test
            test = lambda a, b: raw(key(a), key(b))  # noqa: E731

        def run(row: Row) -> Any:
            a = left(row)
            if a is None:
                return None
            b = right(row)
            if b is None:
                return None
            if a.__class__ is tuple or b.__class__ is tuple:
                raise multi_value_failure()
            return test(a, b)

        return self.guard(node, run), "boolean"

    def _unify(self, node, left_node, left, left_type, right_node, right, right_type):
        """Make two operands comparable as Elasticsearch does (`types`): a string literal
        becomes a date, ip, version or boolean when the other side is one; otherwise the
        types must belong together."""
        left, left_type, right, right_type = self._operator_literals(
            left_node, left, left_type, right_node, right, right_type
        )
        message = types.comparison_error(self.source(node), left_type, right_type)
        if message is not None:
            raise EsqlError(message, node.span)
        if left_type in DATES and right_type in DATES and left_type != right_type:
            left = _as_nanos(left, left_type)
            right = _as_nanos(right, right_type)
        return left, left_type, right, right_type

    def _operator_literals(self, left_node, left, left_type, right_node, right, right_type):
        """A string literal beside an operand of a type strings convert to, converted."""
        target = types.operator_literal_target(right_type)
        if target is not None:
            left, left_type = self._cast_literal(left_node, left, left_type, target)
        target = types.operator_literal_target(left_type)
        if target is not None:
            right, right_type = self._cast_literal(right_node, right, right_type, target)
        return left, left_type, right, right_type

    def _cast_literal(self, node: Any, fn: Fn, kind: str, target: str) -> tuple[Fn, str]:
        """`node` converted to `target` at compile time when it is a string literal (a
        constant keyword, not a function's result); anything else as it is."""
        if kind != "keyword" or not isinstance(node, ast.Literal) or node.value is None:
            return fn, kind
        value = node.value
        if not isinstance(value, str):
            return fn, kind  # an array of strings: Elasticsearch converts only one value
        message = types.literal_error(value, target)
        if message is not None:
            raise EsqlError(message, node.span)
        if target in types.TEMPORAL_AMOUNT:
            parsed = parse_span(value)
            assert parsed is not None
            span, span_type = parsed
            return (lambda row: span), span_type
        converted = converter(CASTS[target], kind)(value)
        return (lambda row: converted), target

    def _and(self, node: ast.And, scope: _Scope) -> tuple[Fn, str]:
        parts = [self._boolean(op, scope) for op in node.operands]

        # Every operand is evaluated, as Elasticsearch's block evaluators do: a row that one
        # operand makes false still raises the warnings of the others.
        return (lambda row: and3([part(row) for part in parts])), "boolean"

    def _or(self, node: ast.Or, scope: _Scope) -> tuple[Fn, str]:
        parts = [self._boolean(op, scope) for op in node.operands]

        return (lambda row: or3([part(row) for part in parts])), "boolean"

    def _not(self, node: ast.Not, scope: _Scope) -> tuple[Fn, str]:
        inner = self._boolean(node.operand, scope)

        def run(row: Row) -> Any:
            value = inner(row)
            return None if value is None else not value

        return run, "boolean"

    def _boolean(self, node: Any, scope: _Scope) -> Fn:
        fn, kind = self.expr(node, scope)
        message = types.condition_error(self.source(node), kind)
        if message is not None:
            raise EsqlError(message, node.span)

        def single(row: Row) -> Any:
            value = fn(row)
            if value.__class__ is tuple:
                raise multi_value_failure()
            return value

        return self.guard(node, single)

    def _isnull(self, node: ast.IsNull, scope: _Scope) -> tuple[Fn, str]:
        inner, _ = self.expr(node.value, scope)
        if node.negated:
            return (lambda row: inner(row) is not None), "boolean"
        return (lambda row: inner(row) is None), "boolean"

    def _in(self, node: ast.In, scope: _Scope) -> tuple[Fn, str]:
        value, kind = self.expr(node.value, scope)
        options = []
        for option in node.options:
            fn, option_type = self.expr(option, scope)
            _, _, fn, option_type = self._unify(
                node, node.value, value, kind, option, fn, option_type
            )
            options.append(fn)
        key = _sort_key_of(kind)
        constants = None
        if all(_is_constant(o) for o in node.options):
            folded = [o((None,)) for o in options]
            if all(v is not None and v.__class__ is not tuple for v in folded):
                constants = frozenset(key(v) if key else v for v in folded)
        negated = node.negated

        def run(row: Row) -> Any:
            v = value(row)
            if v is None:
                return None
            if v.__class__ is tuple:
                raise multi_value_failure()
            if key is not None:
                v = key(v)
            if constants is not None:
                found: Any = v in constants
            else:
                # `v IN (a, b)` is `v == a OR v == b`: a multi-valued option is null (with
                # the warning unless another option matches).
                found = False
                multi = False
                for option in options:
                    o = option(row)
                    if o is None:
                        found = None
                        continue
                    if o.__class__ is tuple:
                        multi = True
                        continue
                    if (key(o) if key else o) == v:
                        found = True
                        break
                if multi and found is not True:
                    raise multi_value_failure()
            if found is None:
                return None
            return (not found) if negated else found

        return self.guard(node, run), "boolean"

    def _like(self, node: ast.Like, scope: _Scope) -> tuple[Fn, str]:
        value, kind = self.expr(node.value, scope)
        message = types.match_operand_error(self.source(node), self.source(node.value), kind)
        if message is not None:
            raise EsqlError(message, node.span)
        negated = node.negated
        for pattern in node.patterns:
            _, pattern_kind = self.expr(pattern, scope)
            message = types.pattern_error(self.source(node), self.source(pattern), pattern_kind)
            if message is not None:
                raise EsqlError(message, pattern.span)
        if not all(isinstance(p, ast.Literal) for p in node.patterns):
            return self._like_computed(node, value, scope)
        tests = [self._pattern(p, node.regex) for p in node.patterns]
        if any(str(p.value) == (".*" if node.regex else "*") for p in node.patterns):
            # A pattern matching everything is IS NOT NULL (Elasticsearch's optimizer
            # replaces it so), which is never null and takes multi-values.
            if negated:
                return (lambda row: value(row) is None), "boolean"
            return (lambda row: value(row) is not None), "boolean"

        def run(row: Row) -> Any:
            v = value(row)
            if v is None:
                return None
            if v.__class__ is tuple:
                raise multi_value_failure()
            found = any(test(v) for test in tests)
            return (not found) if negated else found

        return self.guard(node, run), "boolean"

    def _like_computed(self, node: ast.Like, value: Fn, scope: _Scope) -> tuple[Fn, str]:
        """LIKE / RLIKE whose patterns are expressions (`x LIKE CONCAT(y, "*")`, capability
        like_rlike_constant_expression): each pattern value is compiled once, when seen."""
        patterns = [self.expr(p, scope)[0] for p in node.patterns]
        matchers: dict[str, Callable[[str], bool]] = {}
        negated = node.negated

        def matcher(text: str) -> Callable[[str], bool]:
            found = matchers.get(text)
            if found is None:
                found = self._pattern(ast.Literal(text, "keyword", node.span), node.regex)
                matchers[text] = found
            return found

        def run(row: Row) -> Any:
            v = value(row)
            if v is None:
                return None
            texts = [p(row) for p in patterns]
            if any(t is None for t in texts):
                return None
            if v.__class__ is tuple or any(t.__class__ is tuple for t in texts):
                raise multi_value_failure()
            found = any(matcher(t)(v) for t in texts)
            return (not found) if negated else found

        return self.guard(node, run), "boolean"

    def _pattern(self, pattern: ast.Literal, regex: bool) -> Callable[[str], bool]:
        text = str(pattern.value)
        if not regex:
            return like_matcher(text)
        try:
            compiled = compile_lucene(text)
        except LuceneRegexError as error:
            raise EsqlError(
                f"Invalid regex pattern for RLIKE [{text}]: {error}", pattern.span
            ) from None
        return compiled.fullmatch

    def _cast(self, node: ast.Cast, scope: _Scope) -> tuple[Fn, str]:
        target = CAST_NAMES.get(node.type.lower())
        name = CASTS.get(target) if target is not None else None
        if name is None:
            raise NotEvaluated(f"ruleops does not evaluate casts to [{node.type}]", node.span)
        call = ast.Call(name, (node.value,), node.span)
        fn, kind = self._call(call, scope)
        return fn, target or kind

    def _match(self, node: ast.Match, scope: _Scope) -> tuple[Fn, str]:
        """`field : query` and MATCH(field, query): Elasticsearch's match query. On a
        keyword, number, date or ip field it is a term query (equality); on a text field
        the query's words are matched against the field's words (any of them), as KQL's
        unquoted values are (`kql.field_types`)."""
        _, kind = self.expr(node.column, scope)
        if kind != "text":
            compare = ast.Compare("==", node.column, node.query, node.span)
            fn, _ = self._compare(compare, scope)
            return fn, "boolean"

        text, _ = self.constant(node.query, scope)
        if not isinstance(text, str):
            raise EsqlError(f"[{self.source(node)}] takes a string query", node.span)
        field = q.Field(tuple(node.column.name.split(".")))
        condition = q.Match(field, (text,), "term")
        predicate = compile_condition(condition, dialect="kql", field_types=dict(scope.columns))
        return self._document_predicate(predicate, scope)

    def _document_predicate(self, predicate: Callable[[Any], bool], scope: _Scope):
        """A query on the row's source document (or, for ROW, a document of the row)."""
        holder = self.holder
        names = [name for name, _ in scope.columns]

        def run(row: Row) -> Any:
            documents = holder[0].documents
            origin = row[0]
            if documents is not None and origin is not None:
                return predicate(documents[origin])
            return predicate(_document(names, row))

        return run, "boolean"

    # --- calls ------------------------------------------------------------------------------

    def _call(self, node: ast.Call, scope: _Scope) -> tuple[Fn, str]:
        name = node.name.lower()
        if name == "kql":
            return self._kql(node, scope)
        if name == "match" and len(node.args) == 2 and isinstance(node.args[0], ast.Column):
            return self._match(ast.Match(node.args[0], node.args[1], None, node.span), scope)
        if name == "json_extract":
            return self._json_extract(node, scope)
        function = fns.lookup(name)
        if function is None and not functions.exists(name):
            near = functions.nearest(name)
            also = f", did you mean [{near}]?" if near else ""
            raise EsqlError(f"Unknown function [{node.name}]{also}", node.span)
        if function is None:
            raise NotEvaluated(f"ruleops does not evaluate the function [{node.name}]", node.span)
        if function.aggregate:
            raise EsqlError(
                f"aggregate function [{self.source(node)}] not allowed outside STATS command",
                node.span,
            )
        message = functions.arity_error(name, self.source(node), len(node.args))
        count = len(node.args) + (1 if node.options is not None else 0)
        outside = count < function.min_args or (
            function.max_args is not None and count > function.max_args
        )
        if message is None and functions.lookup(name) is None and outside:
            message = f"wrong number of arguments for [{self.source(node)}]"
        if message is not None:
            raise EsqlError(message, node.span)
        if name == "now":
            holder = self.holder
            return (lambda row: holder[0].now), "date"
        compiled = self.arguments(node, node.args, [self.expr(arg, scope) for arg in node.args])
        if node.options is not None:
            options = _map_value(node.options)
            compiled.append(((lambda row: options), "map"))
        fns_ = [c[0] for c in compiled]
        kinds = tuple(c[1] for c in compiled)
        if name in LAZY:
            return self._lazy(node, name, fns_, kinds)
        kind = function.result(kinds)
        if "null" in kinds and function.nulls:
            return (lambda row: None), kind
        impl = function.bind(kinds)
        nulls = function.nulls
        single = [not function.takes_multi(i) for i in range(len(fns_))]
        zone = self.zone if function.zoned else None

        def run(row: Row) -> Any:
            values = []
            for fn, must_be_single in zip(fns_, single, strict=True):
                value = fn(row)
                if value is None:
                    if nulls:
                        return None
                elif must_be_single and value.__class__ is tuple:
                    raise multi_value_failure()
                values.append(value)
            if zone is not None:
                return impl(*values, zone=zone)
            return impl(*values)

        return self.guard(node, run), kind

    def arguments(
        self, node: ast.Call, args: Sequence[Any], compiled: list[tuple[Fn, str]]
    ) -> list[tuple[Fn, str]]:
        """The compiled arguments of a call as Elasticsearch resolves them (`types`,
        `functions`): a string literal given to a parameter that takes no string is
        converted to the parameter's type (`DATE_TRUNC("1 day", x)`, `SUBSTRING(s, "2")`);
        an argument of a type the function does not take rejects the query."""
        name = functions.canonical(node.name)
        call = self.source(node)
        out = []
        for index, (arg, (fn, kind)) in enumerate(zip(args, compiled, strict=True)):
            target = functions.literal_target(name, index)
            if target is not None:
                fn, kind = self._cast_literal(arg, fn, kind, target)
            message = functions.argument_error(name, call, index, self.source(arg), kind)
            if message is None and not _is_constant(arg):
                message = functions.constant_error(name, call, index, self.source(arg))
            if message is not None:
                raise EsqlError(message, arg.span)
            out.append((fn, kind))
        texts = [(self.source(arg), kind) for arg, (_, kind) in zip(args, out, strict=True)]
        message = functions.conditional_error(name, call, texts)
        if message is None and tuple(args) == tuple(node.args):  # not COUNT(*)
            message = functions.combination_error(name, call, [kind for _, kind in out])
        if message is not None:
            raise EsqlError(message, node.span)
        return out

    def _lazy(self, node: ast.Call, name: str, fns_: list[Fn], types: tuple[str, ...]):
        if name == "coalesce":
            kind = widest([t for t in types if t != "null"]) or "null"

            def coalesce(row: Row) -> Any:
                for fn in fns_:
                    value = fn(row)
                    if value is not None:
                        return value
                return None

            return coalesce, kind
        # CASE(cond, value, cond, value, …, [else]): a multi-valued condition is false, with a
        # warning (capability fn_case_standard_multivalue_message).
        pairs = [(fns_[i], fns_[i + 1]) for i in range(0, len(fns_) - 1, 2)]
        otherwise = fns_[-1] if len(fns_) % 2 == 1 else (lambda row: None)
        values = [types[i + 1] for i in range(0, len(types) - 1, 2)]
        if len(types) % 2 == 1:
            values.append(types[-1])
        kind = widest([t for t in values if t != "null"]) or "null"
        self._keys += 1
        key = self._keys
        holder = self.holder
        where, source = self.where(node), self.source(node)

        def case(row: Row) -> Any:
            for condition, value in pairs:
                test = condition(row)
                if test.__class__ is tuple:
                    holder[0].warnings.failure(key, where, source, multi_value_failure(), "false")
                    continue
                if test is True:
                    return value(row)
            return otherwise(row)

        return case, kind

    def _kql(self, node: ast.Call, scope: _Scope) -> tuple[Fn, str]:
        if len(node.args) != 1 or not _is_constant(node.args[0]):
            raise EsqlError("KQL() takes one constant string", node.span)
        text, kind = self.constant(node.args[0], scope)
        if kind not in STRINGS or not isinstance(text, str):
            raise EsqlError(f"argument of [{self.source(node)}] must be a string", node.span)
        try:
            parsed = parse_kql(text)
        except KqlSyntaxError as error:
            raise EsqlError(f"Invalid KQL query [{text}]: {error}", node.span) from None
        # Each column's type decides what a KQL condition on it means (text columns are
        # analysed: query.field_semantics). A term without a field searches every field
        # (`index.query.default_field` is `*`): the string columns of the source.
        types = dict(scope.columns)
        parsed = _all_fields(parsed, [n for n, t in scope.columns if t in STRINGS])
        predicate = compile_condition(parsed, dialect="kql", field_types=types)
        return self._document_predicate(predicate, scope)

    def _json_extract(self, node: ast.Call, scope: _Scope) -> tuple[Fn, str]:
        """JSON_EXTRACT(json, path): the value at `path` (`a.b`, `$.a.b`, `a[0]`) of a JSON
        string or of the `_source` document, as keyword: strings as they are, anything
        else as JSON text; null when the path leads nowhere."""

        if len(node.args) != 2:
            raise EsqlError(f"wrong number of arguments for [{self.source(node)}]", node.span)
        source, _ = self.expr(node.args[0], scope)
        path_fn, _ = self.expr(node.args[1], scope)

        def run(row: Row) -> Any:
            document = source(row)
            path = path_fn(row)
            if document is None or path is None:
                return None
            if isinstance(document, str):
                try:
                    document = json.loads(document)
                except ValueError:
                    raise EvalFailure(f"invalid JSON input [{document[:60]}]") from None
            found = _json_path(document, str(path))
            if found is None:
                return None
            if isinstance(found, str):
                return found
            return json.dumps(found, separators=(",", ":"), ensure_ascii=False)

        return self.guard(node, run), "keyword"

    def _star(self, node: ast.Star, scope: _Scope) -> tuple[Fn, str]:
        return (lambda row: True), "boolean"


def and3(values: list[Any]) -> bool | None:
    """Three-valued AND: false if any is false, else null if any is null, else true."""
    if False in values:
        return False
    return None if None in values else True


def or3(values: list[Any]) -> bool | None:
    """Three-valued OR: true if any is true, else null if any is null, else false."""
    if True in values:
        return True
    return None if None in values else False


def _lowered(fn: Fn) -> Fn:
    def run(row: Row) -> Any:
        value = fn(row)
        if isinstance(value, str):
            return value.lower()
        return value

    return run


def _sort_key_of(kind: str) -> Callable[[Any], Any] | None:
    if kind == "version":
        return lambda v: v.key
    return None


def _as_nanos(fn: Fn, kind: str) -> Fn:
    if kind == "date_nanos":
        return fn

    def run(row: Row) -> Any:
        value = fn(row)
        if value is None:
            return None
        if value.__class__ is tuple:
            return tuple(v * 1_000_000 for v in value)
        return value * 1_000_000

    return run


def _is_constant(node: Any) -> bool:
    return not any(isinstance(n, ast.Column | ast.Call) for n in ast.walk(node)) or (
        isinstance(node, ast.Call | ast.Cast)
        and not any(isinstance(n, ast.Column) for n in ast.walk(node))
        and not any(
            isinstance(n, ast.Call) and n.name.lower() in ("now", "kql") for n in ast.walk(node)
        )
    )


def _all_fields(expr: Any, names: list[str]) -> Any:
    """KQL terms on the default field `*` as an OR of the same term on each of `names`."""

    def visit(node: Any) -> Any:
        if (
            isinstance(node, q.Match)
            and isinstance(node.value, q.Field)
            and node.value.path == ("*",)
        ):
            copies = tuple(
                dataclasses.replace(node, value=q.Field(tuple(n.split(".")), node.value.span))
                for n in names
            )
            return q.Or(copies, node.span) if len(copies) != 1 else copies[0]
        return q.rebuild(node, visit)

    return visit(expr)


def _json_path(document: Any, path: str) -> Any:
    """The value at a JSON path, reading dotted keys of `_source` as Elasticsearch does."""

    steps = [p for p in re.split(r"\.|\[(\d+)\]", path.removeprefix("$").lstrip(".")) if p]
    node = document
    keys: list[str] = []
    for step in steps:
        if step.isdigit() and isinstance(node, list):
            if keys:
                node = make_getter(tuple(keys))(node) if isinstance(node, dict) else None
                keys = []
            index = int(step)
            node = node[index] if index < len(node) else None
        else:
            keys.append(step)
    if keys:
        node = make_getter(tuple(keys))(node) if isinstance(node, Mapping) else None
    return node


def _map_value(node: ast.MapExpr) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.entries:
        out[key] = _map_value(value) if isinstance(value, ast.MapExpr) else value.value
    return out


def _document(names: list[str], row: Row) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for i, name in enumerate(names, start=1):
        value = row[i]
        if value is None:
            continue
        if isinstance(value, bytes):
            value = format_ip_bytes(value)
        elif value.__class__ is tuple:
            value = [format_ip_bytes(v) if isinstance(v, bytes) else v for v in value]
        doc[name] = list(value) if isinstance(value, tuple) else value
    return doc


# ---------------------------------------------------------------------------- LIKE


def like_matcher(pattern: str) -> Callable[[str], bool]:
    """ES|QL LIKE: `*` any run, `?` one character, `\\` makes the next character literal;
    the whole value must match; case-sensitive (matched without backtracking)."""
    return compile_wildcard(pattern, escapes=True)


__all__ = [
    "DEFAULT_LIMIT",
    "UTC_ZONE",
    "EsqlError",
    "NotEvaluated",
    "Plan",
    "Result",
    "Table",
    "parse_iso",
    "parse_zone",
]
