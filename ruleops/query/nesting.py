"""How deeply a query and an event may nest, and the walks that measure it without recursion.

The front ends refuse a condition nested more than MAX_QUERY_DEPTH levels (`not not … x`,
calls within calls, KQL `a:{ b:{ … } }`) with a located syntax error, so that every
consumer of the tree (evaluator, explainer, checks, generator) may recurse over it. The
deepest production rule nests 9 levels. Events (fixtures, `ruleops eval`) are held to
MAX_EVENT_DEPTH levels of objects and arrays for the same reason; ECS documents nest a
handful.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ruleops.query.ast import children

MAX_QUERY_DEPTH = 100
MAX_EVENT_DEPTH = 100

TOO_DEEP_HINT = (
    f"ruleops reads conditions at most {MAX_QUERY_DEPTH} levels deep; "
    "flatten the condition (`not not x` is `x`, `a and (b and c)` is `a and b and c`)"
)


def too_deep(
    root: Any,
    limit: int = MAX_QUERY_DEPTH,
    below: Callable[[Any], Iterable[Any]] = children,
) -> Any | None:
    """The first node found deeper than `limit` levels under `root` (which is level 1), or
    None. Walks iteratively and never below the limit, so its cost is bounded by the part
    of the tree within it."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return node
        stack.extend((child, depth + 1) for child in below(node))
    return None


def _event_children(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        return value.values()
    if isinstance(value, list | tuple):
        return value
    return ()


def event_too_deep(event: Any, limit: int = MAX_EVENT_DEPTH) -> bool:
    """Whether objects and arrays nest more than `limit` levels in `event`."""
    return too_deep(event, limit, _event_children) is not None


# Strings (skipped whole, escapes included) and the brackets outside them.
_JSON_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_too_deep(text: str, limit: int = MAX_EVENT_DEPTH) -> tuple[int, int] | None:
    """(line, column) of the first `[` or `{` in JSON `text` that opens a level deeper than
    `limit`, or None. Run before `json.loads`, whose C decoder recurses and raises
    RecursionError on deep input."""
    depth = 0
    for match in _JSON_STRUCTURE.finditer(text):
        char = match.group(0)
        if char in "[{":
            depth += 1
            if depth > limit:
                offset = match.start()
                line = text.count("\n", 0, offset) + 1
                return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
        elif char in "]}":
            depth -= 1
    return None
