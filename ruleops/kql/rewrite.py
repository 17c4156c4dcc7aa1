"""Rebuilding a condition with some of its nodes replaced (the executor's rewrites)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ruleops.query.ast import Expr


def rebuild(node: Expr, visit: Callable[[Expr], Expr]) -> Expr:
    """`node` with `visit` applied to each of its sub-expressions."""
    changes: dict[str, Any] = {}
    for name in ("operand", "left", "right", "value"):
        child = getattr(node, name, None)
        if child is not None and not isinstance(child, str | int | float | bool):
            changes[name] = visit(child)
    if hasattr(node, "operands"):
        changes["operands"] = tuple(visit(child) for child in node.operands)
    return dataclasses.replace(node, **changes) if changes else node
