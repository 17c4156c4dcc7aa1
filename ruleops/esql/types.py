"""ES|QL's data types: their names and aliases, families, and which can meet in a comparison.

Facts from Elasticsearch's `DataType` (x-pack/plugin/esql-core) and the ES|QL reference
(functions-operators/operators.md: comparisons; type-conversion cast aliases): numbers of
any width compare with each other, keyword with text, date with date_nanos; a string
literal is converted to the other side's type when that side is a date, ip, version or
boolean ("implicit casting of string literals"); null meets anything. The ES|QL type a
mapped field is read as is `ruleops.es_types.esql_type`.
"""

from __future__ import annotations

NUMERIC = frozenset({"integer", "long", "unsigned_long", "double", "counter_integer"})
STRING = frozenset({"keyword", "text"})
DATE = frozenset({"date", "date_nanos"})
TEMPORAL_AMOUNT = frozenset({"date_period", "time_duration"})
# What a string literal turns into when it meets one of these (string_literal_auto_casting).
FROM_STRING_LITERAL = frozenset({"date", "date_nanos", "ip", "version", "boolean"}) | NUMERIC
UNKNOWN = "unknown"  # a column ruleops cannot type (open namespaces, parameters)

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


def family(esql_type: str) -> str:
    """The family a type compares within: numeric, string, date, or the type itself."""
    if esql_type in NUMERIC:
        return "numeric"
    if esql_type in STRING:
        return "string"
    if esql_type in DATE:
        return "date"
    return esql_type


def comparable(left: str, right: str, *, left_literal: bool, right_literal: bool) -> bool:
    """Whether Elasticsearch accepts `left <op> right` for these two types."""
    if UNKNOWN in (left, right) or "null" in (left, right):
        return True
    if family(left) == family(right):
        return True
    if left in STRING and left_literal and right in FROM_STRING_LITERAL - NUMERIC:
        return True
    return right in STRING and right_literal and left in FROM_STRING_LITERAL - NUMERIC
