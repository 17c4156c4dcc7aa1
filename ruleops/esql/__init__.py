"""Elasticsearch's ES|QL: front end (grammar, syntax tree, typed columns through the pipe,
checks) and evaluator.

`parse_esql(text) -> Query` is the entry point, beside `parse_eql` and `parse_kql`. It is
imported on first use, so that a module of this package (its codes) loads without the parser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruleops.esql.parser import EsqlSyntaxError, parse_esql

__all__ = ["EsqlSyntaxError", "parse_esql"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: every run declares the ES|QL codes (ruleops.esql.codes), but
    # only one with an ES|QL rule needs the syntax tree and parser (~40 ms of imports).
    if name in __all__:
        from ruleops.esql import parser  # noqa: PLC0415 -- per language

        return getattr(parser, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
