"""ES|QL functions: one registry, filled by one module per family.

A function is declared once with its arity, the type of its result given its arguments'
types (from Elasticsearch's function definitions, `docs/reference/query-languages/esql/
kibana/definition/functions/*.json`), and an implementation bound to those types. The
evaluator applies Elasticsearch's rules around every call, so implementations see only
what they can compute:

* a null argument makes the result null without a call (`nulls=True`, the rule for all but
  COALESCE, CASE, the MV functions that say otherwise and a few others);
* a multi-value given to a parameter that takes one value makes the result null with the
  warning `single-value function encountered multi-value` (`EvalFailure`); `multi` lists the
  parameters that take whole multi-values (MV_* functions, CONCAT's…);
* an `EvalFailure` raised by the implementation becomes null plus its two warnings.

Aggregates are declared the same way with `aggregate=True`; their implementation receives
the list of the group's argument cells (one cell per row for one argument, a tuple of cells
per row otherwise) and returns the group's cell.
"""

from __future__ import annotations

# Importing a family module registers its functions.
from ruleops.esql.builtins import (  # noqa: F401
    aggregates,
    conditional,
    conversion,
    dates,
    ip,
    math,
    mv,
    strings,
)
from ruleops.esql.builtins.registry import (
    ALIASES,
    REGISTRY,
    Function,
    Impl,
    SignatureError,
    Types,
    argument_type_error,
    common_type,
    first_type,
    keyword_result,
    lookup,
    register,
    simple,
)

__all__ = [
    "ALIASES",
    "REGISTRY",
    "Function",
    "Impl",
    "SignatureError",
    "Types",
    "argument_type_error",
    "common_type",
    "first_type",
    "keyword_result",
    "lookup",
    "register",
    "simple",
]


def load_all() -> None:
    """Nothing left to do: every family registered its functions when this package was
    imported. Kept for the callers that ask for it."""
