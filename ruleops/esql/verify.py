"""What a parsed ES|QL query gets wrong that Elasticsearch (or its results) would show:
unknown functions and columns, wrong arguments, comparisons of types that cannot meet,
LIKE written with SQL's wildcards or with none, invalid RLIKE, GROK and DISSECT patterns,
and single-value operators on ECS fields that may hold several values.

Columns are typed through the pipe by `ruleops.esql.schema`; the source fields come from the
caller (ECS and the rule's field definitions) as a `SourceLookup`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator

from ruleops.esql import ast, codes, functions, types
from ruleops.esql.dissect import DissectError, compile_dissect
from ruleops.esql.grok import GrokError, compile_grok, compile_groks
from ruleops.esql.schema import Schema, SourceLookup, computed, schemas, type_of
from ruleops.query.fieldcheck import UNKNOWN_FIELD
from ruleops.query.finding import QueryFinding
from ruleops.query.lucene_regex import LuceneRegexError, compile_lucene

# Functions whose argument is matched as a whole against a multi-valued field without
# dropping the row (docs: each function's page): the multi-value check skips their insides.
_MV_SAFE = frozenset(
    {"mv_contains", "mv_count", "mv_dedupe", "mv_first", "mv_last", "mv_min", "mv_max",
     "mv_concat", "mv_sort", "mv_slice", "mv_sum", "mv_avg", "mv_median", "mv_append",
     "mv_zip", "mv_intersection", "mv_union", "mv_contains_all", "mv_intersects",
     "values", "count", "count_distinct", "top", "first", "last", "min", "max", "coalesce",
     "kql", "match", "qstr", "match_phrase", "multi_match", "is_null", "to_string"}
)  # fmt: skip
_LIKE_WILDCARD = re.compile(r"(?<!\\)(?:\\\\)*[*?]")


def verify(
    query: ast.Query,
    source: SourceLookup | None,
    suggest: Callable[[str], str | None] = lambda name: None,
    multi_valued: Callable[[str], bool] = lambda name: False,
) -> list[QueryFinding]:
    found: list[QueryFinding] = []
    seen = schemas(query, source)
    for index, command in enumerate(query.commands):
        schema = seen[index]
        found.extend(_command(command, schema, suggest, multi_valued))
    return found


def _command(command, schema: Schema, suggest, multi_valued) -> Iterator[QueryFinding]:
    if isinstance(command, ast.Fork):
        return
    if isinstance(command, ast.Grok | ast.Dissect):
        yield from _extraction_patterns(command)
    if isinstance(command, ast.Rename):
        for item in command.items:
            yield from _column(item.old, schema, suggest)
    if isinstance(command, ast.Keep | ast.Drop):
        for pattern in command.patterns:
            if not pattern.is_wildcard and schema.type_of(pattern.name) is None:
                yield _unknown_column(pattern.name, pattern.span, schema, suggest)
    if isinstance(command, ast.Where):
        yield from _condition(command.condition, schema)
    if isinstance(command, ast.Stats | ast.InlineStats):
        for aggregation in command.aggregates:
            if aggregation.where is not None:
                yield from _condition(aggregation.where, schema)
    # EVAL sees the columns it has just made (`EVAL a = 1, b = a + 1`).
    if isinstance(command, ast.Eval):
        for assignment in command.fields:
            yield from _expression(assignment.value, schema, suggest, multi_valued)
            schema = schema.with_column(assignment.name, type_of(assignment.value, schema))
        return
    for expr in ast.expressions(command):
        yield from _expression(expr, schema, suggest, multi_valued)


def _expression(expr: ast.Expr, schema: Schema, suggest, multi_valued) -> Iterator[QueryFinding]:
    for node in ast.walk(expr):
        match node:
            case ast.Column():
                yield from _column(node, schema, suggest)
            case ast.Call():
                yield from _call(node, schema)
            case ast.Compare():
                yield from _compare(node, schema)
            case ast.In():
                yield from _in(node, schema)
            case ast.Arithmetic():
                yield from _arithmetic(node, schema)
            case ast.Like():
                yield from _like(node, schema)
            case ast.And() | ast.Or():
                for operand in node.operands:
                    yield from _condition(operand, schema)
            case ast.Not():
                yield from _condition(node.operand, schema)
    yield from _multi_valued(expr, schema, multi_valued)


def _column(column: ast.Column, schema: Schema, suggest) -> Iterator[QueryFinding]:
    if schema.type_of(column.name) is None:
        yield _unknown_column(column.name, column.span, schema, suggest)


def _unknown_column(name: str, span: ast.Span, schema: Schema, suggest) -> QueryFinding:
    nearest = difflib.get_close_matches(name, list(schema.columns), n=1, cutoff=0.75)
    hint = f"did you mean `{nearest[0]}`?" if nearest else None
    removed = schema.removed_by(name) if schema.source is not None else None
    if hint is None and schema.source is not None and removed is None:
        guess = suggest(name)
        hint = f"did you mean `{guess}`?" if guess and guess != name else None
    if schema.source is None:
        why = "no such column here: STATS, KEEP or DROP before this point left only " + (
            ", ".join(f"`{c}`" for c in list(schema.columns)[:8]) or "no columns"
        )
        return QueryFinding(codes.UNKNOWN_COLUMN, f"unknown column `{name}`: {why}", span, hint)
    # Elasticsearch's analyser resolves every name against the columns at that point of the
    # pipe ("Unknown column [x]", Analyzer.ResolveRefs): a field KEEP, DROP or RENAME took
    # away is gone, and so is an `Esql.*` name no command made.
    if removed is not None:
        why = f"{removed} before this point removed it"
        return QueryFinding(
            codes.UNKNOWN_COLUMN,
            f"unknown column `{name}`: {why}",
            span,
            hint or _REMOVED_HINTS[removed],
        )
    if computed(name):
        return QueryFinding(
            codes.UNKNOWN_COLUMN,
            f"unknown column `{name}`: no command before this point made it",
            span,
            hint,
        )
    # A field of an ECS field set that ECS does not define: the same finding (and warning)
    # as in EQL and KQL rules.
    return QueryFinding(
        UNKNOWN_FIELD,
        f"`{name}` is not an ECS field, a field definition, or a column the query made",
        span,
        hint,
    )


_REMOVED_HINTS = {
    "KEEP": "name it in the KEEP, or read it before the KEEP",
    "DROP": "read it before the DROP, or leave it out of the DROP",
    "RENAME": "read it by its new name after the RENAME",
}


def _call(call: ast.Call, schema: Schema) -> Iterator[QueryFinding]:
    if not functions.exists(call.name):
        near = functions.nearest(call.name)
        yield QueryFinding(
            codes.UNKNOWN_FUNCTION,
            f"`{call.name}` is not an ES|QL function",
            call.span,
            f"did you mean `{near}`?" if near else None,
        )
        return
    function = functions.lookup(call.name)
    if function is None:
        return
    # The trailing `{…}` options map is not counted: newer versions add it to functions whose
    # copied definitions predate it (MATCH).
    count = len(call.args)
    if count < function.min_args or (function.max_args is not None and count > function.max_args):
        wanted = (
            f"{function.min_args}"
            if function.max_args == function.min_args
            else f"{function.min_args} to {function.max_args}"
            if function.max_args is not None
            else f"at least {function.min_args}"
        )
        params = ", ".join(p + ("?" if optional else "") for p, optional in function.params)
        yield QueryFinding(
            codes.FUNCTION_ARGUMENTS,
            f"{call.name.upper()} takes {wanted} argument(s), got {count}",
            call.span,
            f"{call.name.upper()}({params})",
        )
        return
    name = functions.canonical(call.name)
    kinds = [type_of(arg, schema) for arg in call.args]
    if functions.conditional_error(name, "", [("", kind) for kind in kinds]) is not None:
        yield QueryFinding(
            codes.FUNCTION_ARGUMENTS,
            f"the values of {call.name.upper()} have different types ("
            + ", ".join(kinds)
            + "); Elasticsearch rejects the query",
            call.span,
            "give every value one type (TO_STRING, TO_LONG, …); CASE's conditions are booleans",
        )
    rejected = False
    for index, arg in enumerate(call.args):
        kind = kinds[index]
        target = functions.literal_target(name, index)
        if target is not None and _string_literal(arg):
            finding = _literal(arg, target)
            if finding is not None:
                yield finding
                rejected = True
                continue
            kinds[index] = kind = target
        if any(isinstance(n, ast.Column) for n in ast.walk(arg)):
            message = functions.constant_error(name, call.name.upper(), index, "")
            if message is not None:
                rejected = True
                yield QueryFinding(
                    codes.FUNCTION_ARGUMENTS,
                    f"argument {index + 1} of {call.name.upper()} must be a constant, not a column",
                    arg.span,
                )
                continue
        if functions.accepts(name, index, kind):
            continue
        rejected = True
        yield QueryFinding(
            codes.FUNCTION_ARGUMENTS,
            f"argument {index + 1} of {call.name.upper()} is {kind}; it takes "
            + functions.describe(function.accepts_at(index)),
            arg.span,
            _CONVERT,
        )
    if not rejected and not any(isinstance(a, ast.Star) for a in call.args):
        message = functions.combination_error(name, call.name.upper(), kinds)
        if message is not None:
            shapes = sorted({", ".join(params) for params, _ in function.signatures})
            yield QueryFinding(
                codes.FUNCTION_ARGUMENTS,
                f"{call.name.upper()} takes no arguments of types {', '.join(kinds)}",
                call.span,
                f"{call.name.upper()} takes ("
                + "), (".join(shapes[:6])
                + ("), …" if len(shapes) > 6 else ")"),
            )


_CONVERT = "convert it (TO_STRING, TO_LONG, TO_IP, …) to a type it takes"


def _string_literal(node: ast.Expr) -> bool:
    return isinstance(node, ast.Literal) and isinstance(node.value, str)


def _literal(node: ast.Expr, target: str) -> QueryFinding | None:
    """A string literal that Elasticsearch converts to `target`, and cannot."""
    assert isinstance(node, ast.Literal) and isinstance(node.value, str)
    text = node.value
    message = types.literal_error(text, target)
    if message is None:
        return None
    if target == "ip":
        return QueryFinding(
            codes.TYPE_MISMATCH,
            f'"{text}" is not an IP address; an ip compares only with addresses',
            node.span,
            'for a range use CIDR_MATCH(field, "10.0.0.0/8")',
        )
    return QueryFinding(codes.TYPE_MISMATCH, message, node.span, _LITERAL_HINTS.get(target))


_LITERAL_HINTS = {
    "date": 'write an ISO-8601 date such as "2024-05-01T10:00:00Z", or date math: NOW() - 1 day',
    "date_nanos": 'write an ISO-8601 date such as "2024-05-01T10:00:00.123456789Z"',
}


def _operands(left_node, left: str, right_node, right: str, *, arithmetic: bool = False):
    """The operand types after Elasticsearch converts a string literal beside a date, ip,
    version or boolean (in arithmetic, also beside a time span: to a date), and the
    findings for literals that do not convert."""
    found: list[QueryFinding] = []

    def target(other: str) -> str | None:
        if arithmetic and other in types.TEMPORAL_AMOUNT:
            return "date"
        return types.operator_literal_target(other)

    left_target, right_target = target(right), target(left)
    if left_target is not None and _string_literal(left_node):
        found += filter(None, [_literal(left_node, left_target)])
        left = left_target
    if right_target is not None and _string_literal(right_node):
        found += filter(None, [_literal(right_node, right_target)])
        right = right_target
    return left, right, found


def _compare(node: ast.Compare, schema: Schema) -> Iterator[QueryFinding]:
    left, right = type_of(node.left, schema), type_of(node.right, schema)
    left, right, found = _operands(node.left, left, node.right, right)
    yield from found
    if not found and not types.comparable(left, right):
        yield QueryFinding(
            codes.TYPE_MISMATCH,
            f"`{node.op}` compares {left} with {right}; Elasticsearch rejects the query",
            node.span,
            "convert one side (TO_STRING, TO_LONG, TO_IP, …) so both have the same type",
        )


def _in(node: ast.In, schema: Schema) -> Iterator[QueryFinding]:
    kind = type_of(node.value, schema)
    for option in node.options:
        _, option_kind, found = _operands(node.value, kind, option, type_of(option, schema))
        yield from found
        if not found and not types.comparable(kind, option_kind):
            yield QueryFinding(
                codes.TYPE_MISMATCH,
                f"IN compares {kind} with {option_kind}; Elasticsearch rejects the query",
                option.span,
                "every value in the list must have the type of the tested value",
            )


def _arithmetic(node: ast.Arithmetic, schema: Schema) -> Iterator[QueryFinding]:
    left, right = type_of(node.left, schema), type_of(node.right, schema)
    left, right, found = _operands(node.left, left, node.right, right, arithmetic=True)
    yield from found
    if not found and types.arithmetic_type(node.op, left, right) is None:
        yield QueryFinding(
            codes.TYPE_MISMATCH,
            f"`{node.op}` does not take {left} and {right}; Elasticsearch rejects the query",
            node.span,
            "arithmetic takes numbers, or a date and a time span (`@timestamp - 1 day`)",
        )


def _condition(node: ast.Expr, schema: Schema) -> Iterator[QueryFinding]:
    """A WHERE, AND, OR or NOT operand that is not a boolean."""
    kind = type_of(node, schema)
    if types.condition_error("", kind) is not None:
        yield QueryFinding(
            codes.TYPE_MISMATCH,
            f"this condition is {kind}, not a boolean; Elasticsearch rejects the query",
            node.span,
            "compare it (`== …`, `IS NOT NULL`, …)",
        )


def _like(node: ast.Like, schema: Schema) -> Iterator[QueryFinding]:
    kind = type_of(node.value, schema)
    operator = "RLIKE" if node.regex else "LIKE"
    if types.match_operand_error("", "", kind) is not None:
        yield QueryFinding(
            codes.TYPE_MISMATCH,
            f"{operator} matches strings, and this value is {kind}; Elasticsearch rejects the "
            "query",
            node.value.span,
            "convert it with TO_STRING, or compare it with `==`, `<`…",
        )
    for pattern in node.patterns:
        pattern_kind = type_of(pattern, schema)
        if types.pattern_error("", "", pattern_kind) is not None:
            yield QueryFinding(
                codes.TYPE_MISMATCH,
                f"a {operator} pattern is a string, not {pattern_kind}; Elasticsearch rejects "
                "the query",
                pattern.span,
                f'write the pattern in double quotes: {operator} "…"',
            )
    for pattern in node.patterns:
        if not isinstance(pattern, ast.Literal) or not isinstance(pattern.value, str):
            continue
        text = pattern.value
        if node.regex:
            yield from _regex(text, pattern)
            continue
        wildcards = _LIKE_WILDCARD.search(text) is not None
        if "%" in text and not wildcards:
            yield QueryFinding(
                codes.LIKE_SQL_WILDCARD,
                f'LIKE "{text}" uses `%` as a wildcard, but ES|QL\'s LIKE knows only `*` '
                "(any characters) and `?` (one character): `%` matches itself, so this "
                "pattern never matches what it means to",
                pattern.span,
                f'write "{text.replace("%", "*")}"',
            )
        elif not wildcards:
            yield QueryFinding(
                codes.LIKE_WITHOUT_WILDCARD,
                f'LIKE "{text}" has no wildcard: it is an exact comparison',
                pattern.span,
                "use `==` (or add `*` / `?` if a wildcard was meant)",
            )


def _regex(text: str, pattern: ast.Literal) -> Iterator[QueryFinding]:
    try:
        compile_lucene(text)
    except LuceneRegexError as error:
        yield QueryFinding(
            codes.INVALID_REGEX,
            f"invalid RLIKE pattern: {error.message} (at character {error.offset + 1})",
            pattern.span,
            "RLIKE takes Lucene's regular expression syntax, not Java's: \\d, \\w and \\s "
            "exist, but no lazy quantifiers, look-arounds or anchors (the whole value must match)",
        )
    except Exception:  # too complex to compile: Elasticsearch may still accept it
        return


def _extraction_patterns(command: ast.Grok | ast.Dissect) -> Iterator[QueryFinding]:
    patterns = command.patterns if isinstance(command, ast.Grok) else (command.pattern,)
    failed = False
    for pattern in patterns:
        if not isinstance(pattern.value, str):
            continue
        try:
            if isinstance(command, ast.Grok):
                compile_grok(pattern.value)
            else:
                compile_dissect(pattern.value)
        except (GrokError, DissectError) as error:
            yield QueryFinding(
                codes.INVALID_PATTERN,
                f"invalid {command.keyword} pattern: {error}",
                pattern.span,
            )
            failed = True
    texts = tuple(p.value for p in patterns if isinstance(p.value, str))
    if isinstance(command, ast.Grok) and len(texts) > 1 and not failed:
        try:
            compile_groks(texts)
        except GrokError as error:
            yield QueryFinding(
                codes.INVALID_PATTERN, f"invalid GROK patterns: {error}", patterns[-1].span
            )


_SINGLE_VALUE_OPS = (ast.Compare, ast.Like, ast.In)


def _multi_valued(expr: ast.Expr, schema: Schema, multi_valued) -> Iterator[QueryFinding]:
    """`==`, `!=`, `<`…, LIKE, RLIKE, IN and CIDR_MATCH on a source field that may hold
    several values: Elasticsearch evaluates them to null on a multi-valued document (with a
    warning), so the row is dropped, where KQL and EQL would match any value. An argument
    list (`process.args`) holds several values whenever the process had an argument: there
    the condition can never hold (RO716)."""
    stack: list[ast.Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call) and functions.canonical(node.name) in _MV_SAFE:
            continue
        operand = None
        if isinstance(node, ast.Compare):
            operand = node.left if isinstance(node.left, ast.Column) else node.right
        elif isinstance(node, ast.Like | ast.In):
            operand = node.value
        elif isinstance(node, ast.Call) and functions.canonical(node.name) == "cidr_match":
            operand = node.args[0] if node.args else None
        if (
            isinstance(operand, ast.Column)
            and operand.name not in schema.columns
            and operand.name not in schema.expanded
            and schema.source is not None
            and multi_valued(operand.name)
        ):
            yield _multi_valued_finding(node, operand.name)
            continue
        stack.extend(ast.children(node))


def _multi_valued_finding(node: ast.Expr, name: str) -> QueryFinding:
    what = (
        f"`{node.op}`" if isinstance(node, ast.Compare)
        else "CIDR_MATCH" if isinstance(node, ast.Call)
        else "IN" if isinstance(node, ast.In)
        else "RLIKE" if isinstance(node, ast.Like) and node.regex
        else "LIKE"
    )  # fmt: skip
    if name.endswith(".args"):
        return QueryFinding(
            codes.ARGUMENT_LIST,
            f"`{name}` holds the executable and each argument, so it has several values "
            f"whenever the process had an argument, and {what} on a multi-valued field is "
            "null in ES|QL: this condition never matches a process with arguments",
            node.span,
            f'test the arguments with KQL("{name}:value"), MV_EXPAND {name} before the WHERE '
            "(one argument per row), or match process.command_line",
        )
    return QueryFinding(
        codes.MULTI_VALUED,
        f"`{name}` can hold several values, and {what} on a multi-valued field is null in "
        "ES|QL: an event with several values there fails this condition silently (KQL and EQL "
        "match when any value does)",
        node.span,
        f'where several values occur, use KQL("{name}:value"), MV_EXPAND {name} before the '
        f'WHERE, or MV_CONTAINS({name}, "value") (stack 9.2 and later)',
    )
