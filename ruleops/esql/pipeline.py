"""ES|QL commands compiled into steps (rows → rows) and whole queries into a `Plan`.

`compile_query(query, sources)` is the entry point; `ruleops.esql.evaluate` compiles the
expressions and documents the semantics.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping
from itertools import islice, product
from typing import Any

from ruleops.esql import ast
from ruleops.esql import builtins as fns
from ruleops.esql.bounded_regex import RegexTimeout, watching
from ruleops.esql.builtins.aggregates import CONSTANT_WEIGHT
from ruleops.esql.builtins.dates import UTC_ZONE, parse_zone
from ruleops.esql.dissect import DissectError, compile_dissect
from ruleops.esql.distance import compile_distance
from ruleops.esql.evaluate import (
    DEFAULT_LIMIT,
    Compiler,
    Context,
    Dropped,
    EsqlError,
    Fn,
    NotEvaluated,
    Plan,
    Row,
    Step,
    Table,
    Warnings,
    _line_col,
    _Scope,
    and3,
)
from ruleops.esql.grok import GrokError, compile_groks
from ruleops.esql.parser import parse_esql
from ruleops.esql.topn import top_n
from ruleops.esql.values import EvalFailure, as_list, mv_of, to_json

_NOT_EVALUATED = (
    ast.Show,
    ast.Enrich,
    ast.LookupJoin,
    ast.ChangePoint,
    ast.Sample,
    ast.Fork,
    ast.Rerank,
    ast.Fuse,
    ast.UriParts,
    ast.MetricsInfo,
)
MAX_EXPANDED_ROWS = 1_000_000
Rows = Iterable[Row]


def compile_query(
    text: str, sources: Mapping[str, Table], *, completion: str | None = None
) -> Plan:
    """The query text as a plan over `sources` (index name → Table; `*` for any index).
    COMPLETION, which asks an LLM, answers `completion` for every row (a fixture's stub);
    without one it is not evaluated. Raises EsqlSyntaxError, EsqlError for what
    Elasticsearch would reject, NotEvaluated for what ruleops does not run."""
    with watching():  # GROK and REPLACE of constants run while compiling
        return _compile(text, sources, completion)


def _compile(text: str, sources: Mapping[str, Table], completion: str | None) -> Plan:
    query = parse_esql(text)
    zone = UTC_ZONE
    for setting in query.settings:
        if setting.name.lower() == "time_zone" and isinstance(setting.value, ast.Literal):
            zone = parse_zone(str(setting.value.value))
    # Constants are folded while compiling: they report into a scratch context.
    holder: list[Context] = [Context(Warnings(), 0)]
    compiler = Compiler(text, holder, zone)
    steps: list[tuple[int, Step]] = []
    source_table: Table | None = None
    has_limit = False
    scope = _Scope(())
    commands = query.commands
    for index, command in enumerate(commands):
        if (
            isinstance(command, ast.Where)
            and index > 0
            and isinstance(commands[index - 1], ast.Where)
        ):
            continue  # compiled with the WHERE before it
        if isinstance(command, _NOT_EVALUATED):
            raise NotEvaluated(
                f"ruleops does not evaluate {command.keyword}: it needs an Elasticsearch cluster",
                command.span,
            )
        if isinstance(command, ast.From):
            source_table = _source(command, sources)
            scope, step = _from(command, source_table)
        elif isinstance(command, ast.Row):
            scope, step = _row(compiler, command)
        elif isinstance(command, ast.Completion):
            scope, step = _completion(compiler, command, scope, completion)
        elif isinstance(command, ast.Where):
            end = index
            while end + 1 < len(commands) and isinstance(commands[end + 1], ast.Where):
                end += 1
            wheres = [(i, commands[i]) for i in range(index, end + 1)]
            at_source = index == 1 and isinstance(commands[0], ast.From)
            fields = frozenset(n for n, t in scope.columns if t != "text") if at_source else None
            scope, step = _where(compiler, wheres, scope, fields)  # type: ignore[arg-type]
        else:
            compiler.sort_limit = _top_n_size(query.commands[index + 1 :])
            scope, step = _COMMANDS[type(command)](compiler, command, scope)
            has_limit = has_limit or isinstance(command, ast.Limit)
        steps.append((index, step))
    if not has_limit:
        steps.append((len(query.commands), lambda rows, ctx: list(islice(rows, DEFAULT_LIMIT))))
    return Plan(
        query,
        tuple(steps),
        tuple(scope.columns),
        source_table,
        zone,
        holder,
        tuple(compiler.planning_warnings),
    )


_ROW_PRESERVING = (ast.Eval, ast.Keep, ast.Drop, ast.Rename, ast.Grok, ast.Dissect)


def _top_n_size(rest: tuple[ast.Command, ...]) -> int | None:
    """The size of the top-N heap a SORT becomes: the LIMIT that follows it past commands
    that keep every row, the default limit at the end of the query, else unbounded."""
    for command in rest:
        if isinstance(command, ast.Limit):
            count = command.count.value if isinstance(command.count, ast.Literal) else None
            return count if isinstance(count, int) else None
        if not isinstance(command, _ROW_PRESERVING):
            return None
    return DEFAULT_LIMIT


# ---------------------------------------------------------------------------- sources


def _source(command: ast.From, sources: Mapping[str, Table]) -> Table:
    """The table of FROM's index patterns, looked up by the patterns joined with commas
    (`employees,sample_data`), else the table for any index (`*`)."""
    if command.time_series:
        raise NotEvaluated("ruleops does not evaluate TS sources", command.span)
    names = [s.index for s in command.sources]
    key = ",".join(names)
    if key in sources:
        return sources[key]
    if "*" in sources:
        return sources["*"]
    raise EsqlError(f"Unknown index [{','.join(names)}]", command.span)


def _from(command: ast.From, table: Table) -> tuple[_Scope, Step]:
    wanted = {m.name for m in command.metadata}
    missing = [m for m in command.metadata if m.name not in {c for c, _ in table.columns}]
    if missing:
        raise NotEvaluated(
            f"ruleops has no metadata field [{missing[0].name}] for this source", missing[0].span
        )
    keep = [
        i for i, (name, _) in enumerate(table.columns)
        if name not in table.metadata or name in wanted
    ]  # fmt: skip
    visible = [table.columns[i] for i in keep if table.columns[i][0] not in table.metadata]
    metadata = [table.columns[i] for i in keep if table.columns[i][0] in table.metadata]
    order = sorted(range(len(visible)), key=lambda i: visible[i][0])
    columns = [visible[i] for i in order] + sorted(
        metadata, key=lambda c: [m.name for m in command.metadata].index(c[0])
    )
    position = {name: i + 1 for i, (name, _) in enumerate(table.columns)}
    picks = [position[name] for name, _ in columns]
    if picks == list(range(1, len(table.columns) + 1)):
        return _Scope(columns), lambda rows, ctx: rows

    def project(rows: Rows, ctx: Context) -> Rows:
        return ((r[0], *[r[p] for p in picks]) for r in rows)

    return _Scope(columns), project


def _row(compiler: Compiler, command: ast.Row) -> tuple[_Scope, Step]:
    scope, fns_, layout = _assignments(compiler, command.fields, _Scope(()))
    computes = [f for _, f in fns_]

    def row(rows: Rows, ctx: Context) -> Rows:
        work: Row = (None,)
        for fn in computes:
            work = (*work, fn(work))
        return [(None, *[work[p] for p in layout])]

    return scope, row


# ---------------------------------------------------------------------------- processing


def _where(
    compiler: Compiler,
    wheres: list[tuple[int, ast.Where]],
    scope: _Scope,
    pushable: frozenset[str] | None = None,
) -> tuple[_Scope, Step]:
    """Consecutive WHEREs as Elasticsearch runs them: combined into one AND whose
    conditions are all evaluated for every row (its evaluators work on whole blocks, so a
    row an earlier condition rejects still raises the warnings of the later ones)."""
    tests = [compiler._boolean(w.condition, scope) for _, w in wheres]
    indexes = [i for i, _ in wheres]
    pushed: list[Fn] = []
    rest: list[Fn] = []
    if pushable is not None:
        # Right after FROM, Elasticsearch runs the conditions it can push down as one Lucene
        # query (a conjunction that stops at the first clause a document fails) and the
        # others on the documents that query returns.
        for _, w in wheres:
            for operand in _conjuncts(w.condition):
                target = pushed if _is_pushable(operand, pushable) else rest
                target.append(compiler._boolean(operand, scope))
    test: Fn
    if pushed:

        def lucene_then_compute(row: Row) -> Any:
            for t in pushed:
                if t(row) is not True:
                    return False
            return and3([t(row) for t in rest])

        test = lucene_then_compute
    elif len(tests) == 1:
        test = tests[0]
    else:

        def all_of(row: Row) -> Any:
            return and3([t(row) for t in tests])

        test = all_of

    def where(rows: Rows, ctx: Context) -> Rows:
        if not ctx.explain:
            return (r for r in rows if test(r) is True)
        return _explained(rows, ctx)

    why = [_why_not(compiler, w.condition, scope) for _, w in wheres]
    distances = [compile_distance(compiler, w.condition, scope) for _, w in wheres]
    groups = [n for n in compiler.group_keys if n in scope.index]
    holder = compiler.holder

    def _explained(rows: Rows, ctx: Context) -> Rows:
        for r in rows:
            values = [t(r) for t in tests]
            if all(v is True for v in values):
                yield r
                continue
            first = next(i for i, v in enumerate(values) if v is not True)
            reason, conjunct = why[first](r)
            if r[0] is None and groups:
                group = ", ".join(_shown(n, r[scope.index[n]], scope.type_of(n)) for n in groups)
                reason = f"group {group}: {reason}"
            # Measured aside, so that the measuring adds no warning to the run's.
            holder[0] = Context(Warnings(), ctx.now, ctx.documents)
            try:
                distance = sum(d(r) for d in distances) / len(distances)
            finally:
                holder[0] = ctx
            drop = Dropped(r[0], reason, conjunct, distance)
            ctx.dropped.setdefault(indexes[first], []).append(drop)

    return scope, where


def _shown(name: str, cell: Any, kind: str) -> str:
    return f"{name} = {json.dumps(to_json(cell, kind), ensure_ascii=False, default=str)}"


def _why_not(
    compiler: Compiler, condition: ast.Expr, scope: _Scope
) -> Callable[[Row], tuple[str, int]]:
    """For explanations: which part of a condition is not true on a row, with the values
    it read (`process.name == "cmd.exe" is false: process.name = "x"`), and its position
    among the condition's AND operands; a multi-valued field is named as the reason for a
    null."""
    parts = []
    for conjunct in _conjuncts(condition):
        test = compiler._boolean(conjunct, scope)
        names = list(dict.fromkeys(c.name for c in ast.columns(conjunct) if c.name in scope.index))
        parts.append((compiler.source(conjunct), test, names))

    def why(row: Row) -> tuple[str, int]:
        for position, (label, test, names) in enumerate(parts):
            value = test(row)
            if value is True:
                continue
            shown = [_shown(n, row[scope.index[n]], scope.type_of(n)) for n in names]
            multi = [n for n in names if row[scope.index[n]].__class__ is tuple]
            text = f"{label} is {'null' if value is None else 'false'}"
            if shown:
                text += " (" + ", ".join(shown) + ")"
            if value is None and multi:
                text += (
                    f"; {', '.join(multi)} has several values, and a single-value comparison "
                    "of a multi-value is null in ES|QL (use MV_CONTAINS, MV_EXPAND or KQL())"
                )
            return text, position
        return f"{compiler.source(condition)} is not true", 0

    return why


def _conjuncts(node: ast.Expr) -> tuple[ast.Expr, ...]:
    return node.operands if isinstance(node, ast.And) else (node,)


_PUSHABLE_CALLS = frozenset({"cidr_match", "starts_with", "ends_with", "kql", "match", "qstr"})


def _is_pushable(node: ast.Expr, fields: frozenset[str]) -> bool:
    """Whether Elasticsearch pushes the condition down to Lucene
    (`LucenePushdownPredicates`): a source field (not text) compared with constants, IN,
    IS NULL, LIKE/RLIKE, CIDR_MATCH, STARTS_WITH/ENDS_WITH, full-text functions, and
    AND/OR/NOT of such conditions."""

    def field(expr: ast.Expr) -> bool:
        return isinstance(expr, ast.Column) and expr.name in fields

    def constant(expr: ast.Expr) -> bool:
        return not any(isinstance(n, ast.Column) for n in ast.walk(expr))

    match node:
        case ast.And(operands=ops) | ast.Or(operands=ops):
            return all(_is_pushable(op, fields) for op in ops)
        case ast.Not(operand=op):
            return _is_pushable(op, fields)
        case ast.Compare(left=left, right=right):
            return (field(left) and constant(right)) or (field(right) and constant(left))
        case ast.In(value=value, options=options):
            return field(value) and all(constant(o) for o in options)
        case ast.IsNull(value=value) | ast.Like(value=value):
            return field(value)
        case ast.Call(name=name, args=args):
            if name.lower() in ("kql", "match", "qstr"):
                return True
            return (
                name.lower() in _PUSHABLE_CALLS
                and bool(args)
                and field(args[0])
                and all(constant(a) for a in args[1:])
            )
    return False


def _assignments(
    compiler: Compiler, assignments: tuple[ast.Assignment, ...], scope: _Scope
) -> tuple[_Scope, list[tuple[int | None, Fn]], list[int]]:
    """Columns after EVAL-like assignments: (target position or None to append, fn) per
    assignment, applied left to right, and the final projection."""
    columns = list(scope.columns)
    layout = list(range(1, len(columns) + 1))  # where each column lives in the work row
    work = len(columns)
    fns_: list[Fn] = []
    for assignment in assignments:
        fn, kind = compiler.expr(assignment.value, _Scope(columns))
        fns_.append(_positional(fn, layout))
        names = [c for c, _ in columns]
        if assignment.name in names:
            at = names.index(assignment.name)
            del columns[at], layout[at]
        work += 1
        columns.append((assignment.name, kind))
        layout.append(work)
    return _Scope(columns), [(None, f) for f in fns_], layout


def _positional(fn: Fn, layout: list[int]) -> Fn:
    """`fn` compiled for a row in `layout` order, applied to the growing work row."""
    picks = list(layout)
    if picks == list(range(1, len(picks) + 1)):
        return fn

    def run(work: Row) -> Any:
        return fn((work[0], *[work[p] for p in picks]))

    return run


def _eval(compiler: Compiler, command: ast.Eval, scope: _Scope) -> tuple[_Scope, Step]:
    new_scope, fns_, layout = _assignments(compiler, command.fields, scope)
    computes = [f for _, f in fns_]
    identity = layout == list(range(1, len(layout) + 1))

    def evaluate(rows: Rows, ctx: Context) -> Rows:
        for r in rows:
            work = r
            for fn in computes:
                work = (*work, fn(work))
            yield work if identity else (work[0], *[work[p] for p in layout])

    return new_scope, evaluate


def _project(scope: _Scope, names: list[str]) -> tuple[_Scope, Step]:
    picks = [scope.index[n] for n in names]
    columns = [scope.columns[p - 1] for p in picks]

    def project(rows: Rows, ctx: Context) -> Rows:
        return ((r[0], *[r[p] for p in picks]) for r in rows)

    return _Scope(columns), project


def _keep(compiler: Compiler, command: ast.Keep, scope: _Scope) -> tuple[_Scope, Step]:
    # Each column goes where its most specific pattern is: an exact name beats a partial
    # wildcard, which beats `*` (ES reference, KEEP); among equals the last one.
    names = [c for c, _ in scope.columns]
    best: dict[str, tuple[int, int]] = {}
    for position, pattern in enumerate(command.patterns):
        matched = [n for n in names if pattern.matches(n)]
        if not matched and not pattern.is_wildcard:
            raise EsqlError(f"Unknown column [{pattern.name}]", pattern.span)
        rank = 2 if not pattern.is_wildcard else 0 if pattern.name == "*" else 1
        for name in matched:
            if name not in best or rank >= best[name][0]:
                best[name] = (rank, position)
    ordered = sorted(best, key=lambda n: (best[n][1], names.index(n)))
    return _project(scope, ordered)


def _drop(compiler: Compiler, command: ast.Drop, scope: _Scope) -> tuple[_Scope, Step]:
    names = [c for c, _ in scope.columns]
    dropped: set[str] = set()
    for pattern in command.patterns:
        matched = [n for n in names if pattern.matches(n)]
        if not matched and not pattern.is_wildcard:
            raise EsqlError(f"Unknown column [{pattern.name}]", pattern.span)
        dropped.update(matched)
    return _project(scope, [n for n in names if n not in dropped])


def _rename(compiler: Compiler, command: ast.Rename, scope: _Scope) -> tuple[_Scope, Step]:
    columns = list(scope.columns)
    sources = list(range(1, len(columns) + 1))
    for item in command.items:
        names = [c for c, _ in columns]
        if item.old.name not in names:
            raise EsqlError(f"Unknown column [{item.old.name}]", item.old.span)
        at = names.index(item.old.name)
        columns[at] = (item.new.name, columns[at][1])
        # Renaming onto an existing column replaces it.
        for other, (name, _) in enumerate(columns):
            if name == item.new.name and other != at:
                del columns[other], sources[other]
                break
    picks = list(sources)

    identity = picks == list(range(1, len(scope.columns) + 1))

    def rename(rows: Rows, ctx: Context) -> Rows:
        if identity:
            return rows
        return ((r[0], *[r[p] for p in picks]) for r in rows)

    return _Scope(columns), rename


def _completion(
    compiler: Compiler, command: ast.Completion, scope: _Scope, answer: str | None
) -> tuple[_Scope, Step]:
    if answer is None:
        raise NotEvaluated(
            "ruleops does not evaluate COMPLETION: it asks an LLM through an Elasticsearch "
            'inference endpoint (a fixture case can give its answer: completion = "…")',
            command.span,
        )
    compiler.expr(command.prompt, scope)  # the prompt must still be a valid expression
    name = command.target_name
    kept = [(n, t) for n, t in scope.columns if n != name]
    picks = [scope.index[n] for n, _ in kept]

    def complete(rows: Rows, ctx: Context) -> Rows:
        return ((r[0], *[r[p] for p in picks], answer) for r in rows)

    return _Scope([*kept, (name, "keyword")]), complete


def _limit(compiler: Compiler, command: ast.Limit, scope: _Scope) -> tuple[_Scope, Step]:
    count = command.count.value if isinstance(command.count, ast.Literal) else None
    if not isinstance(count, int) or count < 0:
        raise EsqlError("LIMIT takes a non-negative integer", command.span)
    return scope, lambda rows, ctx: list(islice(rows, count))


def _sort(compiler: Compiler, command: ast.Sort, scope: _Scope) -> tuple[_Scope, Step]:
    keys = []
    for order in command.orders:
        fn, kind = compiler.expr(order.value, scope)
        nulls_first = order.descending if order.nulls_first is None else order.nulls_first
        key = (lambda v: v.key) if kind == "version" else None
        keys.append((fn, order.descending, nulls_first, key))

    def compare(a: tuple[Any, ...], b: tuple[Any, ...]) -> int:
        for (value_a, value_b), (_, descending, nulls_first, _key) in zip(
            zip(a, b, strict=True), keys, strict=True
        ):
            if value_a is None or value_b is None:
                if value_a is None and value_b is None:
                    continue
                return (-1 if nulls_first else 1) * (1 if value_a is None else -1)
            if value_a == value_b:
                continue
            result = -1 if value_a < value_b else 1
            return -result if descending else result
        return 0

    def sort_value(cell: Any, descending: bool, key: Any) -> Any:
        if cell is None:
            return None
        if key is not None:
            cell = tuple(key(v) for v in cell) if cell.__class__ is tuple else key(cell)
        if cell.__class__ is tuple:
            return max(cell) if descending else min(cell)
        return cell

    limit = compiler.sort_limit

    def sort(rows: Rows, ctx: Context) -> Rows:
        decorated = [(tuple(sort_value(fn(r), d, k) for fn, d, _, k in keys), r) for r in rows]
        size = len(decorated) if limit is None else limit
        ordered = top_n(decorated, size, lambda x, y: compare(x[0], y[0]))
        return [r for _, r in ordered]

    return scope, sort


def _mv_expand(compiler: Compiler, command: ast.MvExpand, scope: _Scope) -> tuple[_Scope, Step]:
    position = scope.index.get(command.column.name)
    if position is None:
        raise EsqlError(f"Unknown column [{command.column.name}]", command.column.span)

    def expand(rows: Rows, ctx: Context) -> Rows:
        for r in rows:
            cell = r[position]
            if cell.__class__ is tuple:
                ctx.expanded += len(cell) - 1
                if ctx.expanded > MAX_EXPANDED_ROWS:
                    raise NotEvaluated(
                        f"MV_EXPAND makes more than {MAX_EXPANDED_ROWS:,} rows: ruleops "
                        "evaluates queries on fixtures and samples, not on that many rows",
                        command.span,
                    )
                for value in cell:
                    yield (*r[:position], value, *r[position + 1 :])
            else:
                yield r

    return scope, expand


def _extract(
    compiler: Compiler,
    scope: _Scope,
    value: ast.Expr,
    new: list[tuple[str, str]],
    match: Callable[[str], list[Any] | None],
    label: str,
) -> tuple[_Scope, Step]:
    """GROK and DISSECT: new columns from each value of the input (appended; a column of
    the same name moves to the end)."""
    fn, _ = compiler.expr(value, scope)
    new_names = {n for n, _ in new}
    kept = [(n, t) for n, t in scope.columns if n not in new_names]
    picks = [scope.index[n] for n, _ in kept]
    count = len(new)

    def extract(rows: Rows, ctx: Context) -> list[Row]:
        out = []
        for r in rows:
            found: list[list[Any]] = [[] for _ in range(count)]
            for text in as_list(fn(r)):
                values = match(text)
                if values is None:
                    continue
                for i, v in enumerate(values):
                    found[i].extend(as_list(v))
            out.append((r[0], *[r[p] for p in picks], *[mv_of(f) for f in found]))
        return out

    def bounded(rows: Rows, ctx: Context) -> list[Row]:
        try:
            return extract(rows, ctx)
        except RegexTimeout as error:
            span = value.span if hasattr(value, "span") else ast.NO_SPAN
            raise NotEvaluated(error.describe(label), span) from None

    return _Scope(kept + new), bounded


def _grok(compiler: Compiler, command: ast.Grok, scope: _Scope) -> tuple[_Scope, Step]:
    try:
        groks = compile_groks(tuple(str(p.value) for p in command.patterns))
    except GrokError as error:
        raise EsqlError(f"Invalid GROK pattern: {error}", command.span) from None
    columns: list[tuple[str, str]] = []
    for grok in groks:
        for column in grok.columns:
            if column.name not in [c for c, _ in columns]:
                columns.append((column.name, column.type))
    index = {name: i for i, (name, _) in enumerate(columns)}

    def match(text: str) -> list[Any] | None:
        for grok in groks:
            values = grok.match(text)
            if values is not None:
                out: list[Any] = [None] * len(columns)
                for column, value in zip(grok.columns, values, strict=True):
                    out[index[column.name]] = value
                return out
        return None

    return _extract(compiler, scope, command.input, columns, match, "GROK")


def _dissect(compiler: Compiler, command: ast.Dissect, scope: _Scope) -> tuple[_Scope, Step]:
    try:
        dissect = compile_dissect(str(command.pattern.value))
    except DissectError as error:
        raise EsqlError(f"Invalid DISSECT pattern: {error}", command.span) from None
    separator = command.append_separator or ""
    columns = [(name, "keyword") for name in dissect.columns]
    return _extract(
        compiler,
        scope,
        command.input,
        columns,
        lambda text: dissect.match(text, separator),
        "DISSECT",
    )


# ---------------------------------------------------------------------------- STATS


def _stats_parts(compiler: Compiler, command: Any, scope: _Scope):
    """Compile BY keys and aggregates. Aggregates may be expressions over aggregate calls
    (`SUM(x) + 1`) and BY keys: those calls are computed per group, then the expression."""
    _shadowing_warnings(compiler, command)
    # BY keys are computed from the input rows (not from one another); a name given twice
    # keeps its last key. Aggregates and their WHERE may read keys by name (`STATS max(l)
    # BY l = languages`), a key shadowing an input column of that name.
    last = {group.name: group for group in command.groups}
    groups = [g for g in command.groups if last[g.name] is g]
    compiled = [compiler.expr(g.value, scope) for g in groups]
    key_names = [g.name for g in groups]
    kept = [(n, t) for n, t in scope.columns if n not in last]
    picks = [scope.index[n] for n, _ in kept]
    key_fns = [fn for fn, _ in compiled]

    def widen(rows: Rows, ctx: Context) -> Rows:
        for r in rows:
            yield (r[0], *[r[p] for p in picks], *[fn(r) for fn in key_fns])

    scope = _Scope(kept + [(g.name, kind) for g, (_, kind) in zip(groups, compiled, strict=True)])
    keys = []
    for group in groups:
        position = scope.index[group.name]
        keys.append((group.name, lambda r, p=position: r[p], scope.type_of(group.name)))
    aggregates = []
    for aggregation in command.aggregates:
        calls: list[tuple[Callable[[list[Any]], Any], list[Fn], Fn | None, Any]] = []

        def lift(node: Any, calls=calls, aggregation=aggregation) -> Any:
            if isinstance(node, ast.Call) and (fns.lookup(node.name) or _NONE).aggregate:
                function = fns.lookup(node.name)
                assert function is not None
                args = node.args
                if len(args) == 1 and isinstance(args[0], ast.Star):
                    args = ()
                if (
                    function.name == "weighted_avg"
                    and len(args) == 2
                    and not any(isinstance(n, ast.Column) for n in ast.walk(args[1]))
                    and compiler.constant(args[1], scope)[0].__class__ is not tuple
                ):
                    # A constant weight: Elasticsearch plans it as SUM(v) / COUNT(v).
                    function = fns.lookup(CONSTANT_WEIGHT)
                    assert function is not None
                    args = args[:1]
                compiled = compiler.arguments(node, args, [compiler.expr(a, scope) for a in args])
                types = tuple(t for _, t in compiled) or ("null",)
                impl = function.bind(types)
                where = (
                    compiler._boolean(aggregation.where, scope)
                    if aggregation.where is not None
                    else None
                )
                calls.append((impl, [c[0] for c in compiled], where, node))
                return ast.Column(f"\x00agg{len(calls) - 1}", node.span), function.result(types)
            return None

        expression, kinds = _replace_aggregates(aggregation.value, lift)
        agg_columns = [(f"\x00agg{i}", kinds[i]) for i in range(len(calls))]
        group_scope = _Scope(agg_columns + [(n, t) for n, _, t in keys])
        if isinstance(expression, ast.Column) and expression.name in group_scope.index:
            final, kind = compiler.expr(expression, group_scope)
        elif not calls:
            # A STATS expression with no aggregate may only read BY keys.
            final, kind = compiler.expr(expression, _Scope([(n, t) for n, _, t in keys]))
            final = _shift(final, len(calls))
        else:
            final, kind = compiler.expr(expression, group_scope)
        aggregates.append((aggregation.name, calls, final, "keyword" if kind == "text" else kind))
    return keys, key_names, aggregates, widen, scope


def _shadowing_warnings(compiler: Compiler, command: Any) -> None:
    """`Field 'x' shadowed by field at line l:c` for a name STATS assigns more than once
    (aggregates, then BY keys; the last one wins)."""
    places: dict[str, list[int]] = {}
    for item in (*command.aggregates, *command.groups):
        node = item.target if item.target is not None else item.value
        places.setdefault(item.name, []).append(node.span.start)
    for name, starts in places.items():
        for start in starts[:-1]:
            where = _line_col(compiler.text, start)
            later = _line_col(compiler.text, starts[-1]).replace("Line ", "line ")
            compiler.planning_warnings.append(
                f"{where}: Field '{name}' shadowed by field at {later}"
            )


class _NoFunction:
    aggregate = False


_NONE = _NoFunction()


def _shift(fn: Fn, count: int) -> Fn:
    return lambda row: fn((row[0], *row[1 + count :]))


def _replace_aggregates(node: Any, lift: Callable[[Any], Any]) -> tuple[Any, list[str]]:
    kinds: list[str] = []

    def visit(current: Any) -> Any:
        lifted = lift(current)
        if lifted is not None:
            replacement, kind = lifted
            kinds.append(kind)
            return replacement
        if not hasattr(current, "__dataclass_fields__"):
            return current
        changes = {}
        for name in current.__dataclass_fields__:
            value = getattr(current, name)
            if isinstance(value, tuple):
                new = tuple(visit(v) for v in value)
                if new != value:
                    changes[name] = new
            elif hasattr(value, "__dataclass_fields__") and not isinstance(value, ast.Span):
                new_value = visit(value)
                if new_value is not value:
                    changes[name] = new_value
        if not changes:
            return current

        return dataclasses.replace(current, **changes)

    return visit(node), kinds


def _group_rows(keys, rows: Rows) -> dict[tuple, list[Row]]:
    groups: dict[tuple, list[Row]] = {}
    if not keys:
        groups[()] = list(rows)  # no BY: one group, even with no rows
        return groups
    for r in rows:
        values = []
        for _, fn, _ in keys:
            cell = fn(r)
            values.append([None] if cell is None else list(as_list(cell)))
        for combination in product(*values):
            groups.setdefault(tuple(combination), []).append(r)
    if len(keys) == 1 and (None,) in groups:
        # One key: Elasticsearch's block hash gives the null key group id 0, so it comes
        # first; the other groups follow in the order they were first seen.
        groups = {(None,): groups.pop((None,)), **groups}
    return groups


def _aggregate_group(aggregates, members: list[Row], key: tuple) -> list[Any]:
    out = []
    for _name, calls, final, _kind in aggregates:
        results = []
        for impl, args, where, _node in calls:
            rows = members if where is None else [r for r in members if where(r) is True]
            if not args:
                cells: list[Any] = [1] * len(rows)
            elif len(args) == 1:
                cells = [args[0](r) for r in rows]
            else:
                cells = [tuple(a(r) for a in args) for r in rows]
            results.append(impl(cells))
        out.append(final((None, *results, *key)))
    return out


def _guarded_aggregates(compiler: Compiler, aggregates):
    """Aggregate calls whose failure (SUM overflow) is null plus warnings."""
    guarded = []
    for name, calls, final, kind in aggregates:
        new_calls = []
        for impl, args, where, node in calls:
            new_calls.append((_guard_impl(compiler, node, impl), args, where, node))
        guarded.append((name, new_calls, final, kind))
    return guarded


def _guard_impl(compiler: Compiler, node: Any, impl: Callable[[list[Any]], Any]):
    return compiler.guard(node, lambda cells: impl(cells))  # type: ignore[arg-type]


def _stats(compiler: Compiler, command: ast.Stats, scope: _Scope) -> tuple[_Scope, Step]:
    keys, key_names, aggregates, widen, _ = _stats_parts(compiler, command, scope)
    aggregates = _guarded_aggregates(compiler, aggregates)
    compiler.group_keys = list(key_names)
    columns: list[tuple[str, str]] = []
    for name, _, _, kind in aggregates:
        columns = [c for c in columns if c[0] != name] + [(name, kind)]
    for name, _, kind in keys:
        columns = [c for c in columns if c[0] != name] + [(name, kind)]
    names = [n for n, _ in columns]
    agg_names = [a[0] for a in aggregates]

    def stats(rows: Rows, ctx: Context) -> list[Row]:
        out: list[Row] = []
        groups = _group_rows(keys, widen(rows, ctx))
        for key, members in groups.items():
            values = dict(zip(agg_names, _aggregate_group(aggregates, members, key), strict=True))
            values.update(zip(key_names, key, strict=True))
            out.append((None, *[values[n] for n in names]))
        return out

    return _Scope(columns), stats


def _inline_stats(
    compiler: Compiler, command: ast.InlineStats, scope: _Scope
) -> tuple[_Scope, Step]:
    keys, _, aggregates, widen, extended = _stats_parts(compiler, command, scope)
    aggregates = _guarded_aggregates(compiler, aggregates)
    new = [(a[0], a[3]) for a in aggregates] + [(n, t) for n, _, t in keys if n not in scope.index]
    new_names = {n for n, _ in new}
    kept = [(n, t) for n, t in scope.columns if n not in new_names]
    picks = [extended.index[n] for n, _ in kept]
    columns = kept + new

    def inline(rows: Rows, ctx: Context) -> list[Row]:
        rows = list(widen(rows, ctx))
        groups = _group_rows(keys, rows)
        results = {
            key: _aggregate_group(aggregates, members, key) for key, members in groups.items()
        }
        out = []
        for r in rows:
            key = tuple(None if (c := fn(r)) is None else c for _, fn, _ in keys)
            values = results.get(key) if all(v.__class__ is not tuple for v in key) else None
            if values is None:
                values = [None] * len(aggregates)
            extra = [k for (n, _, _), k in zip(keys, key, strict=True) if n not in scope.index]
            out.append((r[0], *[r[p] for p in picks], *values, *extra))
        return out

    return _Scope(columns), inline


_COMMANDS: dict[type, Callable[[Compiler, Any, _Scope], tuple[_Scope, Step]]] = {
    ast.Eval: _eval,
    ast.Keep: _keep,
    ast.Drop: _drop,
    ast.Rename: _rename,
    ast.Limit: _limit,
    ast.Sort: _sort,
    ast.MvExpand: _mv_expand,
    ast.Grok: _grok,
    ast.Dissect: _dissect,
    ast.Stats: _stats,
    ast.InlineStats: _inline_stats,
}

__all__ = ["EvalFailure", "compile_query"]
