"""ES|QL's data types and the rules Elasticsearch's analyser applies to them, one set read by
both the checker (`schema`, `verify`) and the evaluator (`evaluate`): a query the checker
calls ill-typed is one the evaluator refuses before running it, with Elasticsearch's
message, and the checker and the evaluator agree on every type.

Facts from Elasticsearch's `DataType` and `EsqlDataTypeConverter` (x-pack/plugin/esql-core,
x-pack/plugin/esql), the analyser's `ImplicitCasting` rule (`Analyzer.java`), the
comparison and arithmetic operators (`EsqlBinaryComparison`, `EsqlArithmeticOperation`),
and the ES|QL reference (functions-operators/operators.md; "implicit casting of string
literals"):

* numbers of any width compare and compute with each other, except that an unsigned_long
  meets only another unsigned_long or a double; keyword with text; date with date_nanos;
* a string literal becomes a date, date_nanos, ip, version or boolean when the other side of
  a comparison or the value of an IN is one; beside a time span in `+`/`-` it becomes a date;
  a function parameter that takes no string converts a string literal to its most preferred
  type (`EsqlFunctionRegistry.getTargetType`, `functions.literal_target`); a literal that
  does not convert makes the query fail (`Cannot convert string [x] to [DATE], error […]`);
* WHERE, AND, OR and NOT take booleans; LIKE and RLIKE match strings;
* null meets anything.

The messages are Elasticsearch's wording (the evaluator raises them); the checker puts them
in a rule author's words. The ES|QL type a mapped field is read as is
`ruleops.es_types.esql_type`.
"""

from __future__ import annotations

from ruleops.es_types import ip_bytes
from ruleops.esql.values import DATES, NUMBERS, SPANS, STRINGS, parse_iso, parse_span

NUMERIC = NUMBERS
STRING = STRINGS
DATE = DATES
TEMPORAL_AMOUNT = SPANS
NULL = "null"
UNKNOWN = "unknown"  # a column ruleops cannot type (open namespaces, parameters)

# What a string literal beside an operator turns into (ImplicitCasting's
# supportsStringImplicitCasting).
FROM_STRING_LITERAL = frozenset({"date", "date_nanos", "ip", "version", "boolean"})

# `::type` names → ES|QL types (DataType's type names and their aliases).
CAST_NAMES = {
    "bool": "boolean",
    "boolean": "boolean",
    "int": "integer",
    "integer": "integer",
    "long": "long",
    "double": "double",
    "unsigned_long": "unsigned_long",
    "ul": "unsigned_long",
    "string": "keyword",
    "keyword": "keyword",
    "text": "text",
    "date": "date",
    "datetime": "date",
    "date_nanos": "date_nanos",
    "ip": "ip",
    "version": "version",
    "geo_point": "geo_point",
    "geo_shape": "geo_shape",
    "cartesian_point": "cartesian_point",
    "cartesian_shape": "cartesian_shape",
    "date_period": "date_period",
    "time_duration": "time_duration",
}


def known(*kinds: str) -> bool:
    """Whether every type is one the rules can judge (not unknown, not null)."""
    return all(kind not in (UNKNOWN, NULL) for kind in kinds)


def family(kind: str) -> str:
    """The family a type is named by in Elasticsearch's messages: numeric, keyword,
    datetime, or the type itself."""
    if kind in NUMERIC:
        return "numeric"
    if kind in STRING:
        return "keyword"
    if kind in DATE:
        return "datetime"
    return kind


def comparable(left: str, right: str) -> bool:
    """Whether `left <op> right` compares (after any literal was converted)."""
    if not known(left, right) or left == right:
        return True
    if left in NUMERIC and right in NUMERIC:
        return ("unsigned_long" in (left, right)) is False or "double" in (left, right)
    return any(left in group and right in group for group in (STRING, DATE, TEMPORAL_AMOUNT))


def comparison_error(source: str, left: str, right: str) -> str | None:
    """Elasticsearch's message when `left` and `right` cannot be compared, else None."""
    if comparable(left, right):
        return None
    return (
        f"first argument of [{source}] is [{family(left)}] so second argument must also be "
        f"[{family(left)}] but was [{right}]"
    )


def operator_literal_target(other: str) -> str | None:
    """The type a string literal becomes beside an operand of type `other` (a comparison,
    IN), None when it stays a string."""
    return other if other in FROM_STRING_LITERAL else None


_WIDTH = {"integer": 0, "long": 1, "unsigned_long": 2, "double": 3}


def arithmetic_type(op: str, left: str, right: str) -> str | None:
    """The result type of `left op right`, None when the operator does not take these
    types (`[+] has arguments with incompatible types`)."""
    if left in (NULL, UNKNOWN) or right in (NULL, UNKNOWN):
        # null stands in for any operand type, but the other side must still be one the
        # operator takes: `true + null` is refused (EsqlArithmeticOperation: null or numeric,
        # dates and time spans on each side)
        other = right if left in (NULL, UNKNOWN) else left
        if other in (NULL, UNKNOWN) or other in _WIDTH or other in DATE:
            return other
        return other if other in TEMPORAL_AMOUNT else None
    if op in "+-" and left in DATE and right in TEMPORAL_AMOUNT:
        return left
    if op == "+" and right in DATE and left in TEMPORAL_AMOUNT:
        return right
    if op in "+-" and left in TEMPORAL_AMOUNT and right == left:
        return left
    if left not in _WIDTH or right not in _WIDTH:
        return None
    if (left == "unsigned_long") != (right == "unsigned_long") and "double" not in (left, right):
        return None
    return max(left, right, key=_WIDTH.__getitem__)


def arithmetic_error(op: str, left: str, right: str) -> str | None:
    if arithmetic_type(op, left, right) is not None:
        return None
    return f"[{op}] has arguments with incompatible types [{left}] and [{right}]"


def condition_error(source: str, kind: str) -> str | None:
    """The message when a WHERE, AND, OR or NOT operand is not a boolean."""
    if kind in ("boolean", NULL, UNKNOWN):
        return None
    return f"argument of [{source}] must be [boolean], found value [{source}] type [{kind}]"


def match_operand_error(source: str, value_source: str, kind: str) -> str | None:
    """The message when the value LIKE or RLIKE matches is not a string."""
    if kind in STRING or kind in (NULL, UNKNOWN):
        return None
    return (
        f"first argument of [{source}] must be [string], found value [{value_source}] type [{kind}]"
    )


def pattern_error(source: str, pattern_source: str, kind: str) -> str | None:
    """The message when a LIKE or RLIKE pattern is not a string."""
    if kind in STRING or kind in (NULL, UNKNOWN):
        return None
    return (
        f"second argument of [{source}] must be [string], found value [{pattern_source}] "
        f"type [{kind}]"
    )


def literal_error(text: str, target: str) -> str | None:
    """Why the string literal `text` does not convert to `target`
    (`EsqlDataTypeConverter.convert`; ImplicitCasting's `Cannot convert string [x] to
    [TYPE], error [why]`), None when it does."""
    why = _unconvertible(text, target)
    if why is None:
        return None
    name = "DATETIME" if target == "date" else target.upper()
    return f"Cannot convert string [{text}] to [{name}], error [{why}]"


def _unconvertible(text: str, target: str) -> str | None:
    if target in DATE:
        if parse_iso(text) is not None:
            return None
        nanos = "_nanos" if target == "date_nanos" else ""
        return f"failed to parse date field [{text}] with format [strict_date_optional_time{nanos}]"
    if target == "ip":
        return None if ip_bytes(text) is not None else f"'{text}' is not an IP string literal."
    if target in TEMPORAL_AMOUNT:
        if parse_span(text) is not None:
            return None
        return f"Unexpected temporal unit: '{text}'"
    if target in NUMERIC:
        try:
            float(text.strip()) if target == "double" else int(text.strip())
        except ValueError:
            return f"Cannot parse number [{text}]"
        return None
    return None  # version, boolean: every string converts
