"""Structural checks on a parsed EQL query: what Elasticsearch's verifier would reject,
and a few mistakes it accepts silently.

These need no field data (the ECS checks live in `ruleops.query.fieldcheck`): functions
and their argument counts and literal types, join-key counts, `maxspan`, missing events,
`runs`, sample options, field-to-field comparisons, and wildcards written where they are
compared literally. Each problem is a `QueryFinding`: its code and the span of the text.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ruleops.eql.ast import Clause, EventQuery, Query, Sample, Sequence
from ruleops.eql.codes import (
    FIELD_TO_FIELD,
    FUNCTION_ARGUMENTS,
    JOIN_KEY_COUNT,
    LITERAL_WILDCARD,
    MAXSPAN,
    MISSING_WITHOUT_MAXSPAN,
    RUNS_RANGE,
    SAMPLE_OPTION,
    UNKNOWN_FUNCTION,
)
from ruleops.query import functions
from ruleops.query.ast import (
    Arithmetic,
    Call,
    Compare,
    Expr,
    Field,
    InSet,
    Literal,
    Negate,
    Span,
    walk,
)
from ruleops.query.finding import QueryFinding

MAX_RUNS = 100


# Value kinds a literal or an expression can have, as far as the query text tells.
STRING, NUMBER, INTEGER, BOOLEAN, ANY = "string", "number", "integer", "boolean", "any"


@dataclass(frozen=True)
class Signature:
    display: str  # the documented spelling, for messages
    params: tuple[str, ...]  # kinds of the required parameters
    optional: tuple[str, ...] = ()  # kinds of the optional parameters
    variadic: str | None = None  # kind of any further arguments
    returns: str = ANY
    insensitive: bool = False  # has a `~` form


FUNCTIONS: dict[str, Signature] = {
    "add": Signature("add", (NUMBER, NUMBER), returns=NUMBER),
    "between": Signature(
        "between", (STRING, STRING, STRING), (BOOLEAN,), returns=STRING, insensitive=True
    ),
    "cidrmatch": Signature("cidrMatch", (ANY, STRING), variadic=STRING, returns=BOOLEAN),
    "concat": Signature("concat", (ANY,), variadic=ANY, returns=STRING),
    "divide": Signature("divide", (NUMBER, NUMBER), returns=NUMBER),
    "endswith": Signature("endsWith", (STRING, STRING), returns=BOOLEAN, insensitive=True),
    "indexof": Signature(
        "indexOf", (STRING, STRING), (INTEGER,), returns=INTEGER, insensitive=True
    ),
    "length": Signature("length", (STRING,), returns=INTEGER),
    "modulo": Signature("modulo", (NUMBER, NUMBER), returns=NUMBER),
    "multiply": Signature("multiply", (NUMBER, NUMBER), returns=NUMBER),
    "number": Signature("number", (STRING,), (INTEGER,), returns=NUMBER),
    "startswith": Signature("startsWith", (STRING, STRING), returns=BOOLEAN, insensitive=True),
    "string": Signature("string", (ANY,), returns=STRING),
    "stringcontains": Signature(
        "stringContains", (STRING, STRING), returns=BOOLEAN, insensitive=True
    ),
    "substring": Signature("substring", (STRING, INTEGER), (INTEGER,), returns=STRING),
    "subtract": Signature("subtract", (NUMBER, NUMBER), returns=NUMBER),
}

# Functions of Endgame EQL that Elasticsearch never had, and what to write instead.
ENDGAME_FUNCTIONS: dict[str, str] = {
    "arraycontains": "compare the field directly: a condition matches if any array value does",
    "arraysearch": "compare the field directly: a condition matches if any array value does",
    "arraycount": "Elasticsearch EQL cannot count array values",
    "match": "use `regex` (or `regex~`)",
    "matchlite": "use `regex` (or `regex~`)",
    "wildcard": "use `:` or `like` with a list of patterns",
    "safe": "Elasticsearch EQL has no `safe`; a null value does not match",
}


def verify(query: Query) -> list[QueryFinding]:
    """Every structural problem in `query`, in source order."""
    problems = list(_structure(query))
    for event_query in event_queries(query):
        problems.extend(_condition(event_query.condition))
    problems.sort(key=lambda p: (p.span.start, p.code))
    return problems


def event_queries(query: Query) -> Iterator[EventQuery]:
    body = query.body
    if isinstance(body, EventQuery):
        yield body
        return
    for clause in _clauses_with_until(body):
        yield clause.query


# ---------------------------------------------------------------------------- structure


def _structure(query: Query) -> Iterator[QueryFinding]:
    body = query.body
    if isinstance(body, Sequence):
        yield from _sequence(body)
    elif isinstance(body, Sample):
        yield from _sample(body)


def _clauses_with_until(body: Sequence | Sample) -> list[Clause]:
    clauses = list(body.clauses)
    until = getattr(body, "until", None)
    if until is not None:
        clauses.append(until)
    return clauses


def _sequence(sequence: Sequence) -> Iterator[QueryFinding]:
    yield from _key_counts(sequence, "sequence")
    if sequence.maxspan_text is not None and sequence.maxspan_ms is None:
        yield _maxspan_problem(sequence)
    elif sequence.maxspan_ms == 0:
        # LogicalPlanBuilder.visitSequenceParams: "A positive maxspan value is required"
        yield QueryFinding(
            MAXSPAN,
            f"`maxspan={sequence.maxspan_text}` is not a positive time span",
            sequence.maxspan_span if sequence.maxspan_span.end else _head(sequence.span),
            hint="give the sequence a window above zero, e.g. `maxspan=1s`",
        )
    if sequence.maxspan_text is None:
        for clause in sequence.clauses:
            if clause.missing:
                yield QueryFinding(
                    MISSING_WITHOUT_MAXSPAN,
                    "a missing-event clause `![ … ]` needs the sequence to have a `maxspan`",
                    _head(clause.span),
                    hint="add `with maxspan=<time>` after `sequence` (and its `by` keys): "
                    "absence is only checked within that window",
                )
    for clause in _clauses_with_until(sequence):
        if not 1 <= clause.runs <= MAX_RUNS:
            yield QueryFinding(
                RUNS_RANGE,
                f"`runs={clause.runs}` is out of range: `runs` must be between 1 and {MAX_RUNS}",
                clause.runs_span if clause.runs_span.end else clause.span,
                hint="write the number of consecutive events the clause must match",
            )


def _sample(sample: Sample) -> Iterator[QueryFinding]:
    yield from _key_counts(sample, "sample")
    for clause in sample.clauses:
        if clause.missing:
            yield QueryFinding(
                SAMPLE_OPTION,
                "a sample cannot have a missing-event clause `![ … ]`",
                _head(clause.span),
                hint="use a sequence with `maxspan` to require that an event does not occur",
            )
        if clause.runs_span.end:
            yield QueryFinding(
                SAMPLE_OPTION,
                "a sample clause takes no `with runs=…`",
                clause.runs_span,
                hint="repeat the clause, or use a sequence",
            )


def _key_counts(body: Sequence | Sample, kind: str) -> Iterator[QueryFinding]:
    shared = len(body.keys)
    clauses = _clauses_with_until(body)
    counts = [shared + len(clause.keys) for clause in clauses]
    if len(set(counts)) <= 1:
        return
    # The most common count is taken as the intended one; the others are reported.
    expected = Counter(counts).most_common(1)[0][0]  # ties: the first clause's count
    for clause, count in zip(clauses, counts, strict=True):
        if count != expected:
            where = clause.keys[0].span if clause.keys else _head(clause.span)
            span = Span(where.start, clause.keys[-1].span.end) if clause.keys else where
            yield QueryFinding(
                JOIN_KEY_COUNT,
                f"this {kind} clause has {count} join key{'s' if count != 1 else ''} "
                f"but the others have {expected}",
                span,
                hint="every clause must be joined on the same number of keys (`by` after "
                f"`{kind}` counts for all clauses); keys are matched by position",
            )


def _maxspan_problem(sequence: Sequence) -> QueryFinding:
    text = sequence.maxspan_text or ""
    span = sequence.maxspan_span if sequence.maxspan_span.end else _head(sequence.span)
    digits = text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
    unit = text[len(digits) :]
    if not unit:
        message = f"`maxspan={text}` has no time unit"
    elif "." in digits or "e" in digits.lower():
        message = f"`maxspan={text}` must be a whole number of {unit}"
    else:
        message = f"`maxspan={text}` has an unknown time unit `{unit}`"
    return QueryFinding(
        MAXSPAN,
        message,
        span,
        hint="write a whole number followed by ms, s, m, h or d, e.g. `maxspan=5m`",
    )


def _head(span: Span) -> Span:
    """The first character of a span: where a clause-level problem is pointed at."""
    return Span(span.start, span.start + 1)


# ---------------------------------------------------------------------------- conditions


def _condition(condition: Expr) -> Iterator[QueryFinding]:
    for node in walk(condition):
        if isinstance(node, Call):
            yield from _call(node)
        elif isinstance(node, Compare):
            yield from _compare(node)
        elif isinstance(node, InSet):
            yield from _in_set(node)


def _call(call: Call) -> Iterator[QueryFinding]:
    signature = FUNCTIONS.get(call.name)
    shown = call.name + ("~" if call.case_insensitive else "")
    name_span = Span(call.span.start, call.span.start + len(shown))
    if signature is None:
        advice = ENDGAME_FUNCTIONS.get(call.name)
        if advice is not None:
            yield QueryFinding(
                UNKNOWN_FUNCTION,
                f"`{shown}` is an Endgame EQL function that Elasticsearch does not support",
                name_span,
                hint=advice,
            )
        else:
            yield QueryFinding(
                UNKNOWN_FUNCTION,
                f"unknown function `{shown}`",
                name_span,
                hint="Elasticsearch EQL functions: "
                + ", ".join(s.display for s in FUNCTIONS.values()),
            )
        return
    if call.case_insensitive and not signature.insensitive:
        yield QueryFinding(
            UNKNOWN_FUNCTION,
            f"`{signature.display}` has no case-insensitive `~` form",
            name_span,
            hint="only between, endsWith, indexOf, startsWith and stringContains take `~`",
        )
    count = len(call.args)
    least = len(signature.params)
    most = None if signature.variadic else least + len(signature.optional)
    if count < least or (most is not None and count > most):
        yield QueryFinding(
            FUNCTION_ARGUMENTS,
            f"`{signature.display}` takes {_arity(least, most)}, not {count}",
            call.span,
            hint=f"usage: {_usage(signature)}",
        )
        return
    kinds = signature.params + signature.optional
    for index, arg in enumerate(call.args):
        wanted = kinds[index] if index < len(kinds) else (signature.variadic or ANY)
        seen = _kind(arg)
        if not _compatible(wanted, seen, arg):
            yield QueryFinding(
                FUNCTION_ARGUMENTS,
                f"argument {index + 1} of `{signature.display}` must be "
                f"{_article(wanted)}, not {_describe(arg, seen)}",
                arg.span,
                hint=f"usage: {_usage(signature)}",
            )
    if all(isinstance(arg, Literal) for arg in call.args):
        yield from _fold(call, signature)
    if call.name == "between" and count == 4 and not isinstance(call.args[3], Literal):
        yield QueryFinding(
            FUNCTION_ARGUMENTS,
            "the `greedy` argument of `between` must be the literal `true` or `false`",
            call.args[3].span,
            hint=f"usage: {_usage(signature)}",
        )
    if call.name == "cidrmatch":
        for arg in call.args[1:]:
            if walk_fields(arg):
                # CIDRMatch.resolveType: the address blocks are constants
                yield QueryFinding(
                    FUNCTION_ARGUMENTS,
                    "the address blocks of `cidrMatch` must be constant strings, not fields",
                    arg.span,
                    hint='write the blocks out, e.g. cidrMatch(source.ip, "10.0.0.0/8")',
                )
            elif (
                isinstance(arg, Literal) and isinstance(arg.value, str) and not _is_cidr(arg.value)
            ):
                yield QueryFinding(
                    FUNCTION_ARGUMENTS,
                    f'"{arg.value}" is not an IP address or CIDR block',
                    arg.span,
                    hint='write an IPv4 or IPv6 block such as "10.0.0.0/8" or "fe80::/10"',
                )


def _fold(call: Call, signature: Signature) -> Iterator[QueryFinding]:
    """A call of constants is computed while Elasticsearch plans the query; a function that
    fails on them (`number("abc")`: "Unable to convert") fails the request."""
    values = [arg.value for arg in call.args if isinstance(arg, Literal)]
    try:
        functions.FUNCTIONS[call.name].impl(call.case_insensitive, *values)
    except functions.FunctionError as error:
        yield QueryFinding(
            FUNCTION_ARGUMENTS,
            f"`{signature.display}` fails on these values ({error}), and Elasticsearch "
            "rejects the query",
            call.span,
            hint=f"usage: {_usage(signature)}",
        )


def _is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)  # host bits may be set, as in ES
    except ValueError:
        return False
    return True


def _kind(expr: Expr) -> str:
    """What the query text says about a value's type (ANY when a field decides it)."""
    if isinstance(expr, Literal):
        value = expr.value
        if value is None:
            return ANY
        if isinstance(value, bool):
            return BOOLEAN
        if isinstance(value, int):
            return INTEGER
        if isinstance(value, float):
            return NUMBER
        return STRING
    if isinstance(expr, Call):
        signature = FUNCTIONS.get(expr.name)
        return signature.returns if signature else ANY
    if isinstance(expr, (Arithmetic, Negate)):
        return NUMBER
    if isinstance(expr, Field):
        return ANY
    return BOOLEAN  # comparisons, matches, boolean logic


def _compatible(wanted: str, seen: str, arg: Expr) -> bool:
    if wanted == ANY or seen == ANY:
        return True
    if wanted == NUMBER:
        return seen in (NUMBER, INTEGER)
    if wanted == INTEGER:
        # A function returning a number may well return an integer; only a literal decides.
        return seen == INTEGER or (seen == NUMBER and not isinstance(arg, Literal))
    return wanted == seen


def _arity(least: int, most: int | None) -> str:
    if most is None:
        return f"at least {least} argument{'s' if least != 1 else ''}"
    if least == most:
        return f"{least} argument{'s' if least != 1 else ''}"
    return f"{least} to {most} arguments"


_PARAM_NAMES = {
    "add": ("a", "b"),
    "between": ("source", "left", "right", "greedy"),
    "cidrmatch": ("ip", "cidr", "…"),
    "concat": ("value", "…"),
    "divide": ("dividend", "divisor"),
    "endswith": ("source", "substring"),
    "indexof": ("source", "substring", "start"),
    "length": ("source",),
    "modulo": ("dividend", "divisor"),
    "multiply": ("a", "b"),
    "number": ("string", "base"),
    "startswith": ("source", "substring"),
    "string": ("value",),
    "stringcontains": ("source", "substring"),
    "substring": ("source", "start", "end"),
    "subtract": ("minuend", "subtrahend"),
}


def _usage(signature: Signature) -> str:
    names = _PARAM_NAMES[signature.display.lower()]
    required = len(signature.params)
    parts = []
    for index, name in enumerate(names):
        parts.append(name if index < required or name == "…" else f"[{name}]")
    return f"{signature.display}({', '.join(parts)})"


def _article(kind: str) -> str:
    return {
        STRING: "a string",
        NUMBER: "a number",
        INTEGER: "a whole number",
        BOOLEAN: "`true` or `false`",
    }.get(kind, kind)


def _describe(arg: Expr, kind: str) -> str:
    if isinstance(arg, Literal):
        value = arg.value
        shown = (
            f'"{value}"'
            if isinstance(value, str)
            else str(value).lower()
            if isinstance(value, bool)
            else repr(value)
        )
        return f"{_article(kind)} ({shown})"
    if isinstance(arg, Call):
        return f"the {_article(kind).split(' ', 1)[-1]} that `{arg.name}` returns"
    return _article(kind)


def _compare(compare: Compare) -> Iterator[QueryFinding]:
    left, right = compare.left, compare.right
    if isinstance(left, Field) and isinstance(right, Field):
        if not (left.optional or right.optional):
            yield QueryFinding(
                FIELD_TO_FIELD,
                f"`{left.name} {compare.op} {right.name}` compares a field with another field, "
                "which Elasticsearch EQL does not support",
                compare.span,
                hint="compare each field with a value; to relate two events' fields, "
                "join them with `by` in a sequence",
            )
        return
    if _reads_fields(left) and _reads_fields(right):
        # ExpressionTranslators.BinaryComparisons.checkBinaryComparison: once literals are
        # moved right, the right side must be a constant
        names = " and ".join(
            dict.fromkeys(f.name for side in (left, right) for f in walk_fields(side))
        )
        yield QueryFinding(
            FIELD_TO_FIELD,
            f"both sides of `{compare.op}` read fields ({names}); Elasticsearch EQL compares "
            "an expression of fields with a constant only",
            compare.span,
            hint="compare each side with a value; to relate two events' fields, join them "
            "with `by` in a sequence",
        )
        return
    if compare.op in ("==", "!="):
        for side in (left, right):
            if _has_wildcard(side):
                yield _literal_wildcard(side, compare.op)


def _in_set(in_set: InSet) -> Iterator[QueryFinding]:
    operator = "in~" if in_set.case_insensitive else "in"
    value = in_set.value
    field_value = isinstance(value, Field) and not value.optional
    for option in in_set.options:
        if field_value and not isinstance(option, Field) and _reads_fields(option):
            yield QueryFinding(
                FIELD_TO_FIELD,
                f"this item of the `{operator}` list reads a field; Elasticsearch EQL "
                "compares a field with values only",
                option.span,
                hint="list values; to relate two events' fields, join them with `by`",
            )
        elif isinstance(option, Field) and isinstance(in_set.value, Field):
            if not (option.optional or in_set.value.optional):
                yield QueryFinding(
                    FIELD_TO_FIELD,
                    f"`{option.name}` in the `{operator}` list is a field; Elasticsearch "
                    "EQL compares a field with values only",
                    option.span,
                    hint="list values; to relate two events' fields, join them with `by`",
                )
        elif _has_wildcard(option):
            yield _literal_wildcard(option, operator)


def walk_fields(expr: Expr) -> list[Field]:
    return [node for node in walk(expr) if isinstance(node, Field)]


def _reads_fields(expr: Expr) -> bool:
    """Whether an expression is not a constant: it reads a field that is not optional (an
    optional field unknown to the mapping is the constant null)."""
    found = walk_fields(expr)
    return bool(found) and not all(f.optional for f in found)


def _has_wildcard(expr: Expr) -> bool:
    return (
        isinstance(expr, Literal)
        and isinstance(expr.value, str)
        and ("*" in expr.value or "?" in expr.value)
    )


def _literal_wildcard(literal: Expr, operator: str) -> QueryFinding:
    value = literal.value if isinstance(literal, Literal) else ""
    insensitive = operator.endswith("~")
    suggestion = "like~" if insensitive else "like"
    return QueryFinding(
        LITERAL_WILDCARD,
        f'`{operator}` compares "{value}" literally: `*` and `?` are wildcards only with '
        f"`:`, `like` and `like~`",
        literal.span,
        hint=f"for a wildcard match use `{suggestion}`"
        + ("" if insensitive else " (case-sensitive) or `:` / `like~` (case-insensitive)"),
    )
