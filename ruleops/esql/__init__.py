"""Elasticsearch's ES|QL: front end (grammar, syntax tree, typed columns through the pipe,
checks) and evaluator.

`parse_esql(text) -> Query` is the entry point, beside `parse_eql` and `parse_kql`.
"""

from ruleops.esql.parser import EsqlSyntaxError, parse_esql

__all__ = ["EsqlSyntaxError", "parse_esql"]
